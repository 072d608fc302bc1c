from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from aktivist.accounts.models import AccessScope, User
from aktivist.accounts.services import user_invite
from aktivist.conftest import Personas, World
from aktivist.core.models import AuditEvent
from aktivist.organisation.tests.factories import RoleFactory
from aktivist.people.tests.factories import PersonFactory


def test_invite_creates_account_scopes_audit_event_and_email(
    personas: Personas, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user = user_invite(
            actor=personas.admin,
            email=" Nils@Example.org ",
            name="Nils Nilsson",
            access_role=User.AccessRole.DISTRICT,
            scope_units=[world.district_a],
            language="en",
        )
    user.refresh_from_db()
    assert user.email == "nils@example.org"
    assert not user.has_usable_password()
    assert user.invited_by == personas.admin
    assert not user.is_staff
    assert list(AccessScope.objects.filter(user=user).values_list("unit_id", flat=True)) == [
        world.district_a.pk
    ]
    event = AuditEvent.objects.get(verb="account.invited")
    assert event.actor == personas.admin
    assert event.object_id == str(user.pk)
    assert event.details["scope_unit_ids"] == [world.district_a.pk]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nils@example.org"]
    assert message.subject == "You are invited to Aktivist"
    assert "/accounts/invitation/" in message.body
    assert "District representative" in message.body


def test_no_email_leaves_before_the_transaction_commits(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user_invite(
            actor=personas.admin,
            email="later@example.org",
            name="Later",
            access_role=User.AccessRole.BOARD,
            scope_units=[],
        )
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_reinviting_an_existing_email_is_refused_whatever_its_case(personas: Personas) -> None:
    with pytest.raises(ValidationError) as exc:
        user_invite(
            actor=personas.admin,
            email="STAFF@example.org",
            name="Again",
            access_role=User.AccessRole.STAFF,
            scope_units=[],
        )
    assert "email" in exc.value.message_dict
    assert User.objects.filter(email__iexact="staff@example.org").count() == 1


@pytest.mark.parametrize("role", [User.AccessRole.DISTRICT, User.AccessRole.COORDINATOR])
def test_scoped_roles_need_a_scope_unit(personas: Personas, role: str) -> None:
    with pytest.raises(ValidationError) as exc:
        user_invite(
            actor=personas.admin, email="x@example.org", name="X", access_role=role, scope_units=[]
        )
    assert "scope_units" in exc.value.message_dict
    assert not User.objects.filter(email="x@example.org").exists()


def test_national_roles_take_no_scope_units(personas: Personas, world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        user_invite(
            actor=personas.admin,
            email="x@example.org",
            name="X",
            access_role=User.AccessRole.STAFF,
            scope_units=[world.district_a],
        )
    assert "scope_units" in exc.value.message_dict


def test_admins_may_use_the_django_admin(personas: Personas) -> None:
    user = user_invite(
        actor=personas.admin,
        email="boss@example.org",
        name="Boss",
        access_role=User.AccessRole.ADMIN,
        scope_units=[],
    )
    assert user.is_staff and user.is_superuser


def test_access_granted_for_a_role_links_its_person_and_can_end_with_it(
    personas: Personas, world: World
) -> None:
    role = RoleFactory(unit=world.group_a1)
    user = user_invite(
        actor=personas.admin,
        email="coord@example.org",
        name="Coord",
        access_role=User.AccessRole.COORDINATOR,
        scope_units=[world.group_a1],
        role=role,
        ends_with_role=True,
    )
    assert user.person == role.person
    scope = AccessScope.objects.get(user=user)
    assert scope.role == role and scope.ends_with_role


def test_role_must_belong_to_the_linked_person(personas: Personas, world: World) -> None:
    role = RoleFactory(unit=world.group_a1)
    with pytest.raises(ValidationError) as exc:
        user_invite(
            actor=personas.admin,
            email="coord@example.org",
            name="Coord",
            access_role=User.AccessRole.COORDINATOR,
            scope_units=[world.group_a1],
            person=PersonFactory(),
            role=role,
        )
    assert "role" in exc.value.message_dict


def test_ends_with_role_needs_a_role(personas: Personas, world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        user_invite(
            actor=personas.admin,
            email="coord@example.org",
            name="Coord",
            access_role=User.AccessRole.COORDINATOR,
            scope_units=[world.group_a1],
            ends_with_role=True,
        )
    assert "ends_with_role" in exc.value.message_dict


def test_a_person_can_have_only_one_account(personas: Personas, world: World) -> None:
    personas.staff.person = world.member_a1
    personas.staff.save()
    with pytest.raises(ValidationError) as exc:
        user_invite(
            actor=personas.admin,
            email="second@example.org",
            name="Second",
            access_role=User.AccessRole.BOARD,
            scope_units=[],
            person=world.member_a1,
        )
    assert "person" in exc.value.message_dict
