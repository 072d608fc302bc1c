"""The audit viewer: admins and the data-protection officer see who read, searched, exported
and changed what, filter it by account, person, time and kind, and take it away as CSV;
nobody else finds the page."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aktivist.core import audit, reads
from aktivist.core.models import AuditEvent

pytestmark = pytest.mark.django_db

AUDIT = "/privacy/audit/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("dpo", 200),
        ("staff", 404),
        ("district_a", 404),
        ("coordinator_a1", 404),
        ("board", 404),
    ],
)
def test_only_admins_and_the_officer_find_the_audit_trail(
    persona, status, world, personas, client_for
):
    client = client_for(personas.all()[persona])
    assert client.get(reverse("privacy:audit")).status_code == status
    assert client.post(reverse("privacy:audit_export")).status_code == status
    # The wrong method tells no one but the officers that the page exists.
    assert client.get(reverse("privacy:audit_export")).status_code == (
        405 if status == 200 else 404
    )
    if status == 404:
        assert not AuditEvent.objects.filter(verb="audit.export").exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("privacy:audit"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_officer_must_pass_two_factor_first(world, personas, client):
    client.force_login(personas.dpo, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("privacy:audit"))
    assert response.status_code == 302 and "/accounts/two-factor/" in response["Location"]


def test_the_officer_starts_on_the_audit_trail_and_finds_it_in_the_menu(
    world, personas, client_for
):
    dpo = client_for(personas.dpo)
    response = dpo.get(reverse("staff:start"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("privacy:audit")
    html = response.content.decode()
    assert f'href="{reverse("privacy:audit")}" aria-current="page"' in html
    assert reverse("people:list") not in html  # no people pages in the officer's menu
    # Staff do not get the entry.
    staff_html = client_for(personas.staff).get(reverse("staff:start")).content.decode()
    assert reverse("privacy:audit") not in staff_html


def test_who_saw_her_after_two_accounts_opened_her_page(world, personas, client_for):
    marta = world.member_a1
    client_for(personas.staff).get(reverse("people:detail", args=[marta.pk]))
    client_for(personas.coordinator_a1).get(reverse("people:detail", args=[marta.pk]))
    client_for(personas.coordinator_a1).get(reverse("people:detail", args=[world.role_a1.pk]))
    dpo = client_for(personas.dpo)

    found = dpo.get(AUDIT, {"q": "Märta Malm"})
    html = found.content.decode()
    assert "Who saw Märta Malm?" in html
    assert f"?person={marta.pk}" in html
    # The officer's search is recorded as a search: its kind and hash, never the text.
    search = AuditEvent.objects.get(actor=personas.dpo, verb=reads.SEARCH)
    assert search.details["kind"] == "name" and search.details["in"] == reads.AUDIT_PERSON_SEARCH
    assert "märta" not in str(AuditEvent.objects.filter(actor=personas.dpo).values()).lower()
    assert AuditEvent.objects.get(actor=personas.dpo, verb=reads.AUDIT_PERSON_SEARCH).person_id == (
        marta.pk
    )

    trail = dpo.get(AUDIT, {"person": marta.pk})
    rows = trail.context["rows"]
    readers = {(r.who_email, r.what) for r in rows if r.event.verb == reads.PERSON_READ}
    assert readers == {
        (personas.staff.email, "Opened the person's page"),
        (personas.coordinator_a1.email, "Opened the person's page"),
    }
    assert all(r.whom == "Märta Malm" for r in rows if r.event.person_id == marta.pk)
    assert all(r.event.person_id in (marta.pk, None) for r in rows)  # Rut's page is not hers
    assert "Who saw Märta Malm?" in trail.content.decode()
    # Looking up her trail is itself on record.
    assert AuditEvent.objects.filter(
        actor=personas.dpo, verb=reads.AUDIT_PERSON_READ, person_id=marta.pk
    ).exists()


def test_her_trail_holds_the_searches_that_found_her_by_hash(world, personas, client_for):
    hanna = world.home_a
    client_for(personas.district_a).get(reverse("people:list"), {"q": hanna.email.upper()})
    client_for(personas.staff).get(reverse("people:list"), {"q": "someone.else@example.org"})
    rows = client_for(personas.admin).get(AUDIT, {"person": hanna.pk}).context["rows"]
    searches = [r for r in rows if r.event.verb == reads.SEARCH]
    assert [r.who_email for r in searches] == [personas.district_a.email]
    assert searches[0].details.startswith("search by email (hash ")
    assert hanna.email not in searches[0].details


def test_filters_by_account_kind_and_time(world, personas, client_for, monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - datetime.timedelta(days=3))
    audit.record(actor=personas.staff, verb="person.update", obj=world.member_a1)
    monkeypatch.setattr(timezone, "now", lambda: now)
    client_for(personas.staff).get(reverse("people:detail", args=[world.home_a.pk]))
    client_for(personas.admin).get(reverse("people:detail", args=[world.home_b.pk]))
    admin = client_for(personas.admin)

    def verbs(**params):
        return [r.event.verb for r in admin.get(AUDIT, params).context["rows"]]

    assert verbs(actor=personas.staff.pk) == [reads.PERSON_READ, "person.update"]
    assert verbs(actor=personas.staff.pk, kind="reads") == [reads.PERSON_READ]
    assert verbs(actor=personas.staff.pk, kind="writes") == ["person.update"]
    assert verbs(kind="exports") == []
    today = timezone.localdate(now)
    assert verbs(
        actor=personas.staff.pk, until=(today - datetime.timedelta(days=1)).isoformat()
    ) == ["person.update"]
    assert verbs(actor=personas.staff.pk, since=today.isoformat()) == [reads.PERSON_READ]
    bad = admin.get(AUDIT, {"since": today.isoformat(), "until": "2000-01-01"})
    assert bad.status_code == 400 and "The end comes before the start." in bad.content.decode()


def test_pages_go_back_in_time_without_counting_the_trail(world, personas, client_for):
    for n in range(60):
        audit.record(actor=personas.staff, verb=f"thing.{n:02d}")
    admin = client_for(personas.admin)
    with CaptureQueriesContext(connection) as captured:
        first = admin.get(AUDIT, {"actor": personas.staff.pk})
    assert not [q for q in captured if "COUNT(" in q["sql"].upper()]
    rows = first.context["rows"]
    assert len(rows) == 50 and rows[0].event.verb == "thing.59"
    older = first.context["next_before"]
    assert f"before={older}" in first.content.decode()
    second = admin.get(AUDIT, {"actor": personas.staff.pk, "before": older})
    assert [r.event.verb for r in second.context["rows"]] == [
        f"thing.{n:02d}" for n in range(9, -1, -1)
    ]
    assert second.context["next_before"] is None


def test_rows_are_said_in_words_and_erased_people_by_number(world, personas, client_for):
    gone_id = world.home_b.pk
    world.home_b.erased_at = timezone.now()
    world.home_b.save(update_fields=["erased_at"])
    reads.record_reads(actor=personas.staff, verb=reads.PERSON_READ, person_ids=[gone_id, 999999])
    audit.record(actor=None, verb="home_units.recompute", details={"rows": 3})
    rows = client_for(personas.dpo).get(AUDIT).context["rows"]
    by_person = {r.event.person_id: r for r in rows if r.event.person_id}
    assert by_person[gone_id].whom == f"erased person #{gone_id}"
    assert by_person[999999].whom == "erased person #999999"
    assert by_person[gone_id].what == "Opened the person's page"
    assert by_person[gone_id].who_role == "Secretariat staff"
    system = next(r for r in rows if r.event.verb == "home_units.recompute")
    assert system.who == "The system" and system.details == "rows: 3"


def test_the_export_is_a_formula_safe_csv_and_is_audited(world, personas, client_for):
    marta = world.member_a1
    reads.record_reads(
        actor=personas.staff,
        verb=reads.PEOPLE_LIST,
        person_ids=[marta.pk, world.role_a1.pk],
        search="=cmd|' /C calc'!A0",
    )
    dpo = client_for(personas.dpo)
    response = dpo.post(reverse("privacy:audit_export") + f"?actor={personas.staff.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert table[0][:2] == ["When", "Account"]
    assert len(table) == 1 + 3  # two people seen, one search
    assert {row[7] for row in table[1:]} == {"Märta Malm", "Rut Roos", ""}
    assert "calc" not in body  # the search text was never recorded
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    # On record: the export with its filter and count, and each person in the file.
    summary = AuditEvent.objects.get(actor=personas.dpo, verb="audit.export")
    assert summary.details["actor"] == personas.staff.pk and summary.details["rows"] == 3
    assert set(
        AuditEvent.objects.filter(actor=personas.dpo, verb=reads.EXPORT).values_list(
            "person_id", flat=True
        )
    ) == {marta.pk, world.role_a1.pk}
    # The file holds the trail up to the request, not the export's own rows.
    assert "audit.export" not in body and reads.EXPORT not in body
