"""The access export (GDPR Art. 15 and 20): from a person's page the secretariat downloads
one JSON file and one readable document with every record about the person — one section
per store in the export registry, each row with where it came from — the consents with
their exact wording, who received the data, the changes, the purposes, the retention and
the rights. Nobody else's data; each file audited; 404 for everyone but the secretariat;
an erased person's tombstone exports only what remains."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django.utils.html import escape

from aktivist.accounts.models import User
from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.core import audit, reads
from aktivist.core.models import AuditEvent
from aktivist.core.registries import export_registry
from aktivist.organisation.tests.factories import UnitMembershipFactory
from aktivist.people.consents import wording_hash
from aktivist.people.models import Consent, ConsentWording
from aktivist.people.tests.factories import ConsentFactory, InteractionFactory, PersonFactory
from aktivist.privacy import access, erasure, source_describers, sources
from aktivist.privacy.tests.erasure_helpers import EMAIL, FIRST, LAST, MOBILE, make_her
from aktivist.programmes.tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

WORDING = "Ja, skicka mig ett sms när en människorättsförsvarare är i fara."
OTHER = {
    "first_name": "Ottilia",
    "last_name": "Brandqvist",
    "email": "ottilia.brandqvist@example.org",
    "mobile": "+46701231231",
}


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def her(world, personas, media_root):
    """Zelmira with a row in every store (erasure_helpers.make_her), an SMS consent whose
    wording was kept, a file staff exported with her in it, and a note by a named staff
    member. Beside her Ottilia, with rows like hers in the same action, event and group."""
    made = make_her(world=world, staff=personas.staff, directory=media_root)
    person = made.person
    digest = wording_hash(WORDING)
    ConsentWording.objects.create(
        text_hash=digest,
        version="2026-03",
        language="sv",
        purpose=Consent.Purpose.RAPID_RESPONSE,
        channel=Consent.Channel.SMS,
        text=WORDING,
    )
    ConsentFactory(
        person=person,
        channel=Consent.Channel.SMS,
        purpose=Consent.Purpose.RAPID_RESPONSE,
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        confirmed_by=Consent.ConfirmedBy.SMS_CODE,
        wording_version="2026-03",
        wording_hash=digest,
        source=f"action:{made.action.slug}",
    )
    InteractionFactory(person=person, author=personas.admin, text="Vill bli kontaktad i höst")
    reads.record_reads(
        actor=personas.staff,
        verb=reads.EXPORT,
        person_ids=[person.pk],
        details={"export": "people.export"},
    )
    other = PersonFactory(**OTHER, home_unit=world.group_a1)
    ParticipationFactory(person=other, action=made.action, letter_text="Hälsningar, Ottilia")
    RegistrationFactory(
        person=other,
        event=made.recruitment,
        typed_first_name=OTHER["first_name"],
        typed_email=OTHER["email"],
    )
    ConsentFactory(person=other, source="Blankett ifylld av Ottilia Brandqvist")
    InteractionFactory(person=other, text="Ottilia ringde tillbaka")
    UnitMembershipFactory(person=other, unit=world.group_a1)
    return made


def _download(client, person, fmt: str, language: str = "en"):
    response = client.post(
        f"/privacy/people/{person.pk}/access/export/", {"format": fmt, "language": language}
    )
    assert response.status_code == 200, response.status_code
    return response


def test_the_json_file_has_every_registry_section_with_its_rows_each_with_a_source(
    her, personas, client_for
):
    response = _download(client_for(personas.staff), her.person, "json")
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    data = json.loads(response.content)

    assert data["person"]["email"] == EMAIL and data["person"]["first_name"] == FIRST
    assert data["person"]["membership_ended_on"] == "2025-06-30"  # dates in ISO 8601
    dt.datetime.fromisoformat(data["person"]["created_at"])
    assert data["person"]["sources"][0]["import_file"] == "varvning.csv"

    for _model, (key, handler) in export_registry.items():
        assert key in data["sections"], key
        rows = data["sections"][key]["rows"]
        assert len(rows) == len(handler(her.person)), key
        for row in rows:
            source = row["source"]
            assert source["description"], key
            assert source["kind"] != sources.NOT_RECORDED, (key, source)
    # Every store of hers has rows (the audit trail is listed as changes instead).
    empty = {key for key, section in data["sections"].items() if not section["rows"]}
    assert empty == {"core.auditevent"}, empty

    sections = data["sections"]
    participation = sections["campaigns.participation"]["rows"][0]
    assert participation["values"]["letter_text"].endswith(LAST)  # raw values
    assert participation["source"]["form"] == f"/a/{her.action.slug}/"
    issue = sections["imports.importissue"]["rows"][0]["source"]
    assert issue["import_file"] == "gatuaktion.csv" and issue["imported_by"]
    interaction = [r["source"] for r in sections["people.interaction"]["rows"]]
    assert any(s.get("recorded_by") == personas.admin.name for s in interaction)


def test_every_store_in_the_export_registry_says_where_its_rows_come_from():
    source_describers.ensure_registered()
    missing = [m._meta.label for m in export_registry if m not in source_describers.describers]
    assert not missing, f"add a describer to aktivist/privacy/source_describers.py for: {missing}"


def test_the_json_file_has_the_consent_log_recipients_changes_and_rules(her, personas, client_for):
    data = json.loads(_download(client_for(personas.staff), her.person, "json").content)
    sms = next(c for c in data["consents"] if c["wording_hash"] == wording_hash(WORDING))
    assert sms["wording"] == WORDING and sms["wording_version"] == "2026-03"
    assert sms["source"]["form"] == f"/a/{her.action.slug}/"
    kinds = {r["kind"] for r in data["recipients"]}
    assert {"email", "sms", "export", "webhook"} <= kinds
    export = next(r for r in data["recipients"] if r["kind"] == "export")
    assert export["who"] == personas.staff.name and export["export"] == "people.export"
    assert any(c["verb"] == "person.update" and c["by"] for c in data["changes"])
    assert {r["rule"] for r in data["retention"]} >= {"people_former_members", "audit_rows"}
    assert any("9(2)(d)" in p["legal_basis"] for p in data["purposes"])
    assert data["controller"]["privacy_contact"] == "dataskydd@example.org"


def test_the_document_names_each_section_in_words_and_quotes_the_consent(her, personas, client_for):
    response = _download(client_for(personas.staff), her.person, "html")
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Disposition"].endswith('.html"')
    html = response.content.decode()
    assert '<html lang="en">' in html
    for model, (key, handler) in export_registry.items():
        if handler(her.person):
            assert escape(access.section_title(model, key)) in html, key
        assert f">{key}<" not in html  # never the registry's key for a heading
    assert "Actions you took" in html and "Event registrations" in html
    assert WORDING in html
    assert "varvning.csv" in html and personas.staff.name in html
    assert f"/a/{her.action.slug}/" in html
    assert "Who has received your data" in html and "Your rights" in html
    assert "dataskydd@example.org" in html
    assert "Integritetsskyddsmyndigheten" in html


def test_the_document_is_in_the_language_chosen(her, personas, client_for):
    html = _download(client_for(personas.staff), her.person, "html", language="sv")
    assert '<html lang="sv">' in html.content.decode()


def test_nothing_of_another_person_is_in_either_file(her, personas, client_for):
    client = client_for(personas.staff)
    for fmt in access.FORMATS:
        text = _download(client, her.person, fmt).content.decode()
        for value in OTHER.values():
            assert value not in text, (fmt, value)
        assert "Ottilia" not in text and "Hälsningar, Ottilia" not in text
        assert FIRST in text and MOBILE in text  # hers are there


def test_each_file_is_audited_with_the_person(her, personas, client_for):
    client = client_for(personas.staff)
    _download(client, her.person, "json")
    _download(client, her.person, "html")
    events = AuditEvent.objects.filter(verb=access.VERB).order_by("id")
    assert [e.details["format"] for e in events] == ["json", "html"]
    assert {e.person_id for e in events} == {her.person.pk}
    assert {e.actor_id for e in events} == {personas.staff.pk}
    # Counts only: no value of hers in the trail's details.
    assert EMAIL not in json.dumps([e.details for e in events])
    # The next export lists the earlier copies among the files made of her data.
    data = json.loads(_download(client, her.person, "json").content)
    copies = [r for r in data["recipients"] if r.get("export") == access.VERB]
    assert len(copies) == 2


def test_a_download_needs_a_post(her, personas, client_for):
    client = client_for(personas.staff)
    url = f"/privacy/people/{her.person.pk}/access/export/"
    assert client.get(url, {"format": "json"}).status_code == 405
    assert client.post(url, {"format": "pdf"}).status_code == 404
    assert not AuditEvent.objects.filter(verb=access.VERB).exists()


@pytest.mark.parametrize("who", ["district_a", "coordinator_a1", "board", "dpo"])
def test_anyone_but_the_secretariat_gets_the_404_page(world, personas, client_for, who):
    person = world.member_a1  # in district A's sight
    user = getattr(personas, who)
    assert who != "dpo" or user.access_role == User.AccessRole.DPO
    client = client_for(user)
    assert client.get(f"/privacy/people/{person.pk}/access/").status_code == 404
    response = client.post(f"/privacy/people/{person.pk}/access/export/", {"format": "json"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(verb=access.VERB).exists()


def test_admins_and_staff_may_export(world, personas, client_for):
    for user in (personas.admin, personas.staff):
        client = client_for(user)
        assert client.get(f"/privacy/people/{world.home_b.pk}/access/").status_code == 200
        _download(client, world.home_b, "json")
    # The page names the person: recorded as a read of her record.
    assert AuditEvent.objects.filter(
        verb=reads.PERSON_READ, person_id=world.home_b.pk, actor=personas.admin
    ).exists()
    assert client_for(None).get(f"/privacy/people/{world.home_b.pk}/access/").status_code == 302


def test_the_person_page_offers_both_downloads_to_the_secretariat_only(world, personas, client_for):
    person = world.member_a1
    action = f'action="/privacy/people/{person.pk}/access/export/"'
    html = client_for(personas.staff).get(f"/people/{person.pk}/").content.decode()
    assert "Export everything about this person" in html and action in html
    assert 'value="html"' in html and 'value="json"' in html
    district = client_for(personas.district_a).get(f"/people/{person.pk}/").content.decode()
    assert action not in district


def test_an_erased_person_exports_only_what_remains(her, personas, client_for):
    person = her.person
    erasure.person_erase(actor=personas.admin, person=person, reason=erasure.Reason.REQUEST)
    client = client_for(personas.staff)
    assert client.get(f"/privacy/people/{person.pk}/access/").status_code == 200
    data = json.loads(_download(client, person, "json").content)
    assert data["person"]["is_active"] is False and data["person"]["erased_at"]
    assert data["person"]["first_name"] == "" and data["person"]["email"] is None
    assert data["person"]["erased_age_bracket"] == "18-25"
    text = json.dumps(data, ensure_ascii=False) + _download(client, person, "html").content.decode()
    for needle in (EMAIL, MOBILE, FIRST, LAST):
        assert needle not in text, needle
    # The rows that reports follow stay attached to the tombstone, with nothing personal.
    assert data["sections"]["campaigns.participation"]["rows"]
    assert "Your record has been erased" in text


def test_a_change_by_the_system_is_named_as_such(her, personas, client_for):
    audit.record(actor=None, verb="home_units.recompute", person_id=her.person.pk)
    data = json.loads(_download(client_for(personas.staff), her.person, "json").content)
    change = next(c for c in data["changes"] if c["verb"] == "home_units.recompute")
    assert change["by"] == "Aktivist (automatic)"
