from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from aktivist.accounts.models import User
from aktivist.accounts.services import user_invite
from aktivist.accounts.tests.factories import redirect_target
from aktivist.conftest import Personas, World
from aktivist.core.models import AuditEvent

LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/[^/\s]+/[^/\s]+/)")
PASSWORD = "a-long-fresh-secret-7"


def _invite(
    personas: Personas, capture: Any, *, role: str = User.AccessRole.DISTRICT, units: Any = ()
) -> tuple[User, str]:
    with capture(execute=True):
        user = user_invite(
            actor=personas.admin,
            email="new@example.org",
            name="New Person",
            access_role=role,
            scope_units=list(units),
        )
    match = LINK.search(str(mail.outbox[-1].body))
    assert match
    return user, match.group(1)


def _accept(client: Client, link: str) -> Any:
    response = client.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    assert "set-password" in form_url
    return client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})


def test_invitation_link_sets_the_password_and_logs_in(
    personas: Personas, world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # A board viewer sees no personal data: no second factor, straight to the start page.
    user, link = _invite(personas, django_capture_on_commit_callbacks, role=User.AccessRole.BOARD)
    response = _accept(client, link)
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(verb="account.invitation_accepted", actor=user).exists()
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (User.AccessRole.STAFF, None),
        (User.AccessRole.DISTRICT, "district_a"),
        (User.AccessRole.COORDINATOR, "group_a1"),
    ],
)
def test_invitee_whose_role_sees_personal_data_is_sent_on_to_set_up_two_factor(
    personas: Personas,
    world: World,
    client: Client,
    django_capture_on_commit_callbacks: Any,
    role: str,
    unit: str | None,
) -> None:
    units = [getattr(world, unit)] if unit else []
    _user, link = _invite(personas, django_capture_on_commit_callbacks, role=role, units=units)
    response = _accept(client, link)
    assert redirect_target(response) == ("/accounts/two-factor/setup/", "/")
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert "QR code" in response.content.decode()
    # Nothing else opens before the second factor is set up.
    assert redirect_target(client.get("/people/")) == ("/accounts/two-factor/setup/", "/people/")


def test_a_used_invitation_link_shows_a_clear_page(
    personas: Personas, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    _user, link = _invite(personas, django_capture_on_commit_callbacks, role=User.AccessRole.BOARD)
    _accept(client, link)
    client.logout()
    response = client.get(link)
    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert "This invitation link does not work" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/invitation/MQ/not-a-token/",
        "/accounts/invitation/!!!/x-y/",
        "/accounts/invitation/OTk5OTk5/abc-def/",
        "/accounts/invitation/MQ/set-password/",
    ],
)
def test_a_forged_invitation_link_shows_a_clear_page(
    personas: Personas, client: Client, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "This invitation link does not work" in response.content.decode()
    response = client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_invitation_for_a_deactivated_account_does_not_work(
    personas: Personas, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    user, link = _invite(personas, django_capture_on_commit_callbacks, role=User.AccessRole.BOARD)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(link)
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_a_weak_password_is_refused_with_a_field_error(
    personas: Personas, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    user, link = _invite(personas, django_capture_on_commit_callbacks, role=User.AccessRole.BOARD)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert 'aria-invalid="true"' in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()
