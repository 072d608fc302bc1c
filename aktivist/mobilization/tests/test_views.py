"""The staff pages: write a message with a live preview and a test send, put a segment and
a message together, see the reach, send, approve, watch the progress."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.mobilization.models import Delivery, Message, Mobilization
from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory
from aktivist.people.models import Consent
from aktivist.people.tests.factories import ConsentFactory

pytestmark = pytest.mark.django_db

EVERYONE = {"condition": "created_within", "value": {"days": 365}}


def message_post(**overrides):
    data = {
        "name": "Höstupprop",
        "purpose": "campaigns",
        "subject_sv": "Hej {{ first_name | vän }}",
        "body_sv": "Skriv under: [här]({{ action_link }})",
        "subject_en": "",
        "body_en": "",
    }
    data.update(overrides)
    return data


def test_writing_a_message_with_an_unknown_merge_field_saves_nothing_and_says_why(
    client_for, personas
):
    staff = client_for(personas.staff)
    response = staff.post(
        reverse("mobilization:message_create"),
        message_post(body_sv="Hej {{ fornamn }}", subject_sv="Hej"),
    )
    assert response.status_code == 400
    assert "Unknown merge field" in response.content.decode()
    assert not Message.objects.exists()


def test_a_message_with_an_action_link_needs_an_action(client_for, personas):
    staff = client_for(personas.staff)
    response = staff.post(reverse("mobilization:message_create"), message_post())
    assert response.status_code == 400
    assert "needs an action" in response.content.decode()
    action = ActionFactory()
    response = staff.post(
        reverse("mobilization:message_create"), message_post(action=str(action.pk))
    )
    assert response.status_code == 302
    assert Message.objects.get().action == action


def test_the_live_preview_renders_as_a_chosen_recipient(client_for, personas, world):
    staff = client_for(personas.staff)
    response = staff.post(
        reverse("mobilization:message_preview"),
        message_post(
            body_sv="Hej **{{ first_name }}** i {{ local_group | din grupp }}", preview_as="Märta"
        ),
    )
    html = response.content.decode()
    assert "As Märta Malm would see it" in html
    assert "Hej <strong>Märta</strong> i Grupp Malmö" in html
    outsider = client_for(personas.coordinator_b1).post(
        reverse("mobilization:message_preview"),
        message_post(body_sv="Hej {{ first_name | vän }}", preview_as="Märta"),
    )
    assert "Märta" not in outsider.content.decode()  # outside their scope: example values


def test_a_test_send_goes_to_the_staff_member_only(client_for, personas, mailoutbox):
    message = MessageFactory()
    staff = client_for(personas.staff)
    staff.post(reverse("mobilization:message_test", args=[message.pk]), {"language": "en"})
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert sent.to == [personas.staff.email]
    assert sent.subject.startswith("[Test] Hello")
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_from_segment_and_message_to_a_finished_send(
    client_for, personas, world, django_capture_on_commit_callbacks, mailoutbox
):
    for person in (world.member_a1, world.member_b1):
        ConsentFactory(person=person, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    segment = SegmentFactory(tree=EVERYONE)
    message = MessageFactory()
    staff = client_for(personas.staff)
    response = staff.post(
        reverse("mobilization:create"),
        {"name": "Höst", "segment": segment.pk, "message": message.pk},
    )
    mobilization = Mobilization.objects.get()
    assert response["Location"] == reverse("mobilization:detail", args=[mobilization.pk])

    reach = staff.get(reverse("mobilization:reach", args=[mobilization.pk])).content.decode()
    assert "<strong>2</strong>" in reach
    assert "No consent for this channel and purpose: 5" in reach

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("mobilization:send", args=[mobilization.pk]), {"when": "now"})
    mobilization.refresh_from_db()
    assert mobilization.status == Mobilization.Status.DONE
    assert len(mailoutbox) == 2
    page = staff.get(reverse("mobilization:detail", args=[mobilization.pk])).content.decode()
    assert "Done" in page
    progress = staff.get(reverse("mobilization:progress", args=[mobilization.pk])).content.decode()
    assert "hx-trigger" not in progress  # finished: no more polling


def test_a_large_send_asks_for_approval_and_the_approver_sends_it(
    client_for, personas, world, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.MOBILIZATION_APPROVAL_THRESHOLD = 1
    for person in (world.member_a1, world.member_b1):
        ConsentFactory(person=person, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    staff = client_for(personas.staff)
    staff.post(
        reverse("mobilization:create"),
        {
            "name": "Stor",
            "segment": SegmentFactory(tree=EVERYONE).pk,
            "message": MessageFactory().pk,
        },
    )
    mobilization = Mobilization.objects.get()
    staff.post(reverse("mobilization:send", args=[mobilization.pk]), {"when": "now"})
    mobilization.refresh_from_db()
    assert mobilization.status == Mobilization.Status.AWAITING_APPROVAL
    assert (
        "Approve and send"
        not in staff.get(reverse("mobilization:detail", args=[mobilization.pk])).content.decode()
    )

    admin = client_for(personas.admin)
    assert "Stor" in admin.get(reverse("mobilization:list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("mobilization:approve", args=[mobilization.pk]))
    mobilization.refresh_from_db()
    assert mobilization.status == Mobilization.Status.DONE
    assert len(mailoutbox) == 2


def test_sending_later_needs_a_time_in_the_future(client_for, personas):
    staff = client_for(personas.staff)
    staff.post(
        reverse("mobilization:create"),
        {
            "name": "Sen",
            "segment": SegmentFactory(tree=EVERYONE).pk,
            "message": MessageFactory().pk,
        },
    )
    mobilization = Mobilization.objects.get()
    response = staff.post(
        reverse("mobilization:send", args=[mobilization.pk]),
        {"when": "later", "send_at": "2020-01-01T10:00"},
    )
    assert response.status_code == 400
    assert "future" in response.content.decode()
    mobilization.refresh_from_db()
    assert mobilization.status == Mobilization.Status.DRAFT


def test_pages_are_404_outside_scope_and_for_the_board(client_for, personas, world):
    mobilization = Mobilization.objects.create(
        name="Umeå", message=MessageFactory(unit=world.group_b1), unit=world.group_b1
    )
    for user in (personas.coordinator_a1, personas.district_a, personas.board):
        client = client_for(user)
        for name in ("detail", "progress", "reach", "conditions"):
            assert (
                client.get(reverse(f"mobilization:{name}", args=[mobilization.pk])).status_code
                == 404
            )
        assert (
            client.post(reverse("mobilization:cancel", args=[mobilization.pk])).status_code == 404
        )
    assert (
        client_for(personas.coordinator_b1)
        .get(reverse("mobilization:detail", args=[mobilization.pk]))
        .status_code
        == 200
    )


def test_the_list_page_costs_a_fixed_number_of_queries(client_for, personas):
    staff = client_for(personas.staff)
    for n in range(3):
        Mobilization.objects.create(
            name=f"M{n}", message=MessageFactory(), segment=SegmentFactory()
        )
    staff.get(reverse("mobilization:list"))
    with CaptureQueriesContext(connection) as few:
        staff.get(reverse("mobilization:list"))
    for n in range(10):
        Mobilization.objects.create(
            name=f"N{n}", message=MessageFactory(), segment=SegmentFactory()
        )
    with CaptureQueriesContext(connection) as many:
        staff.get(reverse("mobilization:list"))
    assert len(many) == len(few)


def test_the_progress_shows_skip_reasons_and_the_response(client_for, personas, world):
    mobilization = Mobilization.objects.create(
        name="Klar", message=MessageFactory(), status=Mobilization.Status.DONE
    )
    now = timezone.now()
    Delivery.objects.create(
        mobilization=mobilization,
        person=world.member_a1,
        status="sent",
        due_at=now,
        sent_at=now,
        clicked_at=now,
        acted_at=now,
    )
    Delivery.objects.create(
        mobilization=mobilization,
        person=world.member_a2,
        status="skipped",
        reason="no_consent",
        due_at=now,
    )
    html = (
        client_for(personas.staff)
        .get(reverse("mobilization:progress", args=[mobilization.pk]))
        .content.decode()
    )
    assert "No consent for this channel and purpose: <strong>1</strong>" in html
    assert "<td>1</td><td>1</td><td>1</td>" in html
