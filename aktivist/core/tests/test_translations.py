"""The Swedish catalogue is complete, compiled and used: every string has a Swedish
translation, none is fuzzy (fuzzy entries are ignored at runtime), the committed .mo
matches the .po, and a page asked for in Swedish is served in Swedish."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

LOCALE_DIR = Path(django_settings.LOCALE_PATHS[0])
SV_PO = LOCALE_DIR / "sv" / "LC_MESSAGES" / "django.po"
SV_MO = LOCALE_DIR / "sv" / "LC_MESSAGES" / "django.mo"

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\d*\}")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def _unquote(text: str) -> str:
    # A PO string is a C string literal; Python's literal syntax is close enough for the
    # escapes gettext writes (\n, \t, \", \\).
    return str(ast.literal_eval(text))


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: flags, msgctxt, msgid, msgid_plural, msgstr and msgstr[n],
    continuation lines; obsolete (#~) entries are skipped."""
    reader = _PoReader(path)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            reader.finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            reader.flags(number, line)
        elif line.startswith("#"):
            reader.comment()
        elif line.startswith('"'):
            reader.continuation(number, line)
        else:
            reader.keyword(number, raw, line)
    reader.finish()
    return reader.entries


class _PoReader:
    """``parse_po``'s state: the entries read, the one being read, and the string
    (keyword, plural index) that continuation lines extend."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[Entry] = []
        self.current: Entry | None = None
        self.target: tuple[str, int | None] | None = None

    def finish(self) -> None:
        if self.current is not None:
            self.entries.append(self.current)
        self.current, self.target = None, None

    def _finish_if_started(self) -> None:
        if self.current is not None and self.target is not None:
            self.finish()

    def flags(self, number: int, line: str) -> None:
        self._finish_if_started()
        self.current = self.current or Entry(line=number)
        self.current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}

    def comment(self) -> None:
        self._finish_if_started()

    def continuation(self, number: int, line: str) -> None:
        current, target = self.current, self.target
        assert current is not None and target is not None, f"{self.path}:{number}: stray string"
        value = _unquote(line)
        key, index = target
        if key == "msgstr":
            current.msgstr[index or 0] += value
        else:
            setattr(current, key, (getattr(current, key) or "") + value)

    def keyword(self, number: int, raw: str, line: str) -> None:
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and self.target is not None:
            if self.target[0] == "msgstr":
                self.finish()
        if self.current is None:
            self.current = Entry(line=number)
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            index = int(match.group(1))
            self.current.msgstr[index] = _unquote(rest)
            self.target = ("msgstr", index)
        elif keyword == "msgstr":
            self.current.msgstr[0] = _unquote(rest)
            self.target = ("msgstr", 0)
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(self.current, keyword, _unquote(rest))
            self.target = (keyword, None)
        else:
            raise AssertionError(f"{self.path}:{number}: cannot read {raw!r}")


@pytest.fixture(scope="module")
def sv_entries() -> list[Entry]:
    assert SV_PO.exists(), f"{SV_PO} is missing: run makemessages -l sv"
    return parse_po(SV_PO)


def test_swedish_catalogue_is_complete_and_not_fuzzy(sv_entries: list[Entry]) -> None:
    messages = [entry for entry in sv_entries if entry.msgid]
    assert len(messages) > 100, "the sv catalogue looks empty"

    fuzzy = [
        f"line {entry.line}: {entry.msgid or '(header)'}"
        for entry in sv_entries
        if "fuzzy" in entry.flags
    ]
    assert not fuzzy, "fuzzy entries are ignored at runtime; review them:\n" + "\n".join(fuzzy)
    assert "#, fuzzy" not in SV_PO.read_text(encoding="utf-8")

    untranslated = []
    for entry in messages:
        expected = {0, 1} if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected or not all(entry.msgstr.values()):
            untranslated.append(f"line {entry.line}: {entry.msgid}")
    assert not untranslated, "untranslated in sv:\n" + "\n".join(untranslated)


def test_swedish_translations_keep_their_placeholders(sv_entries: list[Entry]) -> None:
    broken = []
    for entry in sv_entries:
        if not entry.msgid:
            continue
        for index, text in entry.msgstr.items():
            source = entry.msgid_plural if index and entry.msgid_plural else entry.msgid
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                broken.append(f"line {entry.line}: {source!r} → {text!r}")
    assert not broken, "placeholders differ:\n" + "\n".join(broken)


def _load(path: Path) -> dict[Any, str]:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def test_compiled_catalogue_is_up_to_date(tmp_path: Path) -> None:
    assert SV_MO.exists(), f"{SV_MO} is missing: run compilemessages"
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed; cannot compare the .mo with the .po")
    fresh = tmp_path / "django.mo"
    subprocess.run(
        [msgfmt, "--check-format", "-o", str(fresh), str(SV_PO)], check=True, capture_output=True
    )
    compiled, expected = _load(SV_MO), _load(fresh)
    stale = sorted(
        str(key)
        for key in compiled.keys() | expected.keys()
        if compiled.get(key) != expected.get(key)
    )
    assert not stale, (
        "django.mo differs from django.po; run `manage.py compilemessages` from aktivist/:\n"
        + "\n".join(stale[:20])
    )


def test_login_page_is_served_in_swedish(client: Any, db: Any, settings: Any) -> None:
    settings.LANGUAGE_CODE = "sv"
    url = reverse("accounts:login")
    assert url == "/accounts/login/"

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="sv">' in content
    assert "Logga in" in content
    assert "Glömt lösenordet?" in content


def test_login_page_is_served_in_english_when_asked(client: Any, db: Any, settings: Any) -> None:
    settings.LANGUAGE_CODE = "sv"

    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")

    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "Log in" in content
    assert "Logga in" not in content
