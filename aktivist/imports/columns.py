"""Which column of an uploaded file holds which person field: the fields an import takes.

``IMPORT_FIELDS`` names every field (and pseudo-field) a column may be given, with its
label. The guess itself — ``guess_mapping(headers, sample_rows)``, from Swedish and English
headers and the values — is the base's (``aktivist/core/table_columns.py``), shared with the
attendance upload; staff correct the guess and may save it as a ``ColumnMapping``, which
``mapping_problems`` checks. A mapping is ``{header: field}`` with ``""`` for a column that
is ignored.

A column of Swedish personal identity numbers (personnummer, and samordningsnummer) is
mapped to the pseudo-field ``"personnummer"``: it is never stored and never written to the
copy a batch keeps; at most a birth year is taken from it. Unlike other fields,
``"personnummer"`` may be given to several columns — every one of them is dropped — and so
may ``"tags"`` (their tags add up) and the phone fields: every phone column is a source of
numbers, and the number decides whether it is the mobile or the other phone (rows.py); a
``"mobile"`` column is only looked at first for the mobile.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aktivist.core.table_columns import (
    ADDRESS_BLOCK_FIELDS,
    CONTACT_TYPE,
    ORGANISATION_NAME,
    PERSONNUMMER,
)
from aktivist.imports.optouts import OPT_OUT_FIELDS

IMPORT_FIELDS: dict[str, Promise] = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "full_name": _("Full name (split into first and last name)"),
    "email": _("Email"),
    "mobile": _("Mobile"),
    "other_phone": _("Other phone"),
    "street_address": _("Street address"),
    "address_line_2": _("Address line 2 or c/o (added to the street address)"),
    "postcode": _("Postcode"),
    "city": _("City"),
    "municipality": _("Municipality"),
    "birth_year": _("Birth year"),
    "birth_date": _("Date of birth (only the year is kept)"),
    "language": _("Language"),
    "member_number": _("Member number"),
    "membership_status": _("Membership status"),
    "member_since": _("Member since"),
    "membership_ended_on": _("Membership ended"),
    "tags": _("Tags (comma-separated)"),
    "tag_flag": _("Tag named after the column (true, yes or x: the person has it)"),
    # A free-text column: a note on the person (people.Interaction), never a person field.
    "note": _("Note"),
    # Not stored: they tell an organisation's row from a person's (rows.py skips it).
    CONTACT_TYPE: _("Contact type (a person, or an organisation: skipped)"),
    ORGANISATION_NAME: _("Organisation name (a row with it and no person's name is skipped)"),
    # Opt-outs (optouts.py): recorded as withdrawn consents and suppressions, never dropped.
    **{name: spec.label for name, spec in OPT_OUT_FIELDS.items()},
    PERSONNUMMER: _("Personal identity number (never stored; gives the birth year)"),
}


# Fields several columns may have: every personnummer column is dropped, tags add up, and
# the number decides where each phone goes.
_REPEATABLE = frozenset(
    {PERSONNUMMER, "tags", "tag_flag", "mobile", "other_phone", *OPT_OUT_FIELDS}
    | ADDRESS_BLOCK_FIELDS
)
REPEATABLE_FIELDS = _REPEATABLE  # services._clean_mapping allows these twice too


def mapping_problems(headers: Sequence[str], mapping: dict[str, str]) -> list[str]:
    """What is wrong with a (corrected or saved) mapping for these headers, as messages
    for the person who made it; an empty list when it can be used."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    present = set(headers)
    for header, field in mapping.items():
        if header not in present or not field:
            continue
        if field not in IMPORT_FIELDS:
            problems.append(
                gettext("%(column)s: “%(field)s” is not a field that can be imported.")
                % {"column": header, "field": field}
            )
        elif field in seen and field not in _REPEATABLE:
            problems.append(
                gettext("%(field)s is chosen for both %(first)s and %(second)s.")
                % {"field": IMPORT_FIELDS[field], "first": seen[field], "second": header}
            )
        else:
            seen[field] = header
    return problems


def personnummer_columns(headers: Sequence[str], mapping: dict[str, str]) -> list[int]:
    """Indexes of the columns that must never be stored or kept (``drop_columns``)."""
    return [i for i, h in enumerate(headers) if mapping.get(h) == PERSONNUMMER]
