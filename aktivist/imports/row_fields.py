"""The steps of the row cleaner (``rows.clean_row``), one per field or group of fields:
each returns the cleaned value and appends the row's problems to ``errors``. Pure
functions, no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext as _

from aktivist.core.table_columns import strip_value_prefix
from aktivist.imports.row_mapping import FIELDS, RowMapping
from aktivist.imports.row_values import (
    ANGLE_ADDRESS,
    EXCEL_EXPONENT,
    EXCEL_FLOAT,
    FORMULA,
    FORMULA_START,
    STATUS_BY_WORD,
    date_field,
    excel_exponent,
    invalid_phone,
    label_of,
    language_code,
    names_from_full_name,
    parse_phone,
    row_phones,
    shown,
    split_address,
    split_tags,
    too_long,
    word_key,
    year_from_date,
    year_from_hidden_columns,
    year_of,
)
from aktivist.lib.normalise import is_valid_email, normalise_postcode
from aktivist.lib.personnummer import is_personnummer

_MEMBER_NUMBER_PREFIX_STARTS = frozenset("lacf'")
_NO_CELLS: list[str] = []
# A tag column's cell that means "not tagged" (Zetkin writes true/false).
_NOT_TAGGED = frozenset({"false", "falskt", "no", "nej", "n", "0", "-"})


def refuse_formulas(
    values: list[str], positions: tuple[int, ...], labels: dict[str, str], errors: list[str]
) -> None:
    """The plain-text fields that look like a spreadsheet formula are refused (and blanked:
    reported once, not again as too long)."""
    for position in positions:
        value = values[position]
        if value and value[0] in FORMULA_START and FORMULA.match(value):
            errors.append(
                _('%(column)s: "%(value)s" looks like a spreadsheet formula.')
                % {"column": labels[FIELDS[position]], "value": shown(value)}
            )
            values[position] = ""


def clean_names(first_name: str, last_name: str, full_name: str) -> tuple[str, str, str, str]:
    """(first name, last name, and the fields whose headers name them in messages)."""
    first_label, last_label = "first_name", "last_name"
    if first_name and not first_name.isprintable() or "  " in first_name:
        first_name = " ".join(first_name.split())
    if last_name and not last_name.isprintable() or "  " in last_name:
        last_name = " ".join(last_name.split())
    if full_name and not (first_name and last_name):
        first_name, last_name, first_label, last_label = names_from_full_name(
            " ".join(full_name.split()), first_name, last_name
        )
    return first_name, last_name, first_label, last_label


def clean_email(email: str, labels: dict[str, str], errors: list[str]) -> str:
    """The forms' clean_email (trim, lower case, Django's validator)."""
    lowered = email.lower()
    if not is_valid_email(lowered) and (address := ANGLE_ADDRESS.fullmatch(lowered)):
        lowered = address[1].strip()  # Outlook's "Anna Svensson <anna@example.se>"
    if is_valid_email(lowered):
        return lowered
    errors.append(
        _('%(column)s: "%(value)s" is not a valid email address.')
        % {"column": labels["email"], "value": shown(email)}
    )
    return email


def clean_phones(
    mobile: str,
    other_phone: str,
    cells: Sequence[str],
    n: int,
    mapping: RowMapping,
    labels: dict[str, str],
    errors: list[str],
) -> tuple[str | None, str]:
    """(mobile, other phone) in E.164; the number decides which it is."""
    if not mapping.one_phone_column_each or (mobile and other_phone):
        return row_phones(cells, n, mapping, errors)
    # The common case, one number: the values read already, no second pass.
    value = mobile or other_phone
    if not value:
        return None, ""
    typed = strip_value_prefix("mobile", value) if value[0] in "p'" else value
    e164, is_mobile_number = parse_phone(typed, mapping.fast_phone, True)
    if e164 is None:
        errors.append(invalid_phone(labels["mobile" if mobile else "other_phone"], value))
        return None, ""
    if is_mobile_number:
        return e164, ""
    return None, e164


def clean_address(
    street_address: str,
    postcode: str,
    city: str,
    cells: Sequence[str],
    n: int,
    mapping: RowMapping,
    errors: list[str],
) -> tuple[str, str, str]:
    """(street address, postcode, city): Mailchimp's one-cell address split, the second
    address line added to the street, the postcode normalised."""
    if street_address and "  " in street_address and not (postcode or city):
        # Mailchimp's address field: one cell, its parts separated by two spaces.
        street_address, city, postcode = split_address(street_address)
    if mapping.address_line_2 is not None and mapping.address_line_2 < n:
        if line_2 := " ".join(cells[mapping.address_line_2].split()):
            street_address = _with_line_2(street_address, line_2, mapping, errors)
    if postcode:
        if postcode[0] in "z'":
            postcode = strip_value_prefix("postcode", postcode)
        if postcode.endswith("0") and (excel := EXCEL_FLOAT.fullmatch(postcode)) is not None:
            postcode = excel[1]
        compact = postcode.replace(" ", "")
        # normalise_postcode keeps letters and digits, upper-cased: the same when all are.
        postcode = compact.upper() if compact.isalnum() else normalise_postcode(postcode)
    if city and "  " in city:
        city = " ".join(city.split())
    return street_address, postcode, city


def _with_line_2(street_address: str, line_2: str, mapping: RowMapping, errors: list[str]) -> str:
    """The street address with the address line 2 after a comma (alone, it is the street
    address)."""
    label_2 = label_of(mapping, "address_line_2")
    limit = mapping.max_lengths["street_address"]
    if line_2[0] in FORMULA_START and FORMULA.match(line_2):
        errors.append(
            _('%(column)s: "%(value)s" looks like a spreadsheet formula.')
            % {"column": label_2, "value": shown(line_2)}
        )
    elif street_address:
        joined = f"{street_address}, {line_2}"
        if len(joined) > limit:
            errors.append(too_long(label_2, len(joined), limit))
        else:
            street_address = joined
    elif "street_address" in mapping.labels:
        street_address = line_2  # checked later as the street address
    elif len(line_2) > limit:
        errors.append(too_long(label_2, len(line_2), limit))
    else:
        street_address = line_2
    return street_address


def clean_birth_year(
    birth_year_text: str,
    birth_date_text: str,
    cells: Sequence[str],
    n: int,
    mapping: RowMapping,
    errors: list[str],
) -> int | None:
    """The birth-year column, else the date of birth, else the personal identity number."""
    birth_year: int | None = None
    if birth_year_text:
        birth_year = year_of(birth_year_text, "birth_year", mapping, errors)
    if birth_date_text and birth_year is None:
        birth_year = year_from_date(birth_date_text, mapping, errors)
    if birth_year is None and not birth_year_text and not birth_date_text:
        birth_year = year_from_hidden_columns(cells, n, mapping)
    return birth_year


def clean_language(language_text: str, labels: dict[str, str], errors: list[str]) -> str | None:
    language = language_code(language_text)
    if language is None:
        errors.append(
            _('%(column)s: "%(value)s" is not a language Aktivist knows (Swedish, English).')
            % {"column": labels["language"], "value": shown(language_text)}
        )
    return language


def clean_membership_status(
    status_text: str, labels: dict[str, str], errors: list[str]
) -> str | None:
    status = STATUS_BY_WORD.get(status_text.lower()) or STATUS_BY_WORD.get(word_key(status_text))
    if status is None:
        errors.append(
            _(
                '%(column)s: "%(value)s" is not a membership status (member, non-member, '
                "former member)."
            )
            % {"column": labels["membership_status"], "value": shown(status_text)}
        )
    return status


def clean_member_number(member_number: str, labels: dict[str, str], errors: list[str]) -> str:
    if member_number[0] in _MEMBER_NUMBER_PREFIX_STARTS:
        member_number = strip_value_prefix("member_number", member_number)
    if member_number.endswith("0") and (excel := EXCEL_FLOAT.fullmatch(member_number)):
        member_number = excel[1]
    if EXCEL_EXPONENT.fullmatch(member_number):
        errors.append(excel_exponent(labels["member_number"], member_number))
    elif 10 <= len(member_number) <= 13 and is_personnummer(member_number):
        errors.append(
            _("%(column)s: the value is a personal identity number, which Aktivist never stores.")
            % {"column": labels["member_number"]}
        )
        return ""
    return member_number


def clean_membership_dates(
    since_text: str,
    ended_text: str,
    status: str | None,
    status_text: str,
    mapping: RowMapping,
    errors: list[str],
) -> tuple[dt.date | None, dt.date | None, str | None]:
    """(member since, membership ended on, status). A register without a status column
    (IdrottOnline): its dates say it. An end date that has passed makes a former member; a
    member-since date a member."""
    member_since = date_field(since_text, "member_since", mapping, errors)
    ended_on = date_field(ended_text, "membership_ended_on", mapping, errors)
    if status is None and not status_text and (member_since or ended_on):
        if ended_on is not None and ended_on <= mapping.today:
            status = "former"
        elif member_since is not None:
            status = "member"
    return member_since, ended_on, status


def clean_tags(
    tags_text: str,
    cells: Sequence[str],
    n: int,
    mapping: RowMapping,
    labels: dict[str, str],
    errors: list[str],
) -> list[str]:
    """The row's tags: the tags columns' names, and the tag columns (Zetkin) that are set."""
    tags: list[str] = []
    tag_cells = [tags_text] if tags_text else _NO_CELLS
    for i in mapping.extra_tag_columns:
        if i < n and cells[i].strip():
            tag_cells = [*tag_cells, cells[i]]
    for cell in tag_cells:
        for tag in split_tags(cell):
            if not tag or tag in tags:
                continue
            if tag[0] in FORMULA_START and FORMULA.match(tag):
                errors.append(
                    _('%(column)s: "%(value)s" looks like a spreadsheet formula.')
                    % {"column": labels["tags"], "value": shown(tag)}
                )
                continue
            tags.append(tag)
    for index, name, can_be_tag in mapping.tag_flags:
        if index < n and (flag := cells[index].strip()) and flag.lower() not in _NOT_TAGGED:
            if not can_be_tag:
                errors.append(
                    _("%(column)s: the column's name cannot be a tag (a formula, or too long).")
                    % {"column": shown(name)}
                )
            elif name not in tags:
                tags.append(name)
    return tags


def check_lengths(
    fields: tuple[tuple[str, str, str], ...],
    tags: list[str],
    limits: dict[str, int],
    labels: dict[str, str],
    errors: list[str],
) -> None:
    """Lengths that do not fit the model's fields: (field, value, the field whose header
    names it)."""
    for name, value, label_field in fields:
        if len(value) > limits[name]:
            errors.append(too_long(labels[label_field], len(value), limits[name]))
    for tag in tags:
        if len(tag) > limits["tags"]:
            errors.append(too_long(labels["tags"], len(tag), limits["tags"]))
            break
