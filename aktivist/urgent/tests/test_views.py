"""The urgent pages: who may open them, the one-screen form and its preview, the case page,
templates and the network figures."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.tests.factories import ParticipationFactory
from aktivist.mobilization.models import Mobilization
from aktivist.people.models import Person
from aktivist.urgent.models import UrgentCase, UrgentTemplate
from aktivist.urgent.tests.factories import UrgentTemplateFactory, network_member

pytestmark = pytest.mark.django_db


def deadline_value(days: int = 2) -> str:
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def case_post(template: UrgentTemplate, **overrides):
    data = {
        "template": str(template.pk),
        "title_sv": "Frige Leyla",
        "title_en": "",
        "summary_sv": "Leyla greps i går.",
        "summary_en": "",
        "deadline": deadline_value(),
        "action_choice": "new",
        "email": "on",
        "sms": "on",
        "follow_up": "on",
        "follow_up_hours": "4",
        "form_token": secrets.token_urlsafe(16),  # the hidden field of a freshly shown form
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["district_a", "coordinator_a1", "board"])
def test_urgent_pages_are_the_secretariats(client_for, personas, who):
    template = UrgentTemplateFactory()
    client = client_for(getattr(personas, who))
    for url in (
        reverse("urgent:case_list"),
        reverse("urgent:case_new"),
        reverse("urgent:template_list"),
        reverse("urgent:template", args=[template.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_network_figures_are_for_the_secretariat_districts_and_the_board(
    client_for, personas, world
):
    in_a = network_member(email="a@example.org", mobile="+46701000011", home_unit=world.group_a1)
    network_member(email="b@example.org", home_unit=world.group_b1)
    assert in_a.pk
    url = reverse("urgent:network")
    national = client_for(personas.staff).get(url).content.decode()
    assert "<strong>2</strong> people in the network" in national
    assert world.district_b.name in national
    district = client_for(personas.district_a).get(url).content.decode()
    assert "<strong>1</strong> person in the network" in district
    assert world.district_b.name not in district
    assert client_for(personas.board).get(url).status_code == 200
    assert client_for(personas.coordinator_a1).get(url).status_code == 404


def test_the_preview_fills_the_template_with_the_case_and_counts_the_sms(client_for, personas):
    template = UrgentTemplateFactory(approved_by=personas.admin)
    network_member(mobile="+46701000021")
    html = (
        client_for(personas.staff)
        .post(reverse("urgent:case_preview"), case_post(template))
        .content.decode()
    )
    assert "Blixtaktion: Frige Leyla" in html
    assert "Leyla greps i går." in html
    assert "Blixtaktion: Frige Leyla. Agera: http" in html
    assert "1 part (GSM-7)" in html
    assert "1 part × 1 people" in html
    assert "Follow-up SMS after 4 hours" in html
    # The action page is made when the case is sent: its link is no problem before that.
    assert 'role="alert"' not in html


def test_the_preview_counts_each_network_members_sms_with_their_own_name(
    client_for, personas, settings
):
    """One letter outside the SMS alphabet in a first name makes that person's SMS UCS-2:
    the preview shows the worst case, counts the parts per person and says who would be
    skipped as too long after merge."""
    settings.SMS_PRICE_PER_SEGMENT = "0.50"
    # 150 GSM-7 characters with the link and the footer: one part with "Anna", three as UCS-2.
    template = UrgentTemplateFactory(
        approved_by=personas.admin,
        sms_sv="Hej {{ first_name }}! {{ case_title }}: {{ action_link }} " + "x" * 40,
    )
    network_member(mobile="+46701000041", first_name="Anna")
    network_member(mobile="+46701000042", first_name="Zoë")
    html = (
        client_for(personas.staff)
        .post(reverse("urgent:case_preview"), case_post(template, title_sv="Frige L"))
        .content.decode()
    )
    assert 'id="sms-worst"' in html
    assert "At worst 3 parts" in html
    assert "4 parts for 2 people (at most 3 each, counted with each name)" in html
    assert "Cost: about 2.00 SEK" in html
    assert "1 person has a name outside the SMS alphabet" in html
    assert 'id="sms-too-long"' not in html


def test_a_case_title_outside_the_sms_alphabet_is_not_blamed_on_the_names(client_for, personas):
    """Ł in the case title makes every SMS UCS-2: the cost counts it, and no one is told
    that their name did it."""
    template = UrgentTemplateFactory(
        approved_by=personas.admin, sms_sv="Hej {{ first_name }}! {{ case_title }}"
    )
    network_member(mobile="+46701000046", first_name="Anna")
    network_member(mobile="+46701000047", first_name="Zoë")
    html = (
        client_for(personas.staff)
        .post(reverse("urgent:case_preview"), case_post(template, title_sv="Frige Łukasz"))
        .content.decode()
    )
    assert "1 part (UCS-2)" in html
    assert "1 part × 2 people" in html
    assert "outside the SMS alphabet: their SMS" not in html


def test_the_preview_says_who_would_be_skipped_as_too_long_after_merge(client_for, personas):
    # Six GSM-7 parts for a plain name; as UCS-2 the same text takes far more than six.
    template = UrgentTemplateFactory(
        approved_by=personas.admin,
        sms_sv="Hej {{ first_name }}! {{ case_title }} " + "y" * 800 + " {{ action_link }}",
    )
    network_member(mobile="+46701000043", first_name="Anna")
    network_member(mobile="+46701000044", first_name="Łukasz")
    network_member(mobile="+46701000045", first_name="Çağla")
    html = (
        client_for(personas.staff)
        .post(reverse("urgent:case_preview"), case_post(template, title_sv="Frige L"))
        .content.decode()
    )
    assert 'id="sms-too-long"' in html
    assert "2 people will be skipped" in html
    assert "× 1 people" in html


def test_the_preview_shows_an_example_person_never_someone_in_the_network(client_for, personas):
    template = UrgentTemplateFactory(
        approved_by=personas.admin,
        email_body_sv="Hej {{ first_name }} {{ last_name }} ({{ full_name }}), {{ case_summary }}",
        sms_sv="Hej {{ first_name }}! {{ case_title }}: {{ action_link }}",
    )
    network_member(
        email="karin.lindqvist@example.org",
        mobile="+46701000023",
        first_name="Karin",
        last_name="Lindqvist",
    )
    html = (
        client_for(personas.staff)
        .post(reverse("urgent:case_preview"), case_post(template))
        .content.decode()
    )
    assert "Hej Amir Karimi (Amir Karimi)" in html  # the fixed example, in the email
    assert "Hej Amir! Frige Leyla" in html  # and in the SMS
    assert "Shown as Amir Karimi would get it: an example person" in html
    for real in ("Karin", "Lindqvist", "karin.lindqvist@example.org", "701000023"):
        assert real not in html


def test_sending_from_the_one_screen_leads_to_the_case_page(
    client_for, personas, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.SMS_QUIET_HOURS = ()
    template = UrgentTemplateFactory(approved_by=personas.admin)
    network_member(email="n@example.org", mobile="+46701000031")
    staff = client_for(personas.staff)
    page = staff.get(reverse("urgent:case_new")).content.decode()
    assert "1 by email, 1 by SMS" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("urgent:case_new"), case_post(template))
    case = UrgentCase.objects.get()
    assert response["Location"] == reverse("urgent:case", args=[case.pk])
    assert len(mailoutbox) == 1
    html = staff.get(response["Location"]).content.decode()
    assert "Frige Leyla" in html
    assert f"/a/{case.action.slug}/" in html
    assert "100 % done" in html
    assert "Goes at" in html  # the follow-up, scheduled


def test_the_same_form_posted_twice_opens_one_case_and_sends_once(
    client_for, personas, settings, django_capture_on_commit_callbacks, mailoutbox
):
    """A double click, or back and resubmit: the second post lands on the first case."""
    settings.SMS_QUIET_HOURS = ()
    template = UrgentTemplateFactory(approved_by=personas.admin)
    network_member(email="n@example.org", mobile="+46701000032")
    staff = client_for(personas.staff)
    page = staff.get(reverse("urgent:case_new")).content.decode()
    token = page.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    assert len(token) >= 32
    data = case_post(template, form_token=token)
    with django_capture_on_commit_callbacks(execute=True):
        first = staff.post(reverse("urgent:case_new"), data)
    with django_capture_on_commit_callbacks(execute=True):
        second = staff.post(reverse("urgent:case_new"), data, follow=True)
    case = UrgentCase.objects.get()
    assert first["Location"] == reverse("urgent:case", args=[case.pk])
    assert second.redirect_chain == [(reverse("urgent:case", args=[case.pk]), 302)]
    assert "This urgent action was sent already" in second.content.decode()
    assert len(mailoutbox) == 1
    assert Mobilization.objects.filter(urgent=True, send_at__isnull=True).count() == 2
    # A fresh form has a fresh token: the next case is a new one.
    fresh = staff.get(reverse("urgent:case_new")).content.decode()
    assert token not in fresh


def test_a_case_form_without_its_token_is_shown_again_and_sends_nothing(client_for, personas):
    template = UrgentTemplateFactory(approved_by=personas.admin)
    staff = client_for(personas.staff)
    response = staff.post(reverse("urgent:case_new"), case_post(template, form_token=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This form had expired" in html
    assert 'name="form_token" value=""' not in html
    assert not UrgentCase.objects.exists()


def test_a_bad_case_form_says_why_and_sends_nothing(client_for, personas):
    template = UrgentTemplateFactory(approved_by=personas.admin)
    staff = client_for(personas.staff)
    response = staff.post(
        reverse("urgent:case_new"),
        case_post(template, deadline=deadline_value(days=-1), action_choice="existing"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose the action page." in html
    assert not UrgentCase.objects.exists()
    response = staff.post(reverse("urgent:case_new"), case_post(template, email="", sms=""))
    assert "Send by email, SMS or both." in response.content.decode()


def test_an_update_from_the_case_page_goes_to_those_who_acted(
    client_for, personas, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.SMS_QUIET_HOURS = ()
    template = UrgentTemplateFactory(approved_by=personas.admin)
    staff = client_for(personas.staff)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("urgent:case_new"), case_post(template, sms="", follow_up=""))
    case = UrgentCase.objects.get()
    ParticipationFactory(
        action=case.action, person=Person.objects.create(email="acted@example.org")
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("urgent:case_update", args=[case.pk]),
            {"subject_sv": "Leyla är fri", "body_sv": "Tack!", "closes": "1"},
        )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["acted@example.org"]]
    case.refresh_from_db()
    assert case.status == UrgentCase.Status.CLOSED
    html = staff.get(reverse("urgent:case", args=[case.pk])).content.decode()
    assert "Leyla är fri" in html
    assert "Send the update" not in html


def test_templates_are_written_asked_for_and_approved_in_the_browser_pages(client_for, personas):
    staff = client_for(personas.staff)
    response = staff.post(
        reverse("urgent:template_new"),
        {
            "name": "Fängslad",
            "email_subject_sv": "Blixtaktion: {{ case_title }}",
            "email_body_sv": "{{ case_summary }}\n\n{{ action_link }}",
            "sms_sv": "{{ case_title }}: {{ action_link }}",
            "follow_up_hours": "4",
        },
    )
    template = UrgentTemplate.objects.get()
    assert response["Location"] == reverse("urgent:template", args=[template.pk])
    staff.post(reverse("urgent:template_request", args=[template.pk]))
    own = staff.get(reverse("urgent:template", args=[template.pk])).content.decode()
    assert "Waiting for a second member" in own
    admin = client_for(personas.admin)
    admin.post(reverse("urgent:template_approve", args=[template.pk]))
    template.refresh_from_db()
    assert template.status == UrgentTemplate.Status.APPROVED
    assert (
        "Send an urgent action from it"
        in staff.get(reverse("urgent:template_list")).content.decode()
    )
