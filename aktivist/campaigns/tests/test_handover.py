"""Hand-over of petitions and letter bundles: the count of everyone, the names only of
those who agreed to be named and whom the viewer may see; every download audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from aktivist.campaigns import handover
from aktivist.campaigns.models import Action, Campaign
from aktivist.campaigns.tests.factories import (
    ActionFactory,
    CampaignFactory,
    ParticipationFactory,
)
from aktivist.core.models import AuditEvent
from aktivist.people.tests.factories import PersonFactory

TITLE = "Värna rätten att söka asyl – stoppa utvisningarna"

# --- Reading our PDFs back (pypdf: shaped text comes as positioned glyphs) ------------------


def pdf_text(data: bytes) -> str:
    """The text of a PDF, page by page, a line per printed line."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


# --- The world of this file ----------------------------------------------------------------


@pytest.fixture
def petition(world):
    """A national petition: four named signers (one outside every district), one who did
    not agree to be named, and one erased signer — six signatures."""
    action = ActionFactory(
        campaign=CampaignFactory(unit=world.national, scope=Campaign.Scope.NATIONAL),
        title_sv=TITLE,
        title_en="Protect the right to seek asylum",
        slug="ratten-att-soka-asyl",
        target_name="Riksdagens socialförsäkringsutskott",
    )
    world.member_a1.postcode = "21145"
    world.member_a1.save()
    world.member_b1.postcode = "90330"
    world.member_b1.save()
    asa = PersonFactory(first_name="Åsa", last_name="Öberg", postcode="11122")
    for person in (world.home_a, world.member_a1, world.member_b1, asa):
        ParticipationFactory(action=action, person=person, named=True)
    ParticipationFactory(action=action, person=world.home_b, named=False)
    ParticipationFactory(action=action, person=None, named=False)  # erased
    return action


def get(client_for, user, name, action, **params):
    url = reverse(f"handover:{name}", args=[action.pk])
    return client_for(user).get(url, params)


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def named_rows(rows: list[list[str]]) -> list[list[str]]:
    header = rows.index(["First name", "Last name", "Postcode"])
    return rows[header + 1 :]


def test_national_staff_get_the_count_and_every_named_signer_as_csv(client_for, personas, petition):
    response = get(client_for, personas.staff, "petition_csv", petition)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = csv_rows(response)
    assert rows[0] == ["Action", "Protect the right to seek asylum"]
    facts = {row[0]: row[1] for row in rows if len(row) == 2}
    assert facts["Target"] == "Riksdagens socialförsäkringsutskott"
    assert facts["Signatures"] == "6"  # the erased signer still counts
    assert facts["Named signers in this list"] == "4"
    assert named_rows(rows) == [
        ["Hanna", "Holm", "22100"],
        ["Märta", "Malm", "21145"],
        ["Björn", "Berg", "90330"],
        ["Åsa", "Öberg", "11122"],
    ]


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        ("admin", {"Hanna", "Märta", "Björn", "Åsa"}),
        ("district_a", {"Hanna", "Märta"}),
        ("coordinator_a1", {"Märta"}),
        ("coordinator_b1", {"Björn"}),
    ],
)
def test_scoped_viewers_get_the_count_of_all_and_only_the_named_signers_they_may_see(
    client_for, personas, petition, persona, names
):
    rows = csv_rows(get(client_for, getattr(personas, persona), "petition_csv", petition))
    facts = {row[0]: row[1] for row in rows if len(row) == 2}
    assert facts["Signatures"] == "6"
    assert {row[0] for row in named_rows(rows)} == names
    assert "Ylva" not in str(rows)  # did not agree to be named


@pytest.mark.parametrize("name", ["index", "petition_csv", "petition_pdf", "letters_pdf"])
def test_board_viewers_get_404_and_anonymous_visitors_the_login(
    client_for, personas, petition, name
):
    assert get(client_for, personas.board, name, petition).status_code == 404
    anonymous = get(client_for, None, name, petition)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    assert not AuditEvent.objects.filter(verb=handover.VERB).exists()


@pytest.mark.parametrize("name", ["index", "petition_csv", "petition_pdf"])
def test_an_action_outside_the_scope_is_404(client_for, personas, world, name):
    local_b1 = ActionFactory(
        campaign=CampaignFactory(unit=world.group_b1, scope=Campaign.Scope.LOCAL)
    )
    ParticipationFactory(action=local_b1, person=world.member_b1, named=True)
    assert get(client_for, personas.district_a, name, local_b1).status_code == 404
    assert get(client_for, personas.coordinator_a1, name, local_b1).status_code == 404
    assert get(client_for, personas.coordinator_b1, name, local_b1).status_code == 200


def test_every_download_is_audited_with_counts_and_no_personal_data(client_for, personas, petition):
    get(client_for, personas.district_a, "petition_csv", petition)
    get(client_for, personas.staff, "petition_pdf", petition)
    events = list(AuditEvent.objects.filter(verb=handover.VERB).order_by("id"))
    assert [(e.actor, e.object_id) for e in events] == [
        (personas.district_a, str(petition.pk)),
        (personas.staff, str(petition.pk)),
    ]
    assert events[0].details == {
        "format": "csv",
        "signatures": 6,
        "named": 2,
        "complete": False,
    }
    assert events[1].details == {
        "format": "pdf",
        "signatures": 6,
        "named": 4,
        "rows": 4,
        "part": 1,
        "complete": True,
    }
    text = str([e.details for e in events])
    assert not any(name in text for name in ("Hanna", "Märta", "Åsa", "22100"))


def test_every_person_named_in_a_hand_over_file_is_audited_as_exported(
    client_for, personas, petition
):
    from aktivist.core.reads import EXPORT

    csv_people = {
        int(pk)
        for pk in handover.named_signers(personas.district_a, petition).values_list(
            "person_id", flat=True
        )
    }
    get(client_for, personas.district_a, "petition_csv", petition)
    get(client_for, personas.staff, "petition_pdf", petition)
    by_actor = {
        user: set(
            AuditEvent.objects.filter(verb=EXPORT, actor=user).values_list("person_id", flat=True)
        )
        for user in (personas.district_a, personas.staff)
    }
    assert by_actor[personas.district_a] == csv_people and len(csv_people) == 2
    assert len(by_actor[personas.staff]) == 4


def test_the_pdf_has_a_title_page_and_the_named_signers_in_swedish(client_for, personas, petition):
    client = client_for(personas.staff)
    client.cookies["django_language"] = "sv"
    response = client.get(reverse("handover:petition_pdf", args=[petition.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert page_count(response.content) == 2
    text = pdf_text(response.content)
    assert TITLE in text
    assert "Riksdagens socialförsäkringsutskott" in text
    for cell in ("Hanna Holm", "Märta Malm", "Björn Berg", "Åsa Öberg", "11122", "90330"):
        assert cell in text
    assert "Ylva" not in text


def test_the_pdf_names_only_whom_a_coordinator_may_see_and_says_so(client_for, personas, petition):
    response = get(client_for, personas.coordinator_b1, "petition_pdf", petition)
    text = pdf_text(response.content)
    assert "6 signatures" in text
    assert "Björn Berg" in text
    assert "Hanna" not in text and "Åsa" not in text
    assert "only those of the signers in your area" in text


def test_a_petition_without_named_signers_is_a_title_page_with_the_count(
    client_for, personas, world
):
    action = ActionFactory(title_en="Free the detained journalist")
    for _ in range(3):
        ParticipationFactory(action=action)
    response = get(client_for, personas.staff, "petition_pdf", action)
    assert page_count(response.content) == 1
    text = pdf_text(response.content)
    assert "3 signatures" in text
    assert "No signer in this list agreed to be named." in text


def test_large_hand_overs_come_in_parts(client_for, personas, petition, monkeypatch):
    monkeypatch.setattr(handover, "PETITION_PART", 3)
    first = pdf_text(get(client_for, personas.staff, "petition_pdf", petition, part=1).content)
    second = pdf_text(get(client_for, personas.staff, "petition_pdf", petition, part=2).content)
    assert "Part 1 of 2: names 1–3." in first
    assert "Hanna Holm" in first and "Åsa Öberg" not in first
    assert "Part 2 of 2: names 4–4." in second
    assert "Åsa Öberg" in second and "Hanna Holm" not in second
    assert "6 signatures" in second
    for bad in (3, 0, "x"):
        assert (
            get(client_for, personas.staff, "petition_pdf", petition, part=bad).status_code == 404
        )
    page = get(client_for, personas.staff, "index", petition)
    assert f"{reverse('handover:petition_pdf', args=[petition.pk])}?part=2" in page.content.decode()


def test_the_handover_page_shows_the_counts_and_the_downloads(client_for, personas, petition):
    response = get(client_for, personas.district_a, "index", petition)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("handover:petition_csv", args=[petition.pk]) in html
    assert reverse("handover:petition_pdf", args=[petition.pk]) in html
    assert "only those of the signers in your area" in html
    assert "letters.pdf" not in html


# --- Letters -------------------------------------------------------------------------------


@pytest.fixture
def letter(world):
    action = ActionFactory(
        campaign=CampaignFactory(unit=world.national, scope=Campaign.Scope.NATIONAL),
        kind=Action.Kind.LETTER,
        letter_delivery=Action.LetterDelivery.PDF,
        target_name="Kommunstyrelsens ordförande",
        target_address="Malmö stad\nAugust Palms plats 1\n205 80 Malmö",
        letter_subject="Ge ensamkommande unga en trygg bostad",
        letter_text_sv="Till kommunstyrelsen,\n\nGe ensamkommande unga en trygg bostad i Malmö.",
        letter_text_en="To the municipal board,\n\nGive unaccompanied young people a safe home.",
    )
    world.member_a1.postcode, world.member_a1.city = "21145", "Malmö"
    world.member_a1.save()
    world.home_b.language = "en"
    world.home_b.save()
    ParticipationFactory(
        action=action, person=world.member_a1, letter_text="Jag är själv fosterförälder i Malmö."
    )
    ParticipationFactory(action=action, person=world.home_b)
    ParticipationFactory(action=action, person=None)  # erased: no letter left
    return action


def test_letters_come_one_per_page_with_target_letter_and_signer(client_for, personas, letter):
    response = get(client_for, personas.staff, "letters_pdf", letter)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert page_count(response.content) == 2
    text = pdf_text(response.content)
    assert text.count("Kommunstyrelsens ordförande") == 2
    assert "August Palms plats 1" in text
    assert "Jag är själv fosterförälder i Malmö." in text
    assert "Märta Malm\n211 45 Malmö" in text
    assert "Give unaccompanied young people a safe home." in text  # Ylva's language
    assert "Ylva Ström\n903 25" in text
    event = AuditEvent.objects.get(verb=handover.VERB)
    assert event.details["format"] == "letters_pdf"
    assert (event.details["signatures"], event.details["letters"]) == (3, 2)


def test_a_scoped_bundle_holds_only_the_letters_of_people_the_viewer_may_see(
    client_for, personas, letter
):
    text = pdf_text(get(client_for, personas.coordinator_a1, "letters_pdf", letter).content)
    assert "Märta Malm" in text and "Ylva" not in text


def test_letter_bundles_come_in_parts(client_for, personas, letter, monkeypatch):
    monkeypatch.setattr(handover, "LETTERS_PART", 1)
    first = pdf_text(get(client_for, personas.staff, "letters_pdf", letter, part=1).content)
    second = pdf_text(get(client_for, personas.staff, "letters_pdf", letter, part=2).content)
    assert "Märta Malm" in first and "Ylva" not in first
    assert "Ylva Ström" in second and "Märta" not in second
    assert get(client_for, personas.staff, "letters_pdf", letter, part=3).status_code == 404


def test_only_letter_actions_have_a_letters_bundle(client_for, personas, petition):
    assert get(client_for, personas.staff, "letters_pdf", petition).status_code == 404


def test_names_that_start_like_a_formula_are_defused_in_the_csv(client_for, personas, world):
    action = ActionFactory()
    ParticipationFactory(
        action=action, person=PersonFactory(first_name="=HYPERLINK(1)", last_name="Ek"), named=True
    )
    rows = named_rows(csv_rows(get(client_for, personas.staff, "petition_csv", action)))
    assert rows == [["'=HYPERLINK(1)", "Ek", rows[0][2]]]


def test_long_names_emoji_and_right_to_left_names_do_not_break_the_pdf(
    client_for, personas, world, caplog
):
    action = ActionFactory()
    for first, last in (("Ö" * 100, "Å" * 100), ("Lina 🌍", "Ek"), ("مريم", "العلي")):
        ParticipationFactory(
            action=action, person=PersonFactory(first_name=first, last_name=last), named=True
        )
    response = get(client_for, personas.staff, "petition_pdf", action)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "مريم العلي" in text
    assert "Lina" in text  # the font has no globe: the glyph is left out, the name stays
    assert "…" in text  # the long name is cut at the column's edge
    assert "🌍" not in caplog.text and "Lina" not in caplog.text  # names never logged
