"""Letters to a decision maker, delivered by email in the daily batch."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from aktivist.campaigns import letters
from aktivist.campaigns.models import Action, Participation
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.core import emails
from aktivist.core.models import AuditEvent
from aktivist.core.schedule import jobs, run_due_jobs
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory

LETTER_SV = "Till migrationsministern,\n\nStoppa utvisningarna till länder i krig."
LETTER_EN = "To the Minister for Migration,\n\nStop deportations to countries at war."


@pytest.fixture
def letter_action(world):
    return ActionFactory(
        kind=Action.Kind.LETTER,
        letter_delivery=Action.LetterDelivery.EMAIL,
        target_name="Migrationsministern",
        target_email="migrationsministern@example.org",
        letter_subject="Stoppa utvisningarna",
        letter_text_sv=LETTER_SV,
        letter_text_en=LETTER_EN,
    )


def signer(first, last, **kwargs):
    defaults = {"email": f"{first.lower()}@example.com", "postcode": "22350", "city": "Lund"}
    return PersonFactory(first_name=first, last_name=last, **{**defaults, **kwargs})


def signed_by(message):
    """The signature line of a letter email: the first line after the letter."""
    letter = message.body.split("\n--\n")[0].rstrip()
    return letter.split("\n\n")[-1].split("\n")[0]


def sign(action, person, **kwargs):
    return ParticipationFactory(action=action, person=person, **kwargs)


def test_each_letter_is_one_email_to_the_target_signed_with_name_and_place(letter_action):
    sara = signer("Sara", "Lindqvist")
    own = "Jag har själv flytt från krig. Lyssna på oss som vet."
    sign(letter_action, sara, letter_text=own)
    sign(letter_action, signer("Omar", "Haddad", language="en", postcode="21145", city="Malmö"))

    result = letters.send_letters()

    assert result.sent == 2
    assert len(mail.outbox) == 2
    first, second = mail.outbox
    assert all(m.to == ["migrationsministern@example.org"] for m in mail.outbox)
    assert first.subject == "Stoppa utvisningarna"
    assert own in first.body and LETTER_SV not in first.body
    assert "Sara Lindqvist\n223 50 Lund" in first.body
    # The default letter in the signer's language.
    assert LETTER_EN in second.body
    assert "Omar Haddad\n211 45 Malmö" in second.body
    html = second.alternatives[0][0]
    assert "Omar Haddad" in html and "Stop deportations" in html
    assert not Participation.objects.filter(letter_sent_at__isnull=True).exists()


def test_the_signers_contact_details_never_reach_the_target(letter_action):
    sara = signer("Sara", "Lindqvist", email="sara.lindqvist@example.com", mobile="+46701234567")
    sign(letter_action, sara)
    letters.send_letters()
    (message,) = mail.outbox
    assert message.reply_to == []
    assert "Reply-To" not in message.extra_headers
    text = message.body + message.alternatives[0][0] + str(message.extra_headers)
    assert "sara.lindqvist@example.com" not in text
    assert "+46701234567" not in text and "701234567" not in text


def test_a_letter_is_sent_once_however_often_the_batch_runs(letter_action):
    sign(letter_action, signer("Sara", "Lindqvist"))
    letters.send_letters()
    letters.send_letters()
    sign(letter_action, signer("Nils", "Berg"))
    letters.send_letters()
    assert [signed_by(m) for m in mail.outbox] == [
        "Sara Lindqvist",
        "Nils Berg",
    ]


def test_erased_people_and_other_deliveries_are_not_sent(letter_action, world):
    sign(letter_action, None)  # an erased signer: no letter any more
    pdf_letter = ActionFactory(
        kind=Action.Kind.LETTER,
        letter_delivery=Action.LetterDelivery.PDF,
        target_email="riksdagen@example.org",
        letter_text_sv="Brev",
    )
    petition = ActionFactory(target_email="riksdagen@example.org")
    unpublished = ActionFactory(
        kind=Action.Kind.LETTER, target_email="kommunen@example.org", is_published=False
    )
    for action in (pdf_letter, petition, unpublished):
        sign(action, signer(f"P{action.pk}", "Test"))
    inactive = signer("Borttagen", "Person")
    Person.objects.filter(pk=inactive.pk).update(is_active=False)
    sign(letter_action, inactive)

    result = letters.send_letters()

    assert result.sent == 0 and mail.outbox == []
    assert not AuditEvent.objects.filter(verb="campaigns.letters_sent").exists()


def test_each_batch_is_audited_once_with_counts_and_no_personal_data(letter_action):
    for n in range(3):
        sign(letter_action, signer(f"Signer{n}", "Svensson"))
    letters.send_letters()
    event = AuditEvent.objects.get(verb="campaigns.letters_sent")
    assert event.object_id == str(letter_action.pk)
    assert event.actor is None
    assert event.details == {"sent": 3, "remaining": 0, "stopped": False, "error": ""}
    assert "Svensson" not in str(event.details)


def test_a_failure_stops_the_batch_and_the_next_run_repeats_nothing_already_sent(
    letter_action, monkeypatch
):
    for name in ("Anna", "Bertil", "Cecilia"):
        sign(letter_action, signer(name, "Ek"))
    real_send = emails.send_transactional
    calls = []

    def flaky(name, **kwargs):
        calls.append(kwargs["context"]["signer_name"])
        if len(calls) == 2:
            raise ConnectionRefusedError("mail server down")
        real_send(name, **kwargs)

    monkeypatch.setattr(emails, "send_transactional", flaky)
    first = letters.send_letters()
    assert first.sent == 1 and first.failed == 1
    event = AuditEvent.objects.get(verb="campaigns.letters_sent")
    assert event.details["stopped"] is True
    assert event.details["error"] == "ConnectionRefusedError"
    assert event.details["remaining"] == 2

    second = letters.send_letters()
    assert second.sent == 2
    signed = [signed_by(m) for m in mail.outbox]
    assert sorted(signed) == ["Anna Ek", "Bertil Ek", "Cecilia Ek"]


def test_outside_production_a_real_target_address_is_refused_and_nothing_is_marked(world):
    action = ActionFactory(
        kind=Action.Kind.LETTER, target_email="minister@regeringen.se", letter_text_sv="Brev"
    )
    sign(action, signer("Sara", "Lindqvist"))
    result = letters.send_letters()
    assert result.sent == 0 and mail.outbox == []
    assert Participation.objects.get().letter_sent_at is None
    event = AuditEvent.objects.get(verb="campaigns.letters_sent")
    assert event.details["error"] == "ApplicationError"


def test_the_daily_job_is_registered_and_sends_the_letters(
    letter_action, django_capture_on_commit_callbacks
):
    job = jobs["campaigns.send_letters"]
    assert (job.period, job.not_before_hour) == ("daily", 7)
    sign(letter_action, signer("Sara", "Lindqvist"))
    early = dt.datetime(2026, 3, 2, 6, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert "campaigns.send_letters" not in run_due_jobs(early)
    with django_capture_on_commit_callbacks(execute=True):
        enqueued = run_due_jobs(early + dt.timedelta(hours=2))
    assert "campaigns.send_letters" in enqueued
    assert [m.to for m in mail.outbox if "Stoppa" in m.subject] == [
        ["migrationsministern@example.org"]
    ]


def test_letters_reach_a_real_smtp_server(letter_action, smtp_server):
    sign(letter_action, signer("Åsa", "Öberg", postcode="90325", city="Umeå"))
    assert letters.send_letters().sent == 1
    (message,) = list(smtp_server)
    assert message["To"] == "migrationsministern@example.org"
    assert message["Reply-To"] is None
    body = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    assert "Åsa Öberg\n903 25 Umeå" in body.replace("\r\n", "\n")
    assert Participation.objects.get().letter_sent_at is not None
