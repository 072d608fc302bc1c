"""The reliability suite's fuzz of the upload forms: the import upload (read in a task, then
its batch page) and an event's attendance upload. Random bytes, CSV of any separator and
encoding, XLSX that is damaged, truncated or no XLSX at all, any file name: a form error or
a page that says why the file was refused, never a 5xx, never a server path."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from aktivist.conftest import Personas, World, login
from aktivist.core.tests import fuzz
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

HEADERS = ["Förnamn", "Efternamn", "E-post", "Mobil", "Postnr", "Medlemsnummer", "Personnummer"]


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """A CSV as Excel or a stranger writes it: the real headers or others, any separator,
    any encoding, ragged rows, hostile cells."""
    separator = draw(st.sampled_from([";", ",", "\t", "|", ""]))
    header = draw(st.one_of(st.just(HEADERS), st.lists(fuzz.text, max_size=8)))
    rows = draw(st.lists(st.lists(fuzz.text, max_size=9), max_size=12))
    end = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    text = end.join(separator.join(r) for r in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    data = text.encode(encoding, "replace") if encoding != "utf-8" else fuzz._bytes(text)
    return data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


def _xlsx(rows: list[list[str]]) -> bytes:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = _xlsx([HEADERS, ["Märta", "Malm", "marta@example.org", "0701112233", "21145", "1", ""]])


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


@st.composite
def xlsx_bytes(draw: st.DrawFn) -> bytes:
    """An XLSX: a real one cut short or with bytes changed, one with hostile cells, or a zip
    whose parts are not what Excel writes."""
    how = draw(st.integers(0, 4))
    if how == 0:
        return XLSX[: draw(st.integers(0, len(XLSX)))]
    if how == 1:
        data = bytearray(XLSX)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if how == 2:
        return _xlsx([HEADERS, *draw(st.lists(st.lists(fuzz.text, max_size=8), max_size=5))])
    if how == 3:
        with zipfile.ZipFile(io.BytesIO(XLSX)) as z:
            members = {n: z.read(n) for n in z.namelist()}
        victim = draw(st.sampled_from(sorted(members)))
        members[victim] = draw(st.one_of(st.binary(max_size=300), st.just(b"<x>" * 50)))
        return _zip(members)
    return _zip({"[Content_Types].xml": draw(st.binary(max_size=200))})


FILES = st.one_of(st.binary(max_size=3000), csv_bytes(), csv_bytes(), xlsx_bytes(), xlsx_bytes())
NAMES = st.one_of(
    st.sampled_from(
        [
            "lista.csv",
            "lista.xlsx",
            "lista.CSV",
            "lista.txt",
            "lista.xls",
            "lista",
            ".csv",
            "../../etc/passwd.csv",
            "C:\\Users\\karin\\lista.xlsx",
            "ä ö ✊.csv",
            "x" * 300 + ".csv",
        ]
    ),
    fuzz.text.map(lambda t: t.replace("\x00", "") + ".csv"),
)


def _post_file(c: Client, path: str, data: bytes, name: str, fields: fuzz.Pairs) -> Any:
    payload: dict[str, Any] = {}
    for k, v in fields:
        if isinstance(k, str) and isinstance(v, str) and k != "file":
            payload.setdefault(k, []).append(v)
    upload = SimpleUploadedFile(name or "x", data, content_type="application/octet-stream")
    payload["file"] = upload
    with TestCase.captureOnCommitCallbacks(execute=True):  # the reading task runs now
        return c.post(path, payload)


@pytest.fixture
def importer(world: World, personas: Personas, settings: Any, tmp_path: Path) -> Client:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return login(fuzz.client(), personas.district_a)


@fuzz.budget(100)
@given(data=FILES, name=NAMES, kind=st.sampled_from(["people", "register_full", "x", ""]))
def test_the_import_upload_takes_any_file_without_a_server_error(
    importer: Client, data: bytes, name: str, kind: str
) -> None:
    response = _post_file(importer, reverse("imports:upload"), data, name, [("kind", kind)])
    fuzz.assert_clean(response)
    if response.status_code == 302:  # accepted: the batch page says what was read, or why not
        fuzz.assert_clean(importer.get(response["Location"], follow=True))


@pytest.fixture
def checkin(
    world: World, personas: Personas, settings: Any, tmp_path: Path
) -> tuple[Client, str, bytes]:
    from django.utils import timezone

    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Under way: attendance can be recorded (an event not started refuses every file).
    event = EventFactory(
        unit=world.group_a1, starts_at=timezone.now() - timezone.timedelta(hours=1)
    )
    person = world.member_a1
    RegistrationFactory(event=event, person=person)
    client = login(fuzz.client(), personas.district_a)
    good = f"E-post;Förnamn;Efternamn\r\n{person.email};{person.first_name};{person.last_name}\r\n"
    return client, reverse("attendance:upload", args=[event.pk]), good.encode("cp1252")


GOOD = b"<the attendance list of the event>"


@fuzz.budget(100)
@given(data=st.one_of(st.just(GOOD), FILES), name=NAMES)
def test_the_attendance_upload_takes_any_file_without_a_server_error(
    checkin: tuple[Client, str, bytes], data: bytes, name: str
) -> None:
    client, path, good = checkin
    fuzz.assert_clean(_post_file(client, path, good if data == GOOD else data, name, []))
