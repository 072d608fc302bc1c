"""An urgent case from the template to the network, the follow-up to those who have not
acted, updates to those who acted, closing, and the report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from aktivist.campaigns.models import Action, Campaign
from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.core.exceptions import ApplicationError
from aktivist.mobilization import composing, starting
from aktivist.mobilization.models import Channel, Delivery, Mobilization, Purpose
from aktivist.people.tests.factories import PersonFactory
from aktivist.urgent import reports, services
from aktivist.urgent.case_messages import CaseText
from aktivist.urgent.models import UrgentCase
from aktivist.urgent.tests.factories import UrgentTemplateFactory, network_member

pytestmark = pytest.mark.django_db(transaction=True)


def case_text(**overrides) -> CaseText:
    values = {
        "title_sv": "Frige Leyla",
        "title_en": "Free Leyla",
        "summary_sv": "Leyla greps i går för en tweet och riskerar tortyr.",
        "summary_en": "Leyla was arrested yesterday for a tweet and is at risk of torture.",
        "deadline": timezone.now() + dt.timedelta(days=2),
    }
    values.update(overrides)
    return CaseText(**values)


@pytest.fixture
def network(settings):
    settings.SMS_QUIET_HOURS = ()
    settings.MOBILIZATION_APPROVAL_THRESHOLD = 1  # the template's approval is enough
    return {
        "both": network_member(email="both@example.org", mobile="+46701000001"),
        "email_only": network_member(email="email@example.org", language="en"),
        "sms_only": network_member(mobile="+46701000002"),
        "unproved": network_member(mobile="+46701000003", proved=False),
        "outsider": PersonFactory(email="outsider@example.org", mobile="+46701000004"),
    }


def open_case(staff, **kwargs) -> UrgentCase:
    template = kwargs.pop("template", None) or UrgentTemplateFactory(approved_by=staff)
    return services.case_open_and_send(
        actor=staff, template=template, case=kwargs.pop("case", None) or case_text(), **kwargs
    )


def test_one_call_makes_the_action_page_and_sends_to_the_network_by_email_and_sms(
    network, personas, mailoutbox, sms_outbox
):
    case = open_case(personas.staff)

    action = case.action
    assert action.kind == Action.Kind.URGENT
    assert action.is_published and action.closes_at == case.deadline
    assert action.text_sv.startswith("Leyla greps")
    assert action.campaign.kind == Campaign.Kind.URGENT
    email, sms = case.email_mobilization, case.sms_mobilization
    for mobilization in (email, sms):
        mobilization.refresh_from_db()
        assert mobilization.urgent
        assert mobilization.status == Mobilization.Status.DONE
        assert mobilization.approved_at is not None  # no second approval asked for
    assert sorted(m.to[0] for m in mailoutbox) == ["both@example.org", "email@example.org"]
    swedish = next(m for m in mailoutbox if m.to == ["both@example.org"])
    assert swedish.subject == "Blixtaktion: Frige Leyla"
    assert "Leyla greps i går" in swedish.body
    english = next(m for m in mailoutbox if m.to == ["email@example.org"])
    assert english.subject == "Urgent action: Free Leyla"
    assert sorted(to for to, _body in sms_outbox) == ["+46701000001", "+46701000002"]
    body = sms_outbox[0][1]
    assert body.startswith("Blixtaktion: Frige Leyla. Agera: http")
    assert "/r/" in body and body.endswith("Svara STOPP för att avsluta.")
    unproved = Delivery.objects.get(mobilization=sms, person=network["unproved"])
    assert unproved.reason == Delivery.Reason.UNPROVED
    assert not Delivery.objects.filter(person=network["outsider"]).exists()


def test_the_same_form_token_opens_one_case_and_sends_once(
    network, personas, mailoutbox, sms_outbox
):
    template = UrgentTemplateFactory(approved_by=personas.admin)
    first = open_case(personas.staff, template=template, form_token="tok-1")
    again = open_case(personas.staff, template=template, form_token="tok-1")
    assert again.pk == first.pk
    assert UrgentCase.objects.count() == 1
    assert Mobilization.objects.filter(send_at__isnull=True).count() == 2  # email and SMS
    assert len(mailoutbox) == 2 and len(sms_outbox) == 2  # once each, not twice
    other = open_case(personas.staff, template=template, form_token="tok-2")
    assert other.pk != first.pk


def test_the_follow_up_goes_later_only_to_those_who_have_not_acted(network, personas, sms_outbox):
    start = timezone.now()
    with freeze_time(start):
        case = open_case(personas.staff)
    follow_up = case.follow_up_mobilization
    assert follow_up.status == Mobilization.Status.SCHEDULED
    assert follow_up.send_at == start + dt.timedelta(hours=4)
    assert follow_up.follows == case.sms_mobilization
    ParticipationFactory(action=case.action, person=network["both"])
    sms_outbox.clear()

    with freeze_time(start + dt.timedelta(hours=3)):
        starting.sweep()
    assert sms_outbox == []
    with freeze_time(start + dt.timedelta(hours=4, minutes=1)):
        starting.sweep()
        follow_up.refresh_from_db()
        assert follow_up.status == Mobilization.Status.DONE
    assert [to for to, _body in sms_outbox] == ["+46701000002"]
    assert sms_outbox[0][1].startswith("Hinner du? Frige Leyla behöver dig:")

    with freeze_time(start + dt.timedelta(hours=5)):
        ParticipationFactory(action=case.action, person=network["sms_only"])
    report = reports.case_report(case)
    assert report.reached == 3  # both, email_only, sms_only
    assert (report.acted, report.reached_acted) == (2, 2)
    assert report.follow_up is not None and report.follow_up.sent == 1
    assert report.follow_up_acted == 1
    assert report.first_after is not None and report.last_after is not None
    assert report.first_after <= report.last_after


def test_updates_go_to_everyone_who_acted_and_closing_closes_the_page(
    network, personas, mailoutbox
):
    case = open_case(personas.staff)
    # Someone who signed the page without joining the network gets the news too.
    signer = PersonFactory(email="signer@example.org")
    ParticipationFactory(action=case.action, person=signer)
    ParticipationFactory(action=case.action, person=network["both"])
    mailoutbox.clear()

    services.case_update_send(
        actor=personas.staff,
        case=case,
        subject_sv="Leyla är fri!",
        body_sv="Tack, {{ first_name | vän }}: hon släpptes i morse.",
    )
    assert sorted(m.to[0] for m in mailoutbox) == ["both@example.org", "signer@example.org"]
    update = case.updates.get()
    assert update.mobilization.message.purpose == Purpose.CASE_UPDATES

    mailoutbox.clear()
    services.case_update_send(
        actor=personas.staff,
        case=case,
        subject_sv="Fallet är avslutat",
        body_sv="Tack för allt.",
        closes=True,
    )
    case.refresh_from_db()
    assert case.status == UrgentCase.Status.CLOSED
    closes_at = case.action.closes_at
    assert closes_at is not None and closes_at <= timezone.now()
    assert len(mailoutbox) == 2
    case.follow_up_mobilization.refresh_from_db()
    assert case.follow_up_mobilization.status == Mobilization.Status.CANCELLED
    with pytest.raises(ApplicationError):
        services.case_update_send(actor=personas.staff, case=case, subject_sv="x", body_sv="y")


def test_case_updates_cannot_be_written_as_an_ordinary_message(personas):
    with pytest.raises(ValidationError):
        composing.message_create(
            actor=personas.staff,
            name="Smyg",
            channel=Channel.EMAIL,
            purpose=Purpose.CASE_UPDATES,
            subject_sv="Till alla som någonsin skrivit under",
            body_sv="…",
        )


def test_bad_cases_are_refused_and_nothing_is_sent(network, personas, sms_outbox):
    template = UrgentTemplateFactory(approved_by=personas.admin)
    past = case_text(deadline=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as error:
        open_case(personas.staff, template=template, case=past)
    assert "deadline" in error.value.message_dict
    soon = case_text(deadline=timezone.now() + dt.timedelta(hours=2))
    with pytest.raises(ValidationError) as error:
        open_case(personas.staff, template=template, case=soon)
    assert "follow_up_hours" in error.value.message_dict
    long = case_text()
    template.sms_sv = "{{ case_summary }} " * 1 + "x" * 900
    template.save()
    with pytest.raises(ValidationError) as error:
        open_case(personas.staff, template=template, case=long)
    assert "at most 6 parts" in str(error.value.message_dict["summary_sv"])
    assert not UrgentCase.objects.exists()
    assert not Action.objects.filter(kind=Action.Kind.URGENT).exists()
    assert not Mobilization.objects.exists()
    assert sms_outbox == []


def test_only_an_approved_template_sends_and_only_the_secretariat(network, personas):
    draft = UrgentTemplateFactory(status="draft", approved_at=None)
    with pytest.raises(ApplicationError):
        open_case(personas.staff, template=draft)
    with pytest.raises(ApplicationError):
        open_case(personas.district_a, template=UrgentTemplateFactory(approved_by=personas.admin))


def test_an_existing_open_action_is_used_and_closes_at_the_deadline(network, personas):
    from aktivist.campaigns.tests.factories import ActionFactory, CampaignFactory

    national = CampaignFactory(scope=Campaign.Scope.NATIONAL)
    action = ActionFactory(campaign=national, closes_at=None)
    case = open_case(personas.staff, action=action, follow_up=False)
    action.refresh_from_db()
    assert case.action == action
    assert action.closes_at == case.deadline
    assert case.follow_up_mobilization is None


# --- Templates ---------------------------------------------------------------------------


def test_a_template_is_approved_by_a_second_member_and_loses_it_when_changed(personas):
    fields = {
        "name": "Fängslad",
        "email_subject_sv": "Blixtaktion: {{ case_title }}",
        "email_body_sv": "{{ case_summary }} {{ action_link }}",
        "sms_sv": "{{ case_title }}: {{ action_link }}",
        "follow_up_hours": 4,
    }
    template = services.template_create(actor=personas.staff, **fields)
    assert template.status == "draft"
    services.template_request_approval(actor=personas.staff, template=template)
    with pytest.raises(ApplicationError):
        services.template_approve(actor=personas.staff, template=template)
    template = services.template_approve(actor=personas.admin, template=template)
    assert template.is_approved and template.approved_by == personas.admin
    template = services.template_update(actor=personas.admin, template=template, name="Fängslad!")
    assert template.is_approved  # the name is not a text that is sent
    template = services.template_update(
        actor=personas.admin, template=template, sms_sv="Nytt: {{ action_link }}"
    )
    assert template.status == "draft" and template.approved_by is None


def test_a_template_with_an_unknown_field_is_refused(personas):
    with pytest.raises(ValidationError) as error:
        services.template_create(
            actor=personas.staff,
            name="Fel",
            email_subject_sv="{{ fall }}",
            email_body_sv="x",
            sms_sv="x",
            follow_up_hours=4,
        )
    assert "Unknown merge field" in str(error.value.message_dict["email_subject_sv"])
    with pytest.raises(ApplicationError):
        services.template_create(
            actor=personas.district_a,
            name="Distrikt",
            email_subject_sv="x",
            email_body_sv="x",
            sms_sv="x",
            follow_up_hours=4,
        )


def test_the_network_grows_month_by_month_counting_each_person_once(personas):
    from aktivist.people.models import Consent
    from aktivist.urgent.network import network_report

    zone = timezone.get_current_timezone()
    now = dt.datetime(2026, 12, 6, 12, tzinfo=zone)

    def on(month: int, day: int = 10) -> dt.datetime:
        return dt.datetime(2026, month, day, 12, tzinfo=zone)

    # Email in October, SMS in November: joined in October, counted once since.
    both = network_member(email="both@example.org", mobile="+46701000051")
    both.consents.filter(channel=Consent.Channel.EMAIL).update(confirmed_at=on(10))
    both.consents.filter(channel=Consent.Channel.SMS).update(confirmed_at=on(11))
    # Joined in November, left in December.
    left = network_member(email="left@example.org")
    left.consents.update(
        confirmed_at=on(11), status=Consent.Status.WITHDRAWN, withdrawn_at=on(12, 2)
    )
    # Joined this month; an unproved mobile alone is not in the network.
    network_member(email="new@example.org").consents.update(confirmed_at=on(12, 1))
    network_member(mobile="+46701000052", proved=False).consents.update(confirmed_at=on(11))

    months = {m.start.month: m for m in network_report(personas.staff, now=now).months}
    assert [(months[m].joined, months[m].size) for m in (9, 10, 11, 12)] == [
        (0, 0),
        (1, 1),
        (1, 2),
        (1, 2),
    ]
    assert len(months) == 12
