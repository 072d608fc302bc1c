"""One name for the rapid-response network in every piece of UI text: "Rapid-response
network" in English and "Snabbinsatsnätverket" in Swedish (issue 17; the name most used
when they were unified). The Swedish catalogue, the templates and the docs are scanned for
the other names the network has had."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

ROOT = Path(settings.BASE_DIR)
SV_PO = ROOT / "aktivist" / "locale" / "sv" / "LC_MESSAGES" / "django.po"

# Other names for the same network (the action itself stays "blixtaktion" / "urgent action").
OTHER_SWEDISH = re.compile(
    r"blixtaktionsnätverk|nätverket för blixtaktioner|akutnätverk|larmnätverk", re.IGNORECASE
)
OTHER_ENGLISH = re.compile(
    r"urgent[- ]actions? network|rapid response network|alert network|urgent network",
    re.IGNORECASE,
)


def _po_entries(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) of each entry, the wrapped lines joined (plural forms joined too)."""
    entries: list[tuple[str, str]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = ""
        for line in block.splitlines():
            line = line.removeprefix("#~ ")
            if line.startswith(("msgid", "msgstr")):
                current, _sp, rest = line.partition(" ")
                current = "msgstr" if current.startswith("msgstr") else "msgid"
                fields[current] = fields.get(current, "") + ast.literal_eval(rest)
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            entries.append((fields["msgid"], fields.get("msgstr", "")))
    return entries


def _ui_files() -> list[Path]:
    files = [*(ROOT / "aktivist").rglob("*.html"), *(ROOT / "aktivist").rglob("*.txt")]
    files += [*(ROOT / "docs").glob("*.md"), ROOT / "README.md"]
    return [f for f in files if f.is_file() and "/tests/" not in f.as_posix()]


def test_the_swedish_catalogue_calls_the_network_snabbinsatsnatverket_only():
    entries = _po_entries(SV_PO)
    assert len(entries) > 100  # the parser read the catalogue
    others = [msgstr for _msgid, msgstr in entries if OTHER_SWEDISH.search(msgstr)]
    assert others == []
    # Wherever the English names the network, the Swedish does too, by the one name.
    named = [
        (msgid, msgstr)
        for msgid, msgstr in entries
        if "rapid-response network" in msgid.lower() and msgstr
    ]
    assert len(named) >= 10
    assert [m for m in named if "snabbinsatsnätverk" not in m[1].lower()] == []


def test_the_menu_and_the_network_page_say_snabbinsatsnatverket_in_swedish():
    with translation.override("sv"):
        assert gettext("Rapid-response network") == "Snabbinsatsnätverket"


def test_no_template_or_doc_uses_another_name_for_the_network():
    files = _ui_files()
    assert any(f.name == "network.html" for f in files)
    found = [
        f"{f.relative_to(ROOT)}: {m.group(0)}"
        for f in files
        for m in [
            *OTHER_SWEDISH.finditer(f.read_text(encoding="utf-8")),
            *OTHER_ENGLISH.finditer(" ".join(f.read_text(encoding="utf-8").split())),
        ]
    ]
    assert found == []
