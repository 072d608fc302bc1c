"""One row of an uploaded file → the person fields to import, or the reason it is refused.

``RowMapping.build(headers, mapping)`` is computed once per file; ``clean_row(cells, line=,
mapping=)`` then runs per row, pure Python, no database, a few microseconds a row. It uses the
same normalisers as the forms (``aktivist.lib.normalise``; the fast paths there give exactly
the same results) and undoes Excel's habits: phones that lost their leading 0 or were
exported as floats ("701234567.0"), dates stored as serial numbers of the 1900 date system
("45230" → 2023-10-31; in date fields only, and only inside the plausible range), Swedish,
ISO and compact dates, Outlook's "Name <address>".

Decisions:

* A row is refused as a whole, never partly imported; every problem of the row is named in
  its reason (column header, value, what is wrong).
* A row needs a name (first, last or full name) **or** an identity key (member number,
  email, mobile); with neither it is refused. A row with a key and no name can update the
  person it matches (whether it may create a nameless person is the runner's decision —
  ``CleanRow.has_name``); a row with a name and no key is created and never matches anyone.
* Cells beyond the header are an error only when they hold something ("The row has 9 cells
  but the header has 8."); a short row is read as ending in empty cells (many tools drop
  trailing empty cells).
* Phones: the number, not the column, decides (a mobile is an identity key; a landline is
  shared by households). Every phone column is a source; the first mobile number becomes
  the mobile (mobile columns are looked at first), and one other number the other phone (a
  landline rather than a second mobile; other-phone columns first). A number that fits in
  neither refuses the row — none is dropped silently. Foreign numbers count when
  phonenumbers calls them valid: +61…, 0061…, or digits with the country code (61407698210).
* Value prefixes tools write are dropped (``core.table_columns.strip_value_prefix``): Meta's
  ``p:`` on phones, ``z:`` on postcodes and its id prefixes, NationBuilder's leading ``'``.
* A row that is not a person is skipped, not refused (``RowSkipped``, a ``RowError`` with a
  ``kind``): Meta's test leads (a name, email or phone cell starting "<test lead"), and an
  organisation's or household's row (a contact-type column says so, or an organisation name
  column is filled and no name is). A company column of a person's row is no such column.
* Several address blocks (IdrottOnline's "Kontaktadress - …" and "Folkbokföring - …": street,
  postcode and city each given to several columns): the first block with any of them filled
  is taken whole (``RowMapping.address_blocks``).
* Tag cells split on commas or semicolons; a cell of quoted names (Mailchimp's
  ``"Aktivist","Nyhetsbrev"``) splits on the commas outside the quotes, quotes removed.
* A value that looks like a spreadsheet formula (starts with "=", or "+", "-", "@" followed by
  a function call or a DDE/sheet reference) is refused: it is never data anyone meant.
* The personal identity number column is used for the birth year only (when no birth year or
  date of birth is given) — a birth date written there counts too (YYYY-MM-DD, YYYYMMDD,
  YYMMDD, "19850312-XXXX": ``lib.personnummer.birth_year_from_id_column``); an invalid one
  is ignored, and it never appears in a reason. A member number that is a personal identity
  number is refused.
* Unknown membership status or language words are refused rather than guessed; empty means
  "not given" (the person keeps what they have, a new person gets the default). Without a
  status, a member-since date means a member and a past end date a former member (a register
  such as IdrottOnline has dates, no status). Whether the membership values are taken at all
  is the matcher's decision (only the secretariat's imports take them).
* A full name is split when no first or last name is given ("Anna Maria Svensson" → "Anna
  Maria" + "Svensson", "Svensson, Anna" → "Anna" + "Svensson", particles such as "von" stay
  with the last name); beside a last-name column it gives the first name, beside a
  first-name column the last name.
* Birth year: the birth-year column, else the date of birth (a four-digit year there is a
  year), else the personal identity number; plausible means as validate_birth_year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from aktivist.core.table_columns import CONTACT_TYPE
from aktivist.imports.optouts import OptOut, row_opt_outs
from aktivist.imports.row_fields import (
    check_lengths,
    clean_address,
    clean_birth_year,
    clean_email,
    clean_language,
    clean_member_number,
    clean_membership_dates,
    clean_membership_status,
    clean_names,
    clean_phones,
    clean_tags,
    refuse_formulas,
)
from aktivist.imports.row_mapping import ADDRESS_BLOCK_FIELDS, FIELDS, RowMapping
from aktivist.imports.row_values import (
    label_of,
    note_text,
    shown,
    word_key,
)

MAX_REASON = 500  # ImportIssue.reason


@dataclass(slots=True)
class CleanRow:
    """The person fields of one row, normalised. Empty means "not given": ``None`` for the
    nullable fields, ``""`` for text, ``[]`` for tags."""

    line: int
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    mobile: str | None = None
    other_phone: str = ""
    street_address: str = ""
    postcode: str = ""
    city: str = ""
    municipality: str = ""
    birth_year: int | None = None
    language: str | None = None
    member_number: str | None = None
    membership_status: str | None = None
    member_since: dt.date | None = None
    membership_ended_on: dt.date | None = None
    tags: list[str] = field(default_factory=list)
    # (channel, suppression reason, withdraws the channel's consents): optouts.py
    opt_outs: tuple[OptOut, ...] = ()
    note: str = ""  # the notes column: a note on the person (runner), never a person field

    @property
    def has_name(self) -> bool:
        return bool(self.first_name or self.last_name)

    def given(self) -> dict[str, Any]:
        """The person fields this row gives a value for (empty cells never blank data)."""
        return {
            name: value
            for name in PERSON_FIELDS
            if (value := getattr(self, name)) is not None and value != ""
        }


PERSON_FIELDS = tuple(
    f for f in CleanRow.__slots__ if f not in ("line", "tags", "opt_outs", "note")
)


@dataclass(slots=True)
class RowError:
    """A refused row: its line in the file and why, in the user's language."""

    line: int
    reason: str


ORGANISATION = "organisation"
TEST_LEAD = "test_lead"


@dataclass(slots=True)
class RowSkipped(RowError):
    """A row that is not a person: an organisation's (or household's) row, or one of Meta's
    test leads (``kind``). Never imported, counted apart from refused rows; a caller that
    does not know the kind still refuses it (it is a RowError)."""

    kind: str = ORGANISATION


# --- The row ---------------------------------------------------------------------------------


_TEST_LEAD_POSITIONS = tuple(
    FIELDS.index(name)
    for name in ("first_name", "last_name", "full_name", "email", "mobile", "other_phone")
)
# The fields above lie side by side in FIELDS; the span covers them (and any between).
_TEST_LEAD_SPAN = slice(min(_TEST_LEAD_POSITIONS), max(_TEST_LEAD_POSITIONS) + 1)


def _is_test_lead(values: list[str]) -> bool:
    for position in _TEST_LEAD_POSITIONS:
        value = values[position]
        if value and (value[0] == "<" or value[:3] == "p:<") and "<test lead" in value.lower():
            return True
    return False


_NAME_POSITIONS = tuple(FIELDS.index(name) for name in ("first_name", "last_name", "full_name"))
# CiviCRM's contact types (English and Swedish labels), as word_key leaves them.
_CONTACT_TYPES = {
    **dict.fromkeys(("individual", "person", "privatperson", "individ", "enskild"), ""),
    **dict.fromkeys(("organization", "organisation", "org", "foretag", "forening"), ORGANISATION),
    **dict.fromkeys(("household", "hushall"), "household"),
}


def _organisation(
    cells: Sequence[str],
    n: int,
    line: int,
    mapping: RowMapping,
    values: list[str],
    errors: list[str],
) -> RowSkipped | None:
    """An organisation's or household's row (by its contact type, or an organisation name
    without a person's name), or None for a person's row. An unknown contact type is an
    error of the row."""
    if (i := mapping.contact_type) is not None and i < n and (typed := cells[i].strip()):
        kind = _CONTACT_TYPES.get(word_key(typed))
        if kind == ORGANISATION:
            return RowSkipped(line, _("An organisation, not a person."), ORGANISATION)
        if kind == "household":
            return RowSkipped(line, _("A household, not a person."), ORGANISATION)
        if kind is None:
            errors.append(
                _('%(column)s: "%(value)s" is neither a person nor an organisation.')
                % {"column": mapping.labels[CONTACT_TYPE], "value": shown(typed)}
            )
        return None
    if (i := mapping.organisation_name) is not None and i < n and cells[i].strip():
        if not any(values[p] for p in _NAME_POSITIONS):
            return RowSkipped(line, _("An organisation, not a person."), ORGANISATION)
    return None


_STREET, _POSTCODE, _CITY = (FIELDS.index(name) for name in ADDRESS_BLOCK_FIELDS)


def _address_from_blocks(
    cells: Sequence[str], n: int, mapping: RowMapping, values: list[str]
) -> dict[str, str]:
    """Fill the empty street, postcode and city (``values``) from the first further address
    block that has any of them; the labels for messages then name that block's columns."""
    for block in mapping.address_blocks:
        found = [
            cells[column[0]].strip() if column is not None and column[0] < n else ""
            for column in block
        ]
        if any(found):
            labels = dict(mapping.labels)
            for name, position, column, value in zip(
                ADDRESS_BLOCK_FIELDS, (_STREET, _POSTCODE, _CITY), block, found, strict=True
            ):
                if column is not None and value:
                    values[position] = value
                    labels[name] = column[1]
            return labels
    return mapping.labels


def clean_row(cells: Sequence[str], *, line: int, mapping: RowMapping) -> CleanRow | RowError:
    """The row's person fields, or why it is refused. Never raises for any text."""
    errors: list[str] = []
    n = len(cells)
    if n > mapping.width and "".join(cells[mapping.width :]).strip():
        errors.append(
            _("The row has %(cells)s cells but the header has %(header)s.")
            % {"cells": n, "header": mapping.width}
        )
    labels = mapping.labels
    values = [cells[i].strip() if i is not None and i < n else "" for i in mapping.indexes]
    if mapping.address_blocks and not (values[_STREET] or values[_POSTCODE] or values[_CITY]):
        labels = _address_from_blocks(cells, n, mapping, values)
    # Meta's test leads: "<test lead: dummy data for full_name>" (docs/peer-exports.md 6);
    # one search for "<" in the name, email and phone cells, a closer look only then.
    if "<" in "".join(values[_TEST_LEAD_SPAN]) and _is_test_lead(values):
        return RowSkipped(line, _("A test lead (Meta's dummy data), not a person."), TEST_LEAD)
    if mapping.contact_type is not None or mapping.organisation_name is not None:
        skipped = _organisation(cells, n, line, mapping, values, errors)
        if skipped is not None:
            return skipped
    if mapping.text_positions:
        refuse_formulas(values, mapping.text_positions, labels, errors)
    (
        first_name,
        last_name,
        full_name,
        email,
        mobile,
        other_phone,
        street_address,
        postcode,
        city,
        municipality,
        birth_year_text,
        birth_date_text,
        language_text,
        member_number,
        status_text,
        since_text,
        ended_text,
        tags_text,
    ) = values

    first_name, last_name, first_label, last_label = clean_names(first_name, last_name, full_name)
    if email:
        email = clean_email(email, labels, errors)
    # Phones: E.164 as the forms store them; the number decides mobile or other phone.
    mobile_e164: str | None = None
    other_e164 = ""
    if mapping.phone_columns:
        mobile_e164, other_e164 = clean_phones(
            mobile, other_phone, cells, n, mapping, labels, errors
        )
    street_address, postcode, city = clean_address(
        street_address, postcode, city, cells, n, mapping, errors
    )
    if municipality and "  " in municipality:
        municipality = " ".join(municipality.split())
    birth_year = (
        clean_birth_year(birth_year_text, birth_date_text, cells, n, mapping, errors)
        if birth_year_text or birth_date_text or mapping.birth_year_sources
        else None
    )
    language = clean_language(language_text, labels, errors) if language_text else None
    status = clean_membership_status(status_text, labels, errors) if status_text else None
    if member_number:
        member_number = clean_member_number(member_number, labels, errors)
    member_since = membership_ended_on = None
    if since_text or ended_text:
        member_since, membership_ended_on, status = clean_membership_dates(
            since_text, ended_text, status, status_text, mapping, errors
        )
    tags = (
        clean_tags(tags_text, cells, n, mapping, labels, errors)
        if tags_text or mapping.more_tag_columns
        else []
    )

    check_lengths(
        (
            ("first_name", first_name, first_label),
            ("last_name", last_name, last_label),
            ("email", email, "email"),
            ("street_address", street_address, "street_address"),
            ("postcode", postcode, "postcode"),
            ("city", city, "city"),
            ("municipality", municipality, "municipality"),
            ("member_number", member_number, "member_number"),
        ),
        tags,
        mapping.max_lengths,
        labels,
        errors,
    )
    if not (first_name or last_name or email or mobile_e164 or member_number) and not errors:
        errors.append(_("The row has no name, email, mobile or member number."))

    opt_outs: tuple[OptOut, ...] = ()
    note = ""
    if mapping.opt_out_columns or mapping.note is not None:
        opt_outs, note = _opt_outs_and_note(cells, n, mapping, errors)
    if errors:
        return _refused(line, errors)
    return CleanRow(
        line,
        first_name,
        last_name,
        email or None,
        mobile_e164,
        other_e164,
        street_address,
        postcode,
        city,
        municipality,
        birth_year,
        language,
        member_number or None,
        status,
        member_since,
        membership_ended_on,
        tags,
        opt_outs=opt_outs,
        note=note,
    )


def _opt_outs_and_note(
    cells: Sequence[str], n: int, mapping: RowMapping, errors: list[str]
) -> tuple[tuple[OptOut, ...], str]:
    """The row's opt-outs (never dropped: an unknown value refuses the row, optouts.py)
    and its note (the notes column)."""
    opt_outs: tuple[OptOut, ...] = ()
    if mapping.opt_out_columns:
        opt_outs = row_opt_outs(cells, mapping.opt_out_columns, errors)
    note = ""
    if mapping.note is not None and mapping.note < n and (note := cells[mapping.note].strip()):
        note = note_text(note, label_of(mapping, "note"), errors)
    return opt_outs, note


def _refused(line: int, errors: list[str]) -> RowError:
    reason = " ".join(errors)
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    return RowError(line, reason)
