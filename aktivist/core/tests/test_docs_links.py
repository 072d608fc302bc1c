"""The README and docs/ are read in a clone of the repository, which holds nothing beside it:
no link or path in them points outside the repository, and every relative link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# A path written in backticks or a link that climbs out of the folder it is in.
CLIMBS = re.compile(r"(?<![\w.])\.\./")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_a_document_never_points_outside_the_repository(document):
    text = document.read_text(encoding="utf-8")
    for link in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link) or link.startswith("#"):
            continue  # a web address or a place on the same page
        target = (document.parent / link.split("#", 1)[0]).resolve()
        assert target.is_relative_to(ROOT), f"{document.name}: {link} leaves the repository"
        assert target.exists(), f"{document.name}: {link} leads nowhere"
    for number, line in enumerate(text.splitlines(), start=1):
        for match in CLIMBS.finditer(line):
            where = (document.parent / line[match.start() :].split("`")[0].split()[0]).resolve()
            assert where.is_relative_to(ROOT), f"{document.name}:{number} points outside: {line}"
        assert "/work/" not in line, f"{document.name}:{number} names a machine's path: {line}"
