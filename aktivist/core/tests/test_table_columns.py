"""Guessing which column of an uploaded table holds what (core/table_columns.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aktivist.core.table_columns import PERSONNUMMER, guess_mapping
from aktivist.imports.columns import mapping_problems
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
