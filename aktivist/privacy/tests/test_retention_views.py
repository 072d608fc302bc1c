"""The retention page: who sees it, who sees names, who changes a rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.html import escape

from aktivist.core import retention_rules as rules
from aktivist.core.models import AuditEvent
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory
from aktivist.privacy.models import RetentionRule

pytestmark = pytest.mark.django_db

URL = "/privacy/retention/"


@pytest.fixture
def quiet_person(world):
    person = PersonFactory(first_name="Tyst", last_name="Tystberg")
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - dt.timedelta(days=800))
    return person


@pytest.mark.parametrize("who", ["admin", "staff", "dpo"])
def test_the_secretariat_and_the_officer_see_every_rule_with_its_preview(
    personas, client_for, quiet_person, who
):
    page = client_for(getattr(personas, who)).get(URL).content.decode()
    for spec in rules.RULES.values():
        assert escape(str(spec.label)) in page
    assert "1 person would be anonymised" in page


@pytest.mark.parametrize("who", ["district_a", "coordinator_a1", "board"])
def test_everyone_else_gets_not_found(personas, client_for, who):
    client = client_for(getattr(personas, who))
    assert client.get(URL).status_code == 404
    response = client.post(
        f"{URL}{rules.LOGIN_RECORDS}/",
        {f"{rules.LOGIN_RECORDS}-days": "1", f"{rules.LOGIN_RECORDS}-enabled": "on"},
    )
    assert response.status_code == 404
    assert RetentionRule.objects.get(key=rules.LOGIN_RECORDS).days == 90


def test_the_secretariat_sees_whom_and_the_read_is_audited(personas, client_for, quiet_person):
    page = client_for(personas.admin).get(URL).content.decode()
    assert "Tyst Tystberg" in page and f"/people/{quiet_person.pk}/" in page
    assert AuditEvent.objects.filter(
        actor=personas.admin, person_id=quiet_person.pk, details__page="privacy.retention_preview"
    ).exists()


def test_the_officer_sees_counts_and_no_names(personas, client_for, quiet_person):
    page = client_for(personas.dpo).get(URL).content.decode()
    assert "1 person would be anonymised" in page
    assert "Tystberg" not in page and f"/people/{quiet_person.pk}/" not in page
    assert "Only a secretariat admin can change the rules." in page
    assert f'action="{URL}{rules.LOGIN_RECORDS}/"' not in page


def test_an_admin_changes_days_and_switches_a_rule_on(personas, client_for):
    client = client_for(personas.admin)
    key = rules.LOGIN_RECORDS
    response = client.post(f"{URL}{key}/", {f"{key}-days": "45", f"{key}-enabled": "on"})
    assert response.status_code == 302
    rule = RetentionRule.objects.get(key=key)
    assert (rule.days, rule.enabled) == (45, True)
    assert AuditEvent.objects.filter(verb="privacy.retention_rule_changed", actor=personas.admin)


@pytest.mark.parametrize("who", ["staff", "dpo"])
def test_staff_and_the_officer_cannot_change_a_rule(personas, client_for, who):
    key = rules.LOGIN_RECORDS
    response = client_for(getattr(personas, who)).post(
        f"{URL}{key}/", {f"{key}-days": "1", f"{key}-enabled": "on"}
    )
    assert response.status_code == 404
    rule = RetentionRule.objects.get(key=key)
    assert (rule.days, rule.enabled) == (90, False)


def test_switching_on_a_people_rule_asks_for_the_preview_to_be_confirmed(personas, client_for):
    client = client_for(personas.admin)
    key = rules.INACTIVE_NON_MEMBERS
    response = client.post(f"{URL}{key}/", {f"{key}-days": "730", f"{key}-enabled": "on"})
    assert response.status_code == 400
    assert "confirm" in response.content.decode()
    assert not RetentionRule.objects.get(key=key).enabled
    response = client.post(
        f"{URL}{key}/",
        {f"{key}-days": "730", f"{key}-enabled": "on", f"{key}-confirm": "on"},
    )
    assert response.status_code == 302
    assert RetentionRule.objects.get(key=key).enabled


def test_too_few_days_for_a_people_rule_are_refused(personas, client_for):
    key = rules.FORMER_MEMBERS
    response = client_for(personas.admin).post(f"{URL}{key}/", {f"{key}-days": "10"})
    assert response.status_code == 400
    assert "between 365 and" in response.content.decode()
    assert RetentionRule.objects.get(key=key).days == 1825
