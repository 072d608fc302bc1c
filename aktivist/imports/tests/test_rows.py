from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aktivist.core.table_columns import PERSONNUMMER, split_full_name
from aktivist.imports.row_mapping import RowMapping
from aktivist.imports.rows import CleanRow, RowError, clean_row
from aktivist.imports.tests.files_samples import personnummer
from aktivist.lib.normalise import (
    clean_email,
    is_valid_email,
    normalise_phone,
    normalise_phone_fast,
    se_mobile_fast,
    swedish_mobile_e164,
)

TODAY = dt.date(2026, 5, 1)
HEADERS = [
    "Förnamn",
    "Efternamn",
    "Namn",
    "E-post",
    "Mobil",
    "Telefon",
    "Gatuadress",
    "Postnr",
    "Ort",
    "Kommun",
    "Födelseår",
    "Födelsedatum",
    "Språk",
    "Medlemsnummer",
    "Status",
    "Medlem sedan",
    "Utträdesdatum",
    "Taggar",
    "Personnummer",
]
FIELDS = [
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
    PERSONNUMMER,
]
MAPPING = RowMapping.build(HEADERS, dict(zip(HEADERS, FIELDS, strict=True)), today=TODAY)


def clean(line: int = 2, **cells: str) -> CleanRow | RowError:
    """A row of the full test file, given by field name."""
    row = [cells.get(field, "") for field in FIELDS]
    return clean_row(row, line=line, mapping=MAPPING)


def ok(**cells: str) -> CleanRow:
    row = clean(**cells)
    assert isinstance(row, CleanRow), row
    return row


def reason(**cells: str) -> str:
    row = clean(**cells)
    assert isinstance(row, RowError), row
    return row.reason


def test_a_typical_swedish_row_is_normalised_as_the_forms_would():
    row = ok(
        first_name="  Anna  Maria ",
        last_name="Svensson",
        email=" Anna.Svensson@Example.SE ",
        mobile="070-123 45 67",
        other_phone="08-123 456 78",
        street_address="Storgatan 12",
        postcode="211 45",
        city="Malmö",
        municipality="Malmö",
        birth_year="1985",
        language="svenska",
        member_number="12345",
        membership_status="Medlem",
        member_since="2019-03-01",
        tags="Sommar 2024, Lund ;Sommar 2024",
    )
    assert row == CleanRow(
        line=2,
        first_name="Anna Maria",
        last_name="Svensson",
        email="anna.svensson@example.se",
        mobile="+46701234567",
        other_phone="+46812345678",
        street_address="Storgatan 12",
        postcode="21145",
        city="Malmö",
        municipality="Malmö",
        birth_year=1985,
        language="sv",
        member_number="12345",
        membership_status="member",
        member_since=dt.date(2019, 3, 1),
        tags=["Sommar 2024", "Lund"],
    )
    assert row.email == clean_email(" Anna.Svensson@Example.SE ")


def test_empty_cells_are_not_given():
    row = ok(email="bo@example.se")
    assert row.given() == {"email": "bo@example.se"}
    assert row.membership_status is None and row.language is None and row.tags == []
    assert not row.has_name


# --- Names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Anna Maria Svensson", "Anna Maria", "Svensson"),
        ("Svensson, Anna", "Anna", "Svensson"),
        ("Svensson,Anna Maria", "Anna Maria", "Svensson"),
        ("Ebba von Essen", "Ebba", "von Essen"),
        ("Hilma af Klint", "Hilma", "af Klint"),
        ("  Anna   ", "Anna", ""),
    ],
)
def test_a_full_name_is_split_into_first_and_last(full, first, last):
    assert split_full_name(full) == (first, last)
    row = ok(full_name=full)
    assert (row.first_name, row.last_name) == (first, last)


def test_a_full_name_beside_a_first_or_last_name_column_fills_the_other():
    row = ok(first_name="Anna", last_name="Berg", full_name="Anna Maria Svensson")
    assert (row.first_name, row.last_name) == ("Anna", "Berg")
    row = ok(first_name="Anna", full_name="Anna Maria Svensson")
    assert (row.first_name, row.last_name) == ("Anna", "Maria Svensson")
    row = ok(last_name="Svensson", full_name="Anna Maria Svensson")
    assert (row.first_name, row.last_name) == ("Anna Maria", "Svensson")
    row = ok(last_name="Svensson", full_name="Anna")  # "Namn" next to "Efternamn"
    assert (row.first_name, row.last_name) == ("Anna", "Svensson")


# --- Phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "070-123 45 67",
        "0701234567",
        "+46 70 123 45 67",
        "+46701234567",
        "0046701234567",
        "701234567",  # Excel dropped the leading 0
        "46701234567",  # … and the plus
        "701234567.0",  # … and wrote a float
        "0701234567.0",
        "(070) 123 45 67",
        "+46 (0)70-123 45 67",
    ],
)
def test_a_mobile_in_every_form_spreadsheets_hold(typed):
    assert ok(first_name="A", mobile=typed).mobile == "+46701234567"


def test_a_foreign_mobile_is_kept_in_e164():
    assert ok(first_name="A", mobile="+47 412 34 567").mobile == "+4741234567"


def test_a_landline_in_the_mobile_column_becomes_the_other_phone():
    row = ok(first_name="A", mobile="08-123 456 78")
    assert (row.mobile, row.other_phone) == (None, "+46812345678")
    same = ok(first_name="A", mobile="08-123 456 78", other_phone="08 12345678")
    assert (same.mobile, same.other_phone) == (None, "+46812345678")


def test_a_landline_in_the_mobile_column_beside_another_phone_is_refused():
    assert reason(first_name="A", mobile="08-123 456 78", other_phone="046-12 34 56") == (
        'Mobil: "08-123 456 78" is not a mobile number, and the row has another phone '
        "number already."
    )


def test_an_invalid_phone_refuses_the_row():
    assert reason(first_name="A", mobile="070-12") == 'Mobil: "070-12" is not a valid phone number.'
    assert reason(first_name="A", other_phone="12") == 'Telefon: "12" is not a valid phone number.'


def test_a_phone_excel_shortened_to_an_exponent_says_what_to_do():
    assert "format the column as text" in reason(first_name="A", mobile="4,67012E+10")


# --- Email -----------------------------------------------------------------------------------


def test_an_outlook_style_address_gives_the_address():
    row = ok(email="Anna Svensson <Anna@Example.se>")
    assert row.email == "anna@example.se"


def test_an_invalid_email_refuses_the_row():
    assert reason(first_name="A", email="anna@") == 'E-post: "anna@" is not a valid email address.'


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.emails().map(str.lower),
        st.text(max_size=40).map(lambda s: s.strip().lower()),
        st.builds(
            lambda u, d: f"{u}@{d}".lower(),
            st.text(alphabet="abc.+-_\"' ", max_size=8),
            st.text(alphabet="abcåä.-[]:1", max_size=12),
        ),
    )
)
@example("anna@localhost")
@example("anna@[127.0.0.1]")
@example("anna@xn--rksmrgs-5wao1o.se")
def test_the_cached_email_check_agrees_with_djangos_validator(email):
    try:
        expected = clean_email(email) is not None
    except ValidationError:
        expected = False
    assert is_valid_email(email) == expected


# --- The fast phone path is the forms' phone normaliser -------------------------------------

SEPARATORS = st.sampled_from(["", "", " ", "-", "  ", " - "])


@st.composite
def swedish_numbers(draw: st.DrawFn) -> str:
    second = draw(st.sampled_from("0123456789"))  # mobile operators and other 07x series
    rest = draw(st.text(alphabet="0123456789", min_size=7, max_size=7))
    national = "7" + second + rest
    if draw(st.booleans()):  # a landline or a number of odd length now and then
        national = draw(st.text(alphabet="0123456789", min_size=5, max_size=11))
    prefix = draw(st.sampled_from(["0", "+46", "0046", "46", "", "+46 0", "+460", "00460"]))
    cuts = sorted(draw(st.lists(st.integers(0, len(national)), max_size=4)))
    pieces, last = [], 0
    for cut in cuts:
        pieces.append(national[last:cut])
        last = cut
    pieces.append(national[last:])
    body = "".join(piece + draw(SEPARATORS) for piece in pieces).rstrip(" -")
    around = draw(st.sampled_from(["", " ", "\t", "\u00a0"]))
    return around + prefix + draw(SEPARATORS) + body + around


@pytest.mark.parametrize("series", [f"7{d}" for d in range(10)])
def test_fast_phone_path_equals_normalise_phone_for_every_07_series_and_prefix(series):
    for subscriber in ("0000000", "1234567", "9999999"):
        national = series + subscriber
        for prefix in ("", "0", "+46", "0046", "46", "+46 ", "+46-", "0046 ", "+460", "+46 (0)"):
            for typed in (
                prefix + national,
                f"{prefix}{national[:2]}-{national[2:5]} {national[5:7]} {national[7:]}",
                f"{prefix}{national[:2]} {national[2:5]} {national[5:]}",
                f" {prefix}{national}.0 ",
            ):
                assert normalise_phone_fast(typed) == normalise_phone(typed), typed


@settings(max_examples=1000, deadline=None)
@given(swedish_numbers())
@example("070-123 45 67")
@example("+46 70 123 45 67")
@example("0046701234567")
@example("46701234567")
@example("701234567")
@example("+4 6 70 123 45 67")
@example("-0701234567")
@example("0701234567-")
def test_fast_phone_path_equals_normalise_phone_for_swedish_numbers(typed):
    assert normalise_phone_fast(typed) == normalise_phone(typed)
    assert se_mobile_fast(typed) in (None, normalise_phone(typed))


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="0123456789+-() .\t٣")))
def test_fast_phone_path_agrees_on_junk(typed):
    assert normalise_phone_fast(typed) == normalise_phone(typed)
    assert swedish_mobile_e164(typed) in (None, normalise_phone(typed))


def test_the_fast_path_stands_aside_for_another_default_region(settings):
    settings.PHONE_DEFAULT_REGION = "NO"
    assert se_mobile_fast("0701234567") is None
    assert normalise_phone_fast("41234567") == normalise_phone("41234567") == "+4741234567"


# --- Years and dates -------------------------------------------------------------------------


def test_an_implausible_birth_year_refuses_the_row():
    assert reason(first_name="A", birth_year="1820") == (
        "Födelseår: 1820 is not a plausible birth year."
    )
    assert reason(first_name="A", birth_year="2027") == (
        "Födelseår: 2027 is not a plausible birth year."
    )
    assert reason(first_name="A", birth_year="åttiofem") == 'Födelseår: "åttiofem" is not a year.'


def test_birth_year_forms():
    assert ok(first_name="A", birth_year="1985.0").birth_year == 1985
    assert ok(first_name="A", birth_year="1985-03-04").birth_year == 1985
    assert ok(first_name="A", birth_year=str(TODAY.year - 120)).birth_year == 1906


@pytest.mark.parametrize(
    ("typed", "year"),
    [
        ("1985-03-04", 1985),
        ("04/03/1985", 1985),
        ("4.3.1985", 1985),
        ("19850304", 1985),
        ("1985", 1985),  # a year in a date column is a year
        ("31048", 1985),  # an Excel serial number: 1985-01-01
        ("1985-03-04 00:00:00", 1985),
        ("1985-03-04T00:00:00+01:00", 1985),
    ],
)
def test_birth_date_gives_the_birth_year(typed, year):
    assert ok(first_name="A", birth_date=typed).birth_year == year


def test_an_impossible_birth_date_refuses_the_row():
    assert reason(first_name="A", birth_date="31/02/1985") == (
        'Födelsedatum: "31/02/1985" is not a date.'
    )
    assert reason(first_name="A", birth_date="2026-06-01") == (
        "Födelsedatum: 2026-06-01 is not a plausible date of birth."
    )


def test_the_birth_year_column_wins_over_the_date_of_birth():
    assert ok(first_name="A", birth_year="1990", birth_date="1985-03-04").birth_year == 1990


def test_the_personnummer_gives_the_birth_year_and_never_appears_in_a_reason():
    pnr = personnummer(dt.date(1981, 12, 18))
    assert ok(first_name="A", personnummer=pnr).birth_year == 1981
    assert ok(first_name="A", personnummer="nonsense").birth_year is None
    assert ok(first_name="A", personnummer=pnr, birth_year="1980").birth_year == 1980
    refused = reason(personnummer=pnr, email="x@")
    assert pnr not in refused and pnr[:6] not in refused


def test_a_member_number_that_is_a_personnummer_is_refused_without_showing_it():
    pnr = personnummer(dt.date(1981, 12, 18), long=True)
    text = reason(first_name="A", member_number=pnr)
    assert text == (
        "Medlemsnummer: the value is a personal identity number, which Aktivist never stores."
    )


@pytest.mark.parametrize(
    ("typed", "date"),
    [
        ("2023-10-31", dt.date(2023, 10, 31)),
        ("31/10/2023", dt.date(2023, 10, 31)),
        ("31.10.2023", dt.date(2023, 10, 31)),
        ("20231031", dt.date(2023, 10, 31)),
        ("2023/10/31", dt.date(2023, 10, 31)),
        ("10/31/2023", dt.date(2023, 10, 31)),  # unambiguously American
        ("45230", dt.date(2023, 10, 31)),  # Excel's serial number (1900 date system)
        ("45230.0", dt.date(2023, 10, 31)),
        ("45231", dt.date(2023, 11, 1)),
    ],
)
def test_membership_dates_in_the_forms_spreadsheets_hold(typed, date):
    row = ok(member_number="1", member_since=typed, membership_ended_on=typed)
    assert row.member_since == row.membership_ended_on == date


def test_serial_numbers_outside_the_plausible_range_are_not_dates():
    assert reason(member_number="1", member_since="2015") == 'Medlem sedan: "2015" is not a date.'
    assert reason(member_number="1", member_since="99999") == (
        'Medlem sedan: "99999" is not a date.'
    )
    assert reason(member_number="1", member_since="1850-01-01") == (
        "Medlem sedan: 1850-01-01 is not a plausible date."
    )


def test_serial_numbers_are_only_dates_in_date_fields():
    row = ok(member_number="45230", postcode="45230", first_name="A")
    assert (row.member_number, row.postcode) == ("45230", "45230")


def test_excel_floats_in_member_numbers_and_postcodes():
    row = ok(member_number="12345.0", postcode="21145.0")
    assert (row.member_number, row.postcode) == ("12345", "21145")


# --- Words -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("Medlem", "member"),
        ("member", "member"),
        ("ja", "member"),
        ("Yes", "member"),
        ("Ej medlem", "non_member"),
        ("Icke-medlem", "non_member"),
        ("non-member", "non_member"),
        ("nej", "non_member"),
        ("Före detta", "former"),
        ("Tidigare", "former"),
        ("former", "former"),
        ("Utträdd", "former"),
        ("non_member", "non_member"),
    ],
)
def test_membership_status_words(typed, status):
    assert ok(member_number="1", membership_status=typed).membership_status == status


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("svenska", "sv"),
        ("SV", "sv"),
        ("Swedish", "sv"),
        ("sv_SE", "sv"),
        ("engelska", "en"),
        ("en", "en"),
        ("English", "en"),
        ("en-GB", "en"),
    ],
)
def test_language_words(typed, language):
    assert ok(first_name="A", language=typed).language == language


def test_unknown_words_are_refused_not_guessed():
    assert reason(first_name="A", language="finska") == (
        'Språk: "finska" is not a language Aktivist knows (Swedish, English).'
    )
    assert reason(first_name="A", membership_status="kanske").startswith('Status: "kanske"')


# --- Refused rows ------------------------------------------------------------------------------


def test_a_formula_cell_is_refused():
    assert reason(first_name="A", last_name='=HYPERLINK("http://x","klicka")') == (
        'Efternamn: "=HYPERLINK("http://x","klicka")" looks like a spreadsheet formula.'
    )
    assert "formula" in reason(first_name="A", city="@SUM(A1:A9)")
    assert "formula" in reason(first_name="A", street_address="-2+3+cmd|' /C calc'!A0")
    assert "formula" in reason(first_name="A", tags="ok, =1+2")


def test_text_that_merely_starts_with_a_sign_is_data():
    row = ok(first_name="-Anna!", street_address="-", city="+ Lund", tags="@home, -")
    assert (row.first_name, row.city, row.tags) == ("-Anna!", "+ Lund", ["@home", "-"])
    assert "formula" in reason(first_name="A", city="+Blad1!A1")


def test_a_row_with_neither_name_nor_key_is_refused():
    assert reason(city="Lund", other_phone="08-123 456 78") == (
        "The row has no name, email, mobile or member number."
    )
    assert ok(last_name="Svensson").has_name
    assert ok(member_number="17").member_number == "17"


def test_more_cells_than_headers_refuse_the_row_but_empty_extra_cells_do_not():
    row = [""] * len(HEADERS)
    row[0] = "Anna"
    assert clean_row([*row, "", " "], line=5, mapping=MAPPING) == CleanRow(5, "Anna")
    refused = clean_row([*row, "x"], line=5, mapping=MAPPING)
    assert refused == RowError(5, "The row has 20 cells but the header has 19.")


def test_a_short_row_ends_in_empty_cells():
    assert clean_row(["Anna"], line=3, mapping=MAPPING) == CleanRow(3, "Anna")


def test_values_longer_than_the_field_are_refused():
    assert reason(first_name="A" * 101) == (
        "Förnamn: the value is 101 characters long; at most 100 fit."
    )
    assert reason(full_name="Anna " + "B" * 120).startswith("Namn: the value is 120")
    assert "at most 80 fit" in reason(first_name="A", tags="ok, " + "x" * 81)


def test_every_problem_of_a_row_is_named():
    text = reason(first_name="A", email="anna@", mobile="070-12", birth_year="1820")
    assert text == (
        'E-post: "anna@" is not a valid email address. Mobil: "070-12" is not a valid phone '
        "number. Födelseår: 1820 is not a plausible birth year."
    )


def test_a_reason_fits_the_issue_row():
    text = reason(**{f: "=" + "x" * 300 for f in FIELDS})
    assert len(text) <= 500


# --- Mappings ----------------------------------------------------------------------------------


def test_tags_may_come_from_several_columns():
    mapping = RowMapping.build(
        ["Namn", "Tagg 1", "Tagg 2"], {"Namn": "full_name", "Tagg 1": "tags", "Tagg 2": "tags"}
    )
    row = clean_row(["Anna Berg", "a", "b, a"], line=2, mapping=mapping)
    assert isinstance(row, CleanRow) and row.tags == ["a", "b"]


def test_the_kept_copy_birth_year_column_is_used():
    mapping = RowMapping.build(["_birth_year", "Namn"], {"Namn": "full_name"}, today=TODAY)
    row = clean_row(["1981", "Anna Berg"], line=2, mapping=mapping)
    assert isinstance(row, CleanRow) and row.birth_year == 1981


def test_mapped_headers_the_file_lacks_are_ignored():
    mapping = RowMapping.build(["E-post"], {"E-post": "email", "Mobil": "mobile"})
    assert clean_row(["a@b.se"], line=2, mapping=mapping) == CleanRow(2, email="a@b.se")


# --- Never raises ------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.text(),
            st.sampled_from(["=1", "+46 70", "45230", "1985", "ja", "sv", "a@b.se", "0701234567"]),
            st.from_regex(r"\d{2,12}(\.0)?", fullmatch=True),
        ),
        max_size=len(HEADERS) + 3,
    ),
    line=st.integers(min_value=2, max_value=10**7),
)
def test_clean_row_never_raises_for_any_text(cells, line):
    result = clean_row(cells, line=line, mapping=MAPPING)
    assert isinstance(result, CleanRow | RowError)
    assert result.line == line
    if isinstance(result, RowError):
        assert isinstance(result.reason, str) and 0 < len(result.reason) <= 500
