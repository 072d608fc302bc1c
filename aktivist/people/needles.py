"""A person's values, to find their rows among the cells of files and messages that name no
person: uploaded files waiting to be read, the copies imports keep, refused rows and the
reasons that quote them. The erasure and the access export of imports and of attendance
uploads use it (``imports/registries.py``, ``programmes/registries.py``).

A row is the person's when one of its cells is their email, mobile (as typed: 070-123 45
67, +46 70 …) or member number, or when it carries both their first and last name. The
values compared are held in memory only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from aktivist.lib.normalise import normalise_name
from aktivist.people.models import Person

# A quoted value, between straight or typographic quotation marks: messages quote in the
# language they were written in ("x" and “x” in English, ”x” in Swedish).
_QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»]*)[\"“”„«»]")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _phone_forms(e164: str) -> set[str]:
    """The digits of a number as people write it: 46701234567, 0046701234567 and, for a
    Swedish number, 0701234567 and 701234567."""
    digits = _digits(e164)
    forms = {digits, "00" + digits}
    if e164.startswith("+46"):
        national = digits[2:]
        forms |= {national, "0" + national}
    return {form for form in forms if len(form) >= 7}


class Needles:
    """The values of a batch of people being erased, to find their rows among cells."""

    def __init__(self, people: Iterable[tuple[Any, ...]]) -> None:
        self.keys: set[str] = set()
        self.phones: set[str] = set()
        self.names: set[tuple[str, str]] = set()
        self.full_names: set[str] = set()
        for email, mobile, member_number, first_name, last_name in people:
            if email:
                self.keys.add(email.casefold())
            if member_number:
                self.keys.add(member_number.strip().casefold())
            if mobile:
                self.keys.add(mobile.casefold())
                self.phones |= _phone_forms(mobile)
            first, last = normalise_name(first_name), normalise_name(last_name)
            if first and last:
                self.names.add((first, last))
                self.full_names |= {f"{first} {last}", f"{last} {first}", f"{last}, {first}"}

    def __bool__(self) -> bool:
        return bool(self.keys or self.phones or self.names)

    def cell_is_key(self, cell: str) -> bool:
        text = cell.strip().casefold()
        if not text:
            return False
        if text in self.keys:
            return True
        if self.phones and any(ch.isdigit() for ch in text):
            digits = _digits(text)
            if len(digits) >= 7 and digits in self.phones:
                return True
        return False

    def row_is_theirs(self, cells: Sequence[str]) -> bool:
        folded = set()
        for cell in cells:
            if self.cell_is_key(cell):
                return True
            if cell:
                folded.add(normalise_name(cell))
        if folded & self.full_names:
            return True
        return any(first in folded and last in folded for first, last in self.names)

    def quotes_them(self, text: str) -> bool:
        """Whether a message quotes one of their values, whole or in part ('"anna.berg@x"
        is not a valid email address'): a key, a phone number's digits, or one of their
        names within a quoted value."""
        for quoted in _QUOTED.findall(text or ""):
            if self.cell_is_key(quoted):
                return True
            folded = normalise_name(quoted)
            if any(key in folded for key in self.keys):
                return True
            if any(name in folded for pair in self.names for name in pair if len(name) >= 3):
                return True
        return False


def needles_for(person_ids: Sequence[int]) -> Needles:
    """The needles of these people, from their stored values."""
    return Needles(
        Person.objects.filter(pk__in=list(person_ids)).values_list(
            "email", "mobile", "member_number", "first_name", "last_name"
        )
    )
