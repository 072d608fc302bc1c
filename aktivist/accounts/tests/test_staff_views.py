from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aktivist.accounts.models import AccessScope, User
from aktivist.accounts.tests.factories import (
    AccessScopeFactory,
    TOTPDeviceFactory,
    UserFactory,
    redirect_target,
)
from aktivist.conftest import Personas, World
from aktivist.core.models import AuditEvent

LIST = "/accounts/staff/"
INVITE = "/accounts/staff/invite/"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _staff_urls(personas: Personas) -> list[str]:
    pk = personas.district_a.pk
    return [LIST, INVITE, f"/accounts/staff/{pk}/"]


@pytest.mark.parametrize(
    "persona", ["staff", "district_a", "coordinator_a1", "coordinator_b1", "board"]
)
def test_non_admins_get_404_on_staff_pages(
    personas: Personas, client_for: Any, persona: str
) -> None:
    client = client_for(getattr(personas, persona))
    for url in _staff_urls(personas):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"email": "x@example.org"}).status_code == 404, url
    pk = personas.district_a.pk
    for url in (
        f"/accounts/staff/{pk}/resend-invitation/",
        f"/accounts/staff/{pk}/reset-two-factor/",
    ):
        assert client.post(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_login(personas: Personas, client: Client) -> None:
    for url in _staff_urls(personas):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_an_admin_without_two_factor_in_this_session_is_sent_to_verify(
    personas: Personas, client: Client
) -> None:
    TOTPDeviceFactory(user=personas.admin)
    client.force_login(personas.admin, backend=BACKEND)
    response = client.get(LIST)
    assert redirect_target(response) == ("/accounts/two-factor/verify/", "/accounts/staff/")


def test_staff_list_shows_role_scopes_two_factor_and_last_login(
    personas: Personas, client_for: Any
) -> None:
    response = client_for(personas.admin).get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "district-a@example.org" in page
    assert "District representative" in page
    assert "Distrikt Skåne" in page
    assert "Never" in page  # last login of accounts that never logged in
    rows = {u.email: u for u in response.context["accounts"]}
    assert rows["admin@example.org"].has_two_factor is True
    assert rows["district-a@example.org"].has_two_factor is False


def test_staff_list_query_count_does_not_grow_with_accounts(
    personas: Personas, world: World, client_for: Any
) -> None:
    client = client_for(personas.admin)
    client.get(LIST)
    with CaptureQueriesContext(connection) as before:
        client.get(LIST)
    for _ in range(5):
        user = UserFactory(access_role=User.AccessRole.DISTRICT)
        AccessScopeFactory(user=user, unit=world.district_b)
        TOTPDeviceFactory(user=user)
    with CaptureQueriesContext(connection) as after:
        client.get(LIST)
    # session, user, OTP device, viewer scope, accounts, their scopes with units
    assert len(after) == len(before) == 6


def test_admin_invites_through_the_form(
    personas: Personas, world: World, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            INVITE,
            {
                "email": "Ny@Example.org",
                "name": "Ny Person",
                "language": "sv",
                "access_role": User.AccessRole.COORDINATOR,
                "scope_units": [world.group_a1.pk, world.group_a2.pk],
            },
        )
    assert response["Location"] == LIST
    user = User.objects.get(email="ny@example.org")
    assert user.language == "sv"
    assert set(user.scopes.values_list("unit_id", flat=True)) == {
        world.group_a1.pk,
        world.group_a2.pk,
    }
    assert len(mail.outbox) == 1
    assert "ny@example.org" in client.get(LIST).content.decode()


def test_reinviting_an_existing_email_is_a_form_error(personas: Personas, client_for: Any) -> None:
    response = client_for(personas.admin).post(
        INVITE,
        {
            "email": "District-A@example.org",
            "name": "Again",
            "language": "en",
            "access_role": User.AccessRole.BOARD,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["email"] == ["An account with this email address already exists."]
    assert 'id="id_email_error"' in response.content.decode()


def test_invite_form_requires_scope_units_for_a_coordinator(
    personas: Personas, client_for: Any
) -> None:
    response = client_for(personas.admin).post(
        INVITE,
        {
            "email": "c@example.org",
            "name": "C",
            "language": "en",
            "access_role": User.AccessRole.COORDINATOR,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["scope_units"]
    assert not User.objects.filter(email="c@example.org").exists()


def test_invite_form_refuses_an_unknown_person_id(personas: Personas, client_for: Any) -> None:
    response = client_for(personas.admin).post(
        INVITE,
        {
            "email": "c@example.org",
            "name": "C",
            "language": "en",
            "access_role": User.AccessRole.BOARD,
            "person": 999999,
        },
    )
    assert response.context["form"].errors["person"] == ["There is no person with this id."]


def test_admin_changes_role_and_scopes(personas: Personas, world: World, client_for: Any) -> None:
    account = personas.district_a
    url = f"/accounts/staff/{account.pk}/"
    client = client_for(personas.admin)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["scope_units"] == [world.district_a.pk]
    response = client.post(
        url,
        {
            "access_role": User.AccessRole.COORDINATOR,
            "scope_units": [world.group_b1.pk],
            "is_active": "on",
        },
    )
    assert response["Location"] == LIST
    account.refresh_from_db()
    assert account.access_role == User.AccessRole.COORDINATOR
    assert list(AccessScope.objects.filter(user=account).values_list("unit_id", flat=True)) == [
        world.group_b1.pk
    ]
    assert AuditEvent.objects.filter(verb="account.access_changed", actor=personas.admin).exists()


def test_admin_deactivates_an_account_which_then_cannot_log_in(
    personas: Personas, world: World, client_for: Any
) -> None:
    account = personas.district_a
    victim = client_for(account)
    assert victim.get("/").status_code == 200
    client_for(personas.admin).post(
        f"/accounts/staff/{account.pk}/",
        {"access_role": User.AccessRole.DISTRICT, "scope_units": [world.district_a.pk]},
    )
    account.refresh_from_db()
    assert account.is_active is False
    assert AuditEvent.objects.filter(verb="account.deactivated").exists()
    assert victim.get("/")["Location"].startswith("/accounts/login/")


def test_admin_cannot_deactivate_themselves(personas: Personas, client_for: Any) -> None:
    response = client_for(personas.admin).post(
        f"/accounts/staff/{personas.admin.pk}/", {"access_role": User.AccessRole.ADMIN}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["access_role"]
    personas.admin.refresh_from_db()
    assert personas.admin.is_active


def test_unknown_account_is_404(personas: Personas, client_for: Any) -> None:
    assert client_for(personas.admin).get("/accounts/staff/999999/").status_code == 404


def test_admin_resends_a_pending_invitation(
    personas: Personas, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    pending = UserFactory(email="pending@example.org", access_role=User.AccessRole.BOARD)
    pending.set_unusable_password()
    pending.save()
    client = client_for(personas.admin)
    assert "Send a new invitation" in client.get(f"/accounts/staff/{pending.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/accounts/staff/{pending.pk}/resend-invitation/")
    assert response["Location"] == f"/accounts/staff/{pending.pk}/"
    assert [m.to for m in mail.outbox] == [["pending@example.org"]]
    assert AuditEvent.objects.filter(verb="account.invitation_resent").exists()


def test_resend_is_refused_for_an_account_that_accepted(
    personas: Personas, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(personas.admin).post(f"/accounts/staff/{personas.board.pk}/resend-invitation/")
    assert mail.outbox == []


def test_admin_resets_a_lost_phone(personas: Personas, client_for: Any) -> None:
    staff_client = client_for(personas.staff)  # has a verified device
    assert staff_client.get("/").status_code == 200
    response = client_for(personas.admin).post(
        f"/accounts/staff/{personas.staff.pk}/reset-two-factor/"
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="account.two_factor_reset").exists()
    assert staff_client.get("/")["Location"].startswith("/accounts/two-factor/setup/")
