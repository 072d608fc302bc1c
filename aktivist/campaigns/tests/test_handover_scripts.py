"""The hand-over PDF and the letters print every signer's name in any script — Arabic
shaped right to left, Chinese, Amharic, Cyrillic — from the fonts vendored in the
repository; an emoji is left out with a mark. Read back with pypdf, checked with qpdf."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from aktivist.campaigns import pdf
from aktivist.campaigns.models import Action
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.people.tests.factories import PersonFactory

NAMES = [
    ("مريم", "العلي"),  # Arabic
    ("王", "小明"),  # Chinese
    ("አበበ", "ቢቂላ"),  # Amharic (Ethiopic script)
    ("Алексей", "Смирнов"),  # Cyrillic
    ("Zoë", "Łukasz-Çağla"),
]


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _qpdf_check(content: bytes, tmp_path) -> None:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        pytest.skip("qpdf is not installed (apt-get install qpdf)")
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    result = subprocess.run(  # fixed arguments
        [qpdf, "--check", str(path)], capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def test_the_hand_over_prints_names_in_every_script(client_for, personas, world, tmp_path, caplog):
    action = ActionFactory()
    for first, last in [*NAMES, ("Lina 👩🏽‍💻", "Ek")]:
        ParticipationFactory(
            action=action, person=PersonFactory(first_name=first, last_name=last), named=True
        )
    response = client_for(personas.staff).get(reverse("handover:petition_pdf", args=[action.pk]))
    assert response.status_code == 200
    text = _text(response.content)
    for first, last in NAMES:
        assert f"{first} {last}" in text, (first, last)
    # The emoji sequence (woman, skin tone, joiner, laptop) is one mark; the name stays.
    assert f"Lina {pdf.MISSING_MARK} Ek" in text
    assert "👩" not in text and "💻" not in text
    assert "Lina" not in caplog.text and "王" not in caplog.text  # names never logged
    _qpdf_check(response.content, tmp_path)


def test_the_arabic_name_is_shaped_with_joined_letter_forms():
    document = pdf.new_document(title="t", author="a")
    document.row([("مريم العلي", 0)])
    # The glyphs embedded for the line (fpdf2's subset of DejaVu Sans, named by the
    # font): meem (U+0645) printed twice in مريم, once initial and once final — joined
    # letters, not the isolated forms an unshaped line would use.
    used = {glyph.glyph_name for glyph, _code in document.fonts["dejavu"].subset.items()}
    assert {"uniFEE3", "uniFEE2"} <= used  # meem initial, meem final
    assert "uni0645" not in used  # never the isolated meem


def test_letters_print_the_signers_name_in_its_script(client_for, personas, world, tmp_path):
    action = ActionFactory(
        kind=Action.Kind.LETTER,
        letter_delivery=Action.LetterDelivery.PDF,
        target_name="Kommunstyrelsen",
        letter_subject="Ett brev",
        letter_text_sv="Till kommunstyrelsen.",
        letter_text_en="To the board.",
    )
    for first, last in NAMES[:3]:
        ParticipationFactory(
            action=action, person=PersonFactory(first_name=first, last_name=last, language="sv")
        )
    response = client_for(personas.staff).get(reverse("handover:letters_pdf", args=[action.pk]))
    assert response.status_code == 200
    text = _text(response.content)
    for first, last in NAMES[:3]:
        assert f"{first} {last}" in text, (first, last)
    _qpdf_check(response.content, tmp_path)


def test_printable_marks_emoji_and_unknown_characters_once_per_run():
    document = pdf.new_document(title="t", author="a")
    mark = pdf.MISSING_MARK
    assert document.printable("Lina 🌍") == f"Lina {mark}"
    assert document.printable("🇸🇪 Sverige") == f"{mark} Sverige"  # a flag: two indicators
    assert document.printable("❤️ Anna") == f"{mark} Anna"  # text heart + emoji selector
    assert document.printable("Zoë Łukasz") == "Zoë Łukasz"
    assert document.printable("مريم") == "مريم"
    assert document.printable("\U000e0001x") == "x"  # a lone tag character is dropped
