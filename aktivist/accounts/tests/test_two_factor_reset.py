"""Resetting a lost second factor: a district representative for the coordinators of their
district, an admin for anyone but themselves; audited, and the account is told by email."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts import services
from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import AccessScopeFactory, UserFactory, redirect_target
from aktivist.conftest import Personas, World, login
from aktivist.core.models import AuditEvent

COORDINATORS = "/accounts/coordinators/"
SETUP = "/accounts/two-factor/setup/"


def _reset_url(user: User) -> str:
    return f"{COORDINATORS}{user.pk}/reset-two-factor/"


def _with_second_factor(user: User) -> Client:
    """A verified session of the account, which also has recovery codes."""
    client = login(Client(), user)
    services.recovery_codes_generate(user=user)
    return client


def _has_devices(user: User) -> bool:
    return (
        TOTPDevice.objects.filter(user=user).exists()
        or StaticDevice.objects.filter(user=user).exists()
    )


def test_district_rep_sees_the_coordinators_of_their_district_only(
    personas: Personas, world: World, client_for: Any
) -> None:
    _with_second_factor(personas.coordinator_a1)
    response = client_for(personas.district_a).get(COORDINATORS)
    assert response.status_code == 200
    page = response.content.decode()
    assert personas.coordinator_a1.email in page
    assert _reset_url(personas.coordinator_a1) in page
    for other in (personas.coordinator_b1, personas.staff, personas.admin, personas.board):
        assert other.email not in page
    me = client_for(personas.district_a).get("/accounts/me/").content.decode()
    assert f'href="{COORDINATORS}"' in me


@pytest.mark.parametrize("persona", ["admin", "staff", "coordinator_a1", "board", "dpo"])
def test_the_coordinator_pages_are_for_district_representatives_only(
    personas: Personas, client_for: Any, persona: str
) -> None:
    client = client_for(getattr(personas, persona))
    assert client.get(COORDINATORS).status_code == 404
    assert client.post(_reset_url(personas.coordinator_a1)).status_code == 404
    assert not AuditEvent.objects.filter(verb="account.two_factor_reset").exists()


def test_district_rep_resets_a_coordinators_second_factor_audited_and_emailed(
    personas: Personas, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    coordinator = personas.coordinator_a1
    coordinator_client = _with_second_factor(coordinator)
    assert coordinator_client.get("/people/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.district_a).post(_reset_url(coordinator))
    assert response.status_code == 302
    assert response["Location"] == COORDINATORS
    assert not _has_devices(coordinator)
    event = AuditEvent.objects.get(verb="account.two_factor_reset")
    assert event.actor_id == personas.district_a.pk
    assert event.object_id == str(coordinator.pk)
    assert event.details["by_role"] == User.AccessRole.DISTRICT
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    body = str(mail.outbox[0].body)
    assert "/accounts/login/" in body
    assert personas.district_a.name in body

    # The coordinator's open session now leads to setting up a new device.
    assert redirect_target(coordinator_client.get("/people/")) == (SETUP, "/people/")


@pytest.mark.parametrize("target", ["coordinator_b1", "staff", "admin", "board", "district_a"])
def test_district_rep_cannot_reset_anyone_else(
    personas: Personas, client_for: Any, target: str
) -> None:
    account = getattr(personas, target)
    _with_second_factor(account)
    response = client_for(personas.district_a).post(_reset_url(account))
    assert response.status_code == 404
    assert _has_devices(account)
    assert not AuditEvent.objects.filter(verb="account.two_factor_reset").exists()
    assert mail.outbox == []


def test_district_rep_cannot_reset_a_coordinator_who_also_works_in_another_district(
    personas: Personas, world: World, client_for: Any
) -> None:
    both = UserFactory(access_role=User.AccessRole.COORDINATOR, email="both@example.org")
    AccessScopeFactory(user=both, unit=world.group_a1)
    AccessScopeFactory(user=both, unit=world.group_b1)
    _with_second_factor(both)
    client = client_for(personas.district_a)
    assert both.email not in client.get(COORDINATORS).content.decode()
    assert client.post(_reset_url(both)).status_code == 404
    assert _has_devices(both)


def test_the_reset_is_a_post(personas: Personas, client_for: Any) -> None:
    _with_second_factor(personas.coordinator_a1)
    response = client_for(personas.district_a).get(_reset_url(personas.coordinator_a1))
    assert response.status_code == 405
    assert _has_devices(personas.coordinator_a1)


@pytest.mark.parametrize("target", ["coordinator_b1", "district_a", "staff", "dpo"])
def test_an_admin_resets_anyones_second_factor(
    personas: Personas,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
    target: str,
) -> None:
    account = getattr(personas, target)
    _with_second_factor(account)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.admin).post(
            f"/accounts/staff/{account.pk}/reset-two-factor/"
        )
    assert response.status_code == 302
    assert not _has_devices(account)
    assert AuditEvent.objects.filter(
        verb="account.two_factor_reset", actor=personas.admin, object_id=str(account.pk)
    ).exists()
    assert [m.to for m in mail.outbox] == [[account.email]]


def test_an_admin_cannot_reset_their_own_second_factor(personas: Personas, client_for: Any) -> None:
    client = client_for(personas.admin)
    services.recovery_codes_generate(user=personas.admin)
    response = client.post(f"/accounts/staff/{personas.admin.pk}/reset-two-factor/", follow=True)
    assert "You cannot reset your own two-factor authentication." in response.content.decode()
    assert TOTPDevice.objects.filter(user=personas.admin).exists()
    assert StaticDevice.objects.filter(user=personas.admin).exists()
    assert not AuditEvent.objects.filter(verb="account.two_factor_reset").exists()


@pytest.mark.parametrize("actor", ["staff", "coordinator_a1", "board", "dpo"])
def test_the_reset_service_refuses_every_other_actor(personas: Personas, actor: str) -> None:
    _with_second_factor(personas.coordinator_a1)
    with pytest.raises(PermissionDenied):
        services.user_reset_two_factor(actor=getattr(personas, actor), user=personas.coordinator_a1)
    assert _has_devices(personas.coordinator_a1)
