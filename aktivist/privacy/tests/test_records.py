"""The records of processing (Art. 30): generated from the settings and the code."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from aktivist.core import retention_rules as rules
from aktivist.people.consents import CHOICES
from aktivist.people.models import Consent
from aktivist.privacy import records, retention, retention_stores

pytestmark = pytest.mark.django_db

URL = "/privacy/records/"


@pytest.mark.parametrize("who", ["admin", "staff", "dpo"])
def test_the_secretariat_and_the_officer_open_the_records(personas, client_for, who):
    assert client_for(getattr(personas, who)).get(URL).status_code == 200


@pytest.mark.parametrize("who", ["district_a", "coordinator_a1", "coordinator_b1", "board"])
def test_everyone_else_gets_not_found(personas, client_for, who):
    assert client_for(getattr(personas, who)).get(URL).status_code == 404


def test_the_records_list_every_consent_purpose_and_wording(personas, client_for):
    page = client_for(personas.dpo).get(URL).content.decode()
    for label in Consent.Purpose.labels:
        assert escape(str(label)) in page
    for choice in CHOICES.values():
        assert choice.version in page
        assert escape(str(choice.label)) in page


def test_the_records_list_every_retention_rule_with_its_current_days(personas, client_for):
    retention.rule_update(actor=personas.admin, key=rules.LOGIN_RECORDS, days=47, enabled=True)
    page = client_for(personas.dpo).get(URL).content.decode()
    for key, spec in rules.RULES.items():
        row = page[page.index(f'id="retention-{key}"') :]
        row = row[: row.index("</tr>")]
        assert escape(str(spec.label)) in row
        stored = retention.rule_rows()[key]
        if key in retention_stores.STORES:
            assert f"<td>{stored.days}</td>" in row, key
    login_row = page[page.index(f'id="retention-{rules.LOGIN_RECORDS}"') :]
    assert "<td>47</td><td>yes</td>" in login_row[: login_row.index("</tr>")]


def test_the_controller_and_the_officer_come_from_the_settings_and_accounts(
    personas, client_for, settings
):
    settings.ORGANISATION_NAME = "Sektionen för mänskliga rättigheter"
    settings.ORGANISATION_PRIVACY_EMAIL = "dpo-kontakt@example.org"
    page = client_for(personas.admin).get(URL).content.decode()
    assert "Sektionen för mänskliga rättigheter" in page
    assert "dpo-kontakt@example.org" in page
    assert personas.dpo.email in page


def test_an_sms_provider_in_the_usa_is_a_transfer_with_its_safeguard(settings):
    settings.SMS_BACKEND = "aktivist.core.sms.TwilioTransport"
    sms = records._sms_recipient()
    assert (sms.provider, sms.country) == ("twilio", "US")
    assert "Data Privacy Framework" in sms.safeguard


def test_an_sms_provider_in_sweden_is_no_transfer(settings):
    settings.SMS_BACKEND = "aktivist.core.sms.FortySixElksTransport"
    sms = records._sms_recipient()
    assert (sms.provider, sms.country) == ("46elks", "SE")
    assert "no transfer" in sms.safeguard


def test_an_email_provider_without_a_stated_country_is_shown_as_a_gap(settings):
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    email = records._email_recipient()
    assert email.provider == "postmark" and email.country == ""
    assert "PRIVACY_PROVIDER_COUNTRIES" in email.safeguard
    settings.PRIVACY_PROVIDER_COUNTRIES = {"postmark": "us"}
    assert records._email_recipient().country == "US"


def test_every_store_of_personal_data_is_listed_with_its_rule(personas):
    from aktivist.core.registries import erasure_registry, personal_stores

    record = records.processing_record()
    names = {store.name for store in record.stores}
    for model in {*personal_stores, *erasure_registry}:
        if model in personal_stores or records._fields_by_type(model):
            assert str(model._meta.verbose_name_plural).capitalize() in names or any(
                n.lower() == str(model._meta.verbose_name_plural).lower() for n in names
            ), model
    assert "People" in names


def test_encryption_at_rest_is_said_to_be_the_operators(personas):
    record = records.processing_record()
    assert any("Encryption at rest" in line for line in record.security)
