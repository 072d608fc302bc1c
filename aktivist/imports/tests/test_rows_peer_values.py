"""Phones decided by the number, tools' value prefixes, list cells and full names (issue 16,
item 2), on rows laid out as peer tools export them (docs/peer-exports.md). Each test builds
its header and rows itself and names the tool whose layout it follows."""

from __future__ import annotations

import datetime as dt

import pytest

from aktivist.core.table_columns import guess_mapping, strip_value_prefix
from aktivist.imports.row_mapping import RowMapping
from aktivist.imports.rows import CleanRow, RowError, clean_row

TODAY = dt.date(2025, 6, 1)


def read(headers: list[str], *rows: list[str]) -> list[CleanRow | RowError]:
    """The rows as the importer reads them with the mapping it guesses from the file."""
    mapping = RowMapping.build(headers, guess_mapping(headers, list(rows)), today=TODAY)
    return [clean_row(row, line=i, mapping=mapping) for i, row in enumerate(rows, start=2)]


def ok(headers: list[str], *rows: list[str]) -> list[CleanRow]:
    cleaned = read(headers, *rows)
    assert all(isinstance(row, CleanRow) for row in cleaned), cleaned
    return cleaned  # type: ignore[return-value]


# --- (a) mobile or landline: the number decides --------------------------------------------

# Action Network report download: a custom "Phone Number" field beside can2_phone (the mobile).
ACTION_NETWORK = [
    "uuid",
    "first_name",
    "last_name",
    "email",
    "Phone Number",
    "can2_phone",
    "zip_code",
    "can2_user_tags",
    "can2_subscription_status",
]


def test_action_network_can2_phone_is_the_mobile_and_phone_number_the_other_phone():
    anna, bo = ok(
        ACTION_NETWORK,
        ["a1", "Anna", "Svensson", "anna@example.org", "0701234567", "0737654321", "12345", "", ""],
        ["b2", "Bo", "Ek", "bo@example.org", "08-123 456 78", "61407698210", "", "", ""],
    )
    assert (anna.mobile, anna.other_phone) == ("+46737654321", "+46701234567")
    assert (bo.mobile, bo.other_phone) == ("+61407698210", "+46812345678")


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("61407698210", "+61407698210"),  # Action Network: digits with the country code
        ("+61 407 698 210", "+61407698210"),
        ("0061407698210", "+61407698210"),
        ("4741234567", "+4741234567"),
    ],
)
def test_a_foreign_mobile_with_or_without_plus_or_00_is_taken(typed, e164):
    # Action Network report download, can2_phone only.
    headers = ["first_name", "email", "can2_phone"]
    (row,) = ok(headers, ["Anna", "anna@example.org", typed])
    assert row.mobile == e164


def test_nationbuilder_mobile_number_is_kept_beside_a_phone_number():
    # NationBuilder people export: phone_number (home), mobile_number, values with a leading
    # "'" for Excel's benefit.
    headers = ["nationbuilder_id", "first_name", "last_name", "email", "phone_number"]
    headers += ["work_phone_number", "mobile_number", "tag_list", "primary_zip"]
    anna, bo, cia = ok(
        headers,
        ["1", "Anna", "Svensson", "anna@example.org", "'08-123 456 78", "", "'0701234567", "", ""],
        ["2", "Bo", "Ek", "", "'0731234567", "", "", "", "'123 45"],
        ["3", "Cia", "Berg", "", "", "'046-12 34 56", "'0761234567", "", ""],
    )
    assert (anna.mobile, anna.other_phone) == ("+46701234567", "+46812345678")
    assert (bo.mobile, bo.other_phone, bo.postcode) == ("+46731234567", "", "12345")
    assert (cia.mobile, cia.other_phone) == ("+46761234567", "+4646123456")


def test_zetkin_two_phone_columns_with_mobiles_both_land():
    # Zetkin CSV export: upper-cased Swedish labels, either column may hold either kind.
    headers = ["ID", "FÖRNAMN", "EFTERNAMN", "E-POST", "TELEFONNUMMER"]
    headers += ["ALTERNATIVT TELEFONNUMMER", "POSTNUMMER"]
    anna, bo, cia = ok(
        headers,
        ["1", "Anna", "Svensson", "", "+46701234567", "+46731234567", "123 45"],
        ["2", "Bo", "Ek", "", "+46812345678", "+46701112233", ""],
        ["3", "Cia", "Berg", "", "+46812345678", "", ""],
    )
    assert (anna.mobile, anna.other_phone) == ("+46701234567", "+46731234567")
    assert (bo.mobile, bo.other_phone) == ("+46701112233", "+46812345678")
    assert (cia.mobile, cia.other_phone) == (None, "+46812345678")


def test_a_number_that_fits_nowhere_refuses_the_row_and_is_named():
    # IdrottOnline person list: Telefon mobil, Telefon bostad, Telefon arbete.
    headers = ["Förnamn", "Efternamn", "Telefon mobil", "Telefon bostad", "Telefon arbete"]
    sample = ["Anna", "Svensson", "0701234567", "08-123 456 78", "0731234567"]
    (row,) = read(headers, sample)
    assert isinstance(row, RowError)
    assert row.reason == (
        'Telefon arbete: "0731234567" is one phone number too many: the row has a mobile '
        "and another phone number already."
    )
    (row,) = read(headers, ["Anna", "Svensson", "", "08-123 456 78", "046-12 34 56"])
    assert isinstance(row, RowError)
    assert row.reason == (
        'Telefon arbete: "046-12 34 56" is not a mobile number, and the row has another '
        "phone number already."
    )


def test_the_same_number_in_two_columns_is_one_number():
    # Zetkin CSV export with the number copied into both columns.
    headers = ["FÖRNAMN", "TELEFONNUMMER", "ALTERNATIVT TELEFONNUMMER"]
    (row,) = ok(headers, ["Anna", "070-123 45 67", "+46701234567"])
    assert (row.mobile, row.other_phone) == ("+46701234567", "")


# --- (b) value prefixes ------------------------------------------------------------------

# Meta lead ads "Download leads" (TSV): ids with l:/ag:/as:/c:/f:, phones with p:, and
# reportedly postcodes with z:.
META = ["id", "created_time", "ad_id", "adset_id", "campaign_id", "form_id", "is_organic"]
META += ["platform", "full_name", "email", "phone_number", "zip_code", "lead_status"]


def test_meta_prefixes_are_stripped_from_phones_and_postcodes():
    row = [
        "l:1062269359945847",
        "2025-05-23T17:04:53+0200",
        "ag:52524681724174",
        "as:52524681723774",
        "c:52524681723974",
        "f:1010420755350301",
        "0",
        "fb",
        "Anna Svensson",
        "anna@example.org",
        "p:+46701234567",
        "z:12345",
        "CREATED",
    ]
    (anna,) = ok(META, row)
    assert (anna.first_name, anna.last_name) == ("Anna", "Svensson")
    assert (anna.mobile, anna.postcode) == ("+46701234567", "12345")


def test_a_meta_lead_id_mapped_as_member_number_loses_its_prefix():
    # Meta lead ads download, "id" chosen as the member number by the importer.
    mapping = RowMapping.build(["id", "email"], {"id": "member_number", "email": "email"})
    row = clean_row(["l:1062269359945847", "anna@example.org"], line=2, mapping=mapping)
    assert isinstance(row, CleanRow) and row.member_number == "1062269359945847"


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [
        ("mobile", "p:+46701234567", "+46701234567"),
        ("other_phone", "'08-123 456 78", "08-123 456 78"),
        ("postcode", "z: 123 45", "123 45"),
        ("member_number", "ag:52524681724174", "52524681724174"),
        ("member_number", "f:1010420755350301", "1010420755350301"),
        ("postcode", "p:12345", "p:12345"),  # not a postcode prefix
        ("mobile", "xp:+46701234567", "xp:+46701234567"),  # only at the start
        ("member_number", "c:abc", "c:abc"),  # only before a number
        ("first_name", "c:12", "c:12"),  # names keep everything
    ],
)
def test_only_documented_prefixes_are_stripped_and_only_at_the_start(field, value, kept):
    assert strip_value_prefix(field, value) == kept


# --- (c) list cells ------------------------------------------------------------------------


def test_mailchimp_tags_lose_their_quotes():
    # Mailchimp audience export (subscribed file): TAGS holds quoted names, comma-separated.
    headers = ["Email Address", "First Name", "Last Name", "MEMBER_RATING", "OPTIN_TIME"]
    headers += ["CONFIRM_TIME", "LAST_CHANGED", "LEID", "EUID", "NOTES", "TAGS"]
    row = ["anna@example.org", "Anna", "Svensson", "2", "2024-03-16 14:40:47", "", ""]
    row += ["", "", "", '"Aktivist","Nyhetsbrev","Stockholm, city"']
    (anna,) = ok(headers, row)
    assert anna.tags == ["Aktivist", "Nyhetsbrev", "Stockholm, city"]


def test_action_network_and_nationbuilder_tag_lists_split_on_commas():
    # Action Network report: can2_user_tags "a, b"; NationBuilder people export: tag_list.
    (an,) = ok(["email", "can2_user_tags"], ["a@example.org", "#Volunteer, ?Direct Action"])
    assert an.tags == ["#Volunteer", "?Direct Action"]
    (nb,) = ok(["email", "tag_list"], ["b@example.org", "aktivist,nyhetsbrev , lund"])
    assert nb.tags == ["aktivist", "nyhetsbrev", "lund"]


# --- (d) full names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "row"),
    [
        (["Name", "Email"], ["Anna Maria Svensson", "anna@example.org"]),  # Eventbrite-style
        (["Namn", "E-post"], ["Anna Maria Svensson", "anna@example.org"]),  # Swedish form
        (["Full name", "Email Address"], ["Anna Maria Svensson", "anna@example.org"]),
    ],
)
def test_a_full_name_column_is_split_when_no_name_columns_exist(headers, row):
    (anna,) = ok(headers, row)
    assert (anna.first_name, anna.last_name) == ("Anna Maria", "Svensson")
