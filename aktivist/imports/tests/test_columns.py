from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aktivist.imports.columns import (
    IMPORT_FIELDS,
    PERSONNUMMER,
    birth_year_from_personnummer,
    guess_mapping,
    is_personnummer,
    luhn_check_digit,
    mapping_problems,
    personnummer_columns,
    values_look_like_personnummer,
)
from aktivist.imports.tests.files_samples import personnummer

HEADERS = {
    "first_name": ["Förnamn", "First name", "Firstname", "Given name", "first_name", "FÖRNAMN"],
    "last_name": ["Efternamn", "Last name", "Surname", "last_name"],
    "full_name": ["Namn", "Name", "Fullständigt namn", "Full name", "full_name"],
    "email": ["E-post", "Epost", "E-postadress", "Email", "E-mail", "Mail", " e-post "],
    "mobile": ["Mobil", "Mobilnummer", "Mobiltelefon", "Mobile", "Cell", "can2_phone"],
    "other_phone": ["Telefon", "Tel", "Tel.", "Hemtelefon", "Phone", "Landline", "Phone number"],
    "street_address": ["Adress", "Gatuadress", "Address", "Street", "Utdelningsadress"],
    # Second lines and c/o: NationBuilder, CiviCRM, Zetkin (docs/peer-exports.md 2, 4, 5).
    "address_line_2": [
        "Adress 2",
        "Address line 2",
        "primary_address2",
        "C/O-ADRESS",
        "C/O Address",
        "Supplemental Address 1",
    ],  # fmt: skip
    "postcode": ["Postnr", "Postnummer", "Post code", "Postcode", "Zip", "zip_code"],
    "city": ["Ort", "Postort", "City", "Town"],
    "municipality": ["Kommun", "Municipality"],
    "birth_year": ["Födelseår", "Birth year", "Year of birth", "Fodelsear", "_birth_year"],
    "birth_date": ["Födelsedatum", "Date of birth", "Birthday", "date_of_birth"],
    "language": ["Språk", "Language"],
    "member_number": [
        "Medlemsnummer",
        "Medlemsnr",
        "Member number",
        "Membership number",
        "Member no",
        "Member no.",
    ],
    "membership_status": ["Medlemsstatus", "Status"],
    "member_since": ["Medlem sedan", "Member since", "Inträdesdatum"],
    "membership_ended_on": ["Utträdesdatum", "Member until", "Membership ended"],
    "tags": ["Taggar", "Tags", "tag_list", "can2_user_tags"],
    "note": ["Kommentar", "Anteckningar", "Notes", "Comments", "Övrig medlemsinfo"],
    # CiviCRM's contact export (docs/peer-exports.md 4); Swedish labels of the same.
    "contact_type": ["Contact Type", "Kontakttyp"],
    "organisation_name": ["Organization Name", "Organisationsnamn"],
    # Opt-outs (docs/peer-exports.md 1-4; Swedish headers; imports/optouts.py).
    "email_opt_out": [
        "can2_subscription_status",
        "Do Not Email",
        "No Bulk Emails (User Opt Out)",
        "is_opt_out",
        "UNSUB_TIME",
        "unsubscribed_at",
        "Unsubscribed",
        "Avregistrerad",
        "Vill inte ha e-post",
        "Nej till utskick",
    ],  # fmt: skip
    "sms_opt_out": ["can2_sms_status", "Do Not Sms", "SMS opt-out", "Ej SMS", "Nej till SMS"],
    "contact_opt_out": ["do_not_contact", "Får ej kontaktas"],
    "email_opt_in": ["email_opt_in"],
    "sms_opt_in": ["mobile_opt_in", "SMS opt-in"],
    "email_bounced": ["CLEAN_TIME", "On Hold", "email1_is_bad", "Bounced"],
    "mobile_bad": ["is_mobile_bad"],
    PERSONNUMMER: ["Personnummer", "Personnr", "Pnr", "Person number", "SSN", "Personnummer 1"],
}


@pytest.mark.parametrize(
    ("header", "field"), [(h, f) for f, headers in HEADERS.items() for h in headers]
)
def test_swedish_and_english_headers_are_recognised(header, field):
    assert guess_mapping([header], []) == {header: field}


def test_every_import_field_has_a_label_and_a_header_it_is_guessed_from():
    # A tag column is known by its values, not its header (the next test).
    assert set(HEADERS) == set(IMPORT_FIELDS) - {"tag_flag"}


def test_an_upper_case_column_of_true_and_false_is_a_tag_column():
    # Zetkin's CSV download: one column per tag, headed by the tag's name, upper-cased
    # (docs/peer-exports.md 5). Lower-case true/false columns (NationBuilder's is_volunteer)
    # and other values are not tags.
    headers = ["FÖRNAMN", "AKTIVIST", "SKOSTORLEK", "is_volunteer", "ALLTID FALSKT"]
    rows = [["Åsa", "true", "38", "true", "false"], ["Bo", "false", "false", "false", "false"]]
    assert guess_mapping(headers, rows) == {
        "FÖRNAMN": "first_name",
        "AKTIVIST": "tag_flag",
        "SKOSTORLEK": "",
        "is_volunteer": "",
        "ALLTID FALSKT": "",
    }


def test_a_birthday_without_the_year_is_not_a_date_of_birth():
    # Mailchimp's Birthday merge field: month/day (docs/peer-exports.md 3).
    assert guess_mapping(["Birthday"], [["03/14"], ["12/01"]]) == {"Birthday": ""}
    assert guess_mapping(["Birthday"], [["1985-03-14"]]) == {"Birthday": "birth_date"}


def test_unknown_headers_are_ignored():
    assert guess_mapping(["Skostorlek", "Column 3", ""], []) == {
        "Skostorlek": "",
        "Column 3": "",
        "": "",
    }


def test_a_typical_register_export():
    headers = ["Medlemsnr", "Förnamn", "Efternamn", "Gatuadress", "Postnr", "Ort", "E-post"]
    mapping = guess_mapping(headers, [])
    assert list(mapping.values()) == [
        "member_number",
        "first_name",
        "last_name",
        "street_address",
        "postcode",
        "city",
        "email",
    ]


def test_each_field_is_given_once_and_the_leftmost_column_wins():
    mapping = guess_mapping(["E-post", "Email", "Förnamn", "First name"], [])
    assert mapping == {"E-post": "email", "Email": "", "Förnamn": "first_name", "First name": ""}


def test_every_phone_column_is_a_source_of_numbers():
    # Action Network report: a custom "Phone Number" column beside can2_phone.
    headers = ["first_name", "email", "Phone Number", "can2_phone"]
    assert guess_mapping(headers, [])["Phone Number"] == "other_phone"
    assert guess_mapping(headers, [])["can2_phone"] == "mobile"
    # NationBuilder people export: phone_number, work_phone_number, mobile_number.
    headers = ["first_name", "phone_number", "work_phone_number", "mobile_number"]
    sample = [["Anna", "'08-123 456 78", "'046-12 34 56", "'0701234567"]]
    assert list(guess_mapping(headers, sample).values()) == [
        "first_name",
        "other_phone",
        "other_phone",
        "mobile",
    ]
    # Zetkin CSV export (upper-cased Swedish labels), both columns holding mobiles.
    headers = ["ID", "FÖRNAMN", "TELEFONNUMMER", "ALTERNATIVT TELEFONNUMMER"]
    sample = [["1", "Anna", "+46701234567", "+46731234567"]]
    assert list(guess_mapping(headers, sample).values()) == [
        "",
        "first_name",
        "mobile",
        "other_phone",
    ]
    assert mapping_problems(headers, guess_mapping(headers, sample)) == []


def test_meta_prefixed_values_count_as_phones_and_postcodes():
    # Meta lead ads download: "p:" before phones, "z:" before postcodes.
    sample = [["p:+46701234567", "z:12345"], ["p:+46731234567", "z:123 45"]]
    assert guess_mapping(["Mobilnummer 1", "Zip (home)"], sample) == {
        "Mobilnummer 1": "mobile",
        "Zip (home)": "postcode",
    }


def test_an_exact_header_beats_a_keyword_further_left():
    sample = [["anna@example.se", "anna@example.org"]]
    mapping = guess_mapping(["E-post (privat)", "E-post"], sample)
    assert mapping == {"E-post (privat)": "", "E-post": "email"}


def test_a_keyword_in_a_header_counts_when_the_values_agree():
    sample = [["anna@example.se", "ja", "070-123 45 67"], ["bo@example.se", "nej", ""]]
    mapping = guess_mapping(["E-post (privat)", "Mailutskick ok?", "Mobilnummer 1"], sample)
    assert mapping == {
        "E-post (privat)": "email",
        "Mailutskick ok?": "",
        "Mobilnummer 1": "mobile",
    }


def test_telefon_holds_mobiles_when_the_file_has_no_mobile_column():
    sample = [["Anna", "070-123 45 67"], ["Bo", "+46 73 123 45 67"], ["Cia", ""]]
    assert guess_mapping(["Namn", "Telefon"], sample) == {"Namn": "full_name", "Telefon": "mobile"}


def test_telefon_stays_other_phone_with_landlines_or_beside_a_mobile_column():
    landlines = [["08-123 456 78"], ["046-12 34 56"]]
    assert guess_mapping(["Telefon"], landlines) == {"Telefon": "other_phone"}
    mobiles = [["070-123 45 67", "070-765 43 21"]]
    assert guess_mapping(["Mobil", "Telefon"], mobiles) == {
        "Mobil": "mobile",
        "Telefon": "other_phone",
    }


def test_a_column_of_personnummer_is_found_by_its_values_whatever_its_header():
    sample = [
        ["Anna", personnummer(dt.date(1981, 12, 18))],
        ["Bo", personnummer(dt.date(2004, 2, 29), long=True)],
        ["Cia", ""],
        ["Dan", personnummer(dt.date(1950, 6, 1), separator="+")],
        ["Eva", personnummer(dt.date(1999, 1, 1), 456)],
        ["Fia", "okänt"],
    ]
    assert guess_mapping(["Namn", "ID"], sample) == {"Namn": "full_name", "ID": PERSONNUMMER}
    # Privacy first: even a column whose header says otherwise.
    assert guess_mapping(["Namn", "Medlemsnummer"], sample)["Medlemsnummer"] == PERSONNUMMER


def test_numbers_that_are_not_personnummer_are_left_alone():
    sample = [["0701234567"], ["12345"], ["811218-9875"], ["19811318-1234"]]
    assert guess_mapping(["ID"], sample) == {"ID": ""}


def test_several_personnummer_columns_are_all_dropped():
    mapping = guess_mapping(["Personnummer", "Namn", "Pnr"], [])
    assert mapping == {"Personnummer": PERSONNUMMER, "Namn": "full_name", "Pnr": PERSONNUMMER}
    assert personnummer_columns(list(mapping), mapping) == [0, 2]


def test_mapping_problems_name_unknown_and_repeated_fields():
    headers = ["A", "B", "C", "D", "E"]
    mapping = {"A": "email", "B": "email", "C": "shoe_size", "D": PERSONNUMMER, "E": PERSONNUMMER}
    problems = mapping_problems(headers, mapping)
    assert len(problems) == 2
    assert "Email is chosen for both A and B." in problems
    assert any("shoe_size" in p and p.startswith("C:") for p in problems)
    assert mapping_problems(headers, {"A": "email", "Gone": "mobile"}) == []
    assert mapping_problems(headers, {"A": "tags", "B": "tags"}) == []


# --- Personnummer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["811218-9876", "811218+9876", "19811218-9876", "198112189876", "8112189876", " 811218-9876 "],
)
def test_personnummer_in_every_usual_form(value):
    assert is_personnummer(value)


@pytest.mark.parametrize(
    "value",
    [
        "811218-9875",  # check digit
        "811318-9876",  # month 13
        "19811218+9876",  # "+" only in the ten-digit form
        "811218--9876",
        "81121-89876",
        "8112189876x",
        "",
        "٨١١٢١٨-٩٨٧٦",  # non-ASCII digits
    ],
)
def test_not_personnummer(value):
    assert not is_personnummer(value)


def test_samordningsnummer_has_the_day_plus_sixty():
    assert is_personnummer("701063-2391")
    assert birth_year_from_personnummer("701063-2391", dt.date(2026, 5, 1)) == 1970


def test_the_century_of_a_ten_digit_number_follows_today():
    today = dt.date(2026, 5, 1)
    pnr_2010 = personnummer(dt.date(2010, 1, 15))
    pnr_1926 = personnummer(dt.date(1926, 1, 15), separator="+")
    assert birth_year_from_personnummer(pnr_2010, today) == 2010
    assert birth_year_from_personnummer(pnr_1926, today) == 1926
    # Someone born 12 December, age 99 on 1 May 2026 (no "+" yet): 1926, not 2026.
    assert birth_year_from_personnummer(personnummer(dt.date(1926, 12, 12)), today) == 1926
    assert birth_year_from_personnummer(personnummer(dt.date(2026, 4, 30)), today) == 2026
    assert birth_year_from_personnummer(personnummer(dt.date(1981, 12, 18), long=True)) == 1981
    assert birth_year_from_personnummer("811218-9875", today) is None


@settings(max_examples=300, deadline=None)
@given(
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 1, 1)),
    serial=st.integers(min_value=0, max_value=999),
    coordination=st.booleans(),
    form=st.sampled_from(["10-dash", "10-plain", "12-dash", "12-plain"]),
    wrong=st.integers(min_value=1, max_value=9),
)
def test_luhn_round_trip(born, serial, coordination, form, wrong):
    day = born.day + 60 if coordination else born.day
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    check = luhn_check_digit(nine)
    century = f"{born:%Y}"[:2]
    value = {
        "10-dash": f"{nine[:6]}-{nine[6:]}{check}",
        "10-plain": f"{nine}{check}",
        "12-dash": f"{century}{nine[:6]}-{nine[6:]}{check}",
        "12-plain": f"{century}{nine}{check}",
    }[form]
    assert is_personnummer(value)
    today = dt.date(2026, 1, 1)
    expected = born.year if form.startswith("12") or today.year - born.year < 100 else None
    if expected is not None:
        assert birth_year_from_personnummer(value, today) == expected
    broken = value[:-1] + str((int(check) + wrong) % 10)
    assert not is_personnummer(broken)
    assert birth_year_from_personnummer(broken, today) is None


def test_values_look_like_personnummer_needs_eighty_percent():
    good = [personnummer(dt.date(1980 + i, 1, 1)) for i in range(4)]
    assert values_look_like_personnummer([*good, "x", "", " "])
    assert not values_look_like_personnummer([*good[:3], "x", "y"])
    assert not values_look_like_personnummer(["", " "])


# --- Stability -------------------------------------------------------------------------------

ALL_HEADERS = [h for headers in HEADERS.values() for h in headers]


@settings(max_examples=200, deadline=None)
@given(
    headers=st.lists(
        st.sampled_from(ALL_HEADERS + ["Anteckning", "Övrigt"]), max_size=12, unique=True
    ),
    data=st.data(),
)
def test_guess_mapping_is_stable_under_case_and_whitespace_changes(headers, data):
    def disguise(header: str) -> str:
        cased = data.draw(st.sampled_from([header, header.upper(), header.lower(), header.title()]))
        left = data.draw(st.sampled_from(["", " ", "  ", "\t"]))
        right = data.draw(st.sampled_from(["", " ", "\u00a0"]))
        return left + cased.replace(" ", data.draw(st.sampled_from([" ", "  ", "_", ""]))) + right

    sample = [["070-123 45 67"] * len(headers)]
    changed = [disguise(h) for h in headers]
    assume(len(set(changed)) == len(changed))  # the mapping is keyed by header
    original = guess_mapping(headers, sample)
    assert list(guess_mapping(changed, sample).values()) == [original[h] for h in headers]
