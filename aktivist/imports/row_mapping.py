"""What the row cleaner needs to know about a file, computed once: ``RowMapping``."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from aktivist.core.table_columns import (
    BIRTH_YEAR_COLUMN,
    CONTACT_TYPE,
    ORGANISATION_NAME,
    PERSONNUMMER,
)
from aktivist.imports.optouts import OPT_OUT_FIELDS
from aktivist.imports.row_values import FORMULA, FORMULA_START
from aktivist.people.models import Person, Tag

# The order of the values clean_row extracts (RowMapping.indexes follows it).
FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "mobile",
    "other_phone",
    "street_address",
    "postcode",
    "city",
    "municipality",
    "birth_year",
    "birth_date",
    "language",
    "member_number",
    "membership_status",
    "member_since",
    "membership_ended_on",
    "tags",
)
# Fields kept as plain text: the formula check applies to them (phones, dates, years and
# words are checked by their own parsers, which refuse formulas anyway).
_TEXT_FIELDS = frozenset(
    {"first_name", "last_name", "full_name", "street_address", "city", "municipality"}
)


@functools.cache
def max_lengths() -> dict[str, int]:
    lengths = {
        name: getattr(Person._meta.get_field(name), "max_length", None) or 0
        for name in (
            "first_name",
            "last_name",
            "email",
            "other_phone",
            "street_address",
            "postcode",
            "city",
            "municipality",
            "member_number",
        )
    }
    lengths["tags"] = getattr(Tag._meta.get_field("name"), "max_length", None) or 0
    return lengths


@dataclass(frozen=True, slots=True)
class RowMapping:
    """What clean_row needs to know about a file, computed once: the column of each field
    (``None`` when unmapped) in ``FIELDS`` order, the headers for messages, and the dates
    that make a year or a date plausible."""

    width: int
    indexes: tuple[int | None, ...]
    labels: dict[str, str]
    personnummer: int | None  # a column used for the birth year only
    birth_year_hint: int | None  # the kept copy's _birth_year column
    today: dt.date
    year_low: int
    year_high: int
    date_low: dt.date
    date_high: dt.date
    fast_phone: bool
    max_lengths: dict[str, int]
    text_positions: tuple[int, ...]  # mapped fields the formula check applies to
    extra_tag_columns: tuple[int, ...]  # tags may come from several columns
    phone_columns: tuple[tuple[int, str, bool], ...]  # (index, header, is a mobile column)
    one_phone_column_each: bool  # at most one mobile and one other-phone column
    contact_type: int | None = None  # CiviCRM's "Contact Type": Individual, Organization …
    organisation_name: int | None = None  # with no person's name: an organisation's row
    address_line_2: int | None = None  # added to the street address (c/o, second line)
    # Further address blocks (IdrottOnline: Kontaktadress, then Folkbokföring): the second
    # street, postcode and city columns, the third …; (index, header) or None for each.
    address_blocks: tuple[tuple[tuple[int, str] | None, ...], ...] = ()
    # Columns named after a tag (Zetkin): (index, tag name, whether the name can be a tag).
    tag_flags: tuple[tuple[int, str, bool], ...] = ()
    opt_out_columns: tuple[tuple[int, str, str], ...] = ()  # (index, header, opt-out field)
    note: int | None = None  # the notes column (a note on the person)
    # Whether a row may take its birth year from a hidden column (personal identity number,
    # the kept copy's _birth_year), and whether tags come from more than the tags column:
    # clean_row skips those steps otherwise.
    birth_year_sources: bool = False
    more_tag_columns: bool = False

    @classmethod
    def build(
        cls, headers: Sequence[str], mapping: dict[str, str], *, today: dt.date | None = None
    ) -> RowMapping:
        """From the file's headers and the chosen ``{header: field}`` mapping. Headers the
        file lacks are ignored; a field chosen twice takes its leftmost column (columns.
        mapping_problems tells the person who chose it)."""
        today = today or timezone.localdate()
        column: dict[str, int] = {}
        extra_tags: list[int] = []
        phones: list[tuple[int, str, bool]] = []
        more_addresses: dict[str, list[tuple[int, str]]] = {}
        for index, header in enumerate(headers):
            chosen = mapping.get(header) or ""
            if chosen in ("mobile", "other_phone"):
                phones.append((index, header, chosen == "mobile"))
            if chosen and chosen not in column:
                column[chosen] = index
            elif chosen == "tags":
                extra_tags.append(index)
            elif chosen in ADDRESS_BLOCK_FIELDS:
                more_addresses.setdefault(chosen, []).append((index, header))
        hint = None
        if BIRTH_YEAR_COLUMN in headers and not mapping.get(BIRTH_YEAR_COLUMN):
            hint = list(headers).index(BIRTH_YEAR_COLUMN)
        year_low = today.year - 120  # as people.models.validate_birth_year
        return cls(
            width=len(headers),
            indexes=tuple(column.get(name) for name in FIELDS),
            labels={name: headers[i] for name, i in column.items()},
            personnummer=column.get(PERSONNUMMER),
            contact_type=column.get(CONTACT_TYPE),
            organisation_name=column.get(ORGANISATION_NAME),
            address_line_2=column.get("address_line_2"),
            note=column.get("note"),
            address_blocks=_address_blocks(more_addresses),
            tag_flags=tuple(
                (index, name, _can_be_tag(name))
                for index, header in enumerate(headers)
                if mapping.get(header) == "tag_flag" and (name := tag_name_of_header(header))
            ),
            opt_out_columns=tuple(
                (index, header, mapping[header])
                for index, header in enumerate(headers)
                if mapping.get(header) in OPT_OUT_FIELDS
            ),
            birth_year_hint=hint,
            birth_year_sources=column.get(PERSONNUMMER) is not None or hint is not None,
            today=today,
            year_low=year_low,
            year_high=today.year,
            date_low=dt.date(year_low, 1, 1),
            date_high=today + dt.timedelta(days=366),
            fast_phone=getattr(settings, "PHONE_DEFAULT_REGION", "SE") == "SE",
            max_lengths=max_lengths(),
            extra_tag_columns=tuple(extra_tags),
            more_tag_columns=bool(extra_tags)
            or any(mapping.get(header) == "tag_flag" for header in headers),
            phone_columns=tuple(phones),
            one_phone_column_each=sum(is_mobile for _i, _h, is_mobile in phones) <= 1
            and sum(not is_mobile for _i, _h, is_mobile in phones) <= 1,
            text_positions=tuple(
                p for p, name in enumerate(FIELDS) if name in _TEXT_FIELDS and name in column
            ),
        )


# A file may hold several addresses (IdrottOnline: "Kontaktadress - …", "Folkbokföring - …"):
# the street, postcode and city come from the first block with any of them filled.
ADDRESS_BLOCK_FIELDS = ("street_address", "postcode", "city")


def _address_blocks(
    more: dict[str, list[tuple[int, str]]],
) -> tuple[tuple[tuple[int, str] | None, ...], ...]:
    """The k-th further street, postcode and city columns form the k-th further block."""
    size = max((len(columns) for columns in more.values()), default=0)
    return tuple(
        tuple(
            more[name][k] if k < len(more.get(name, ())) else None for name in ADDRESS_BLOCK_FIELDS
        )
        for k in range(size)
    )


def _can_be_tag(name: str) -> bool:
    """A column's header may name a tag: not a formula, and short enough."""
    if name[0] in FORMULA_START and FORMULA.match(name):
        return False
    return len(name) <= max_lengths()["tags"]


def tag_name_of_header(header: str) -> str:
    """A tag column's tag name: its header, which tools that upper-case every header
    (Zetkin's CSV: "AKTIVIST") give as "Aktivist". An existing tag of the name in any
    case is used as it is (the writer matches tags case-insensitively)."""
    name = " ".join(header.split())
    return name.capitalize() if name.isupper() else name
