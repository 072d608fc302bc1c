from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import AccessScope, User
from aktivist.accounts.services import user_update_access
from aktivist.accounts.tests.factories import UserFactory
from aktivist.conftest import Personas, World
from aktivist.core.models import AuditEvent


def test_update_replaces_scopes_and_audits_before_and_after(
    personas: Personas, world: World
) -> None:
    user = personas.district_a
    scope_for(user)  # cached on the object
    user_update_access(
        actor=personas.admin,
        user=user,
        access_role=User.AccessRole.DISTRICT,
        scope_units=[world.district_a, world.district_b],
    )
    assert set(AccessScope.objects.filter(user=user).values_list("unit_id", flat=True)) == {
        world.district_a.pk,
        world.district_b.pk,
    }
    assert len(scope_for(user).unit_ids) == 2  # the cached scope was forgotten
    event = AuditEvent.objects.get(verb="account.access_changed")
    assert event.details["before"]["scope_unit_ids"] == [world.district_a.pk]
    assert event.details["after"]["scope_unit_ids"] == sorted(
        [world.district_a.pk, world.district_b.pk]
    )


def test_promotion_to_admin_opens_the_django_admin_and_demotion_closes_it(
    personas: Personas,
) -> None:
    user = user_update_access(
        actor=personas.admin, user=personas.board, access_role=User.AccessRole.ADMIN, scope_units=[]
    )
    assert user.is_staff and user.is_superuser
    user = user_update_access(
        actor=personas.admin, user=user, access_role=User.AccessRole.STAFF, scope_units=[]
    )
    assert not user.is_staff and not user.is_superuser


def test_moving_to_a_national_role_needs_the_scope_units_cleared(
    personas: Personas, world: World
) -> None:
    with pytest.raises(ValidationError) as exc:
        user_update_access(
            actor=personas.admin,
            user=personas.district_a,
            access_role=User.AccessRole.STAFF,
            scope_units=[world.district_a],
        )
    assert "scope_units" in exc.value.message_dict


def test_the_last_active_admin_cannot_be_removed(personas: Personas) -> None:
    other = UserFactory(access_role=User.AccessRole.ADMIN)
    # another admin may demote the first one while a second admin exists …
    user_update_access(
        actor=other, user=personas.admin, access_role=User.AccessRole.STAFF, scope_units=[]
    )
    # … but not the last one
    with pytest.raises(ValidationError):
        user_update_access(
            actor=personas.admin, user=other, access_role=User.AccessRole.STAFF, scope_units=[]
        )


def test_an_admin_cannot_demote_or_deactivate_themselves(personas: Personas) -> None:
    UserFactory(access_role=User.AccessRole.ADMIN)
    with pytest.raises(ValidationError):
        user_update_access(
            actor=personas.admin,
            user=personas.admin,
            access_role=User.AccessRole.ADMIN,
            scope_units=[],
            is_active=False,
        )


def test_reactivation_is_audited(personas: Personas, world: World) -> None:
    kwargs = {
        "actor": personas.admin,
        "user": personas.district_a,
        "access_role": User.AccessRole.DISTRICT,
        "scope_units": [world.district_a],
    }
    user_update_access(**kwargs, is_active=False)
    user_update_access(**kwargs, is_active=True)
    verbs = list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))
    assert verbs == ["account.deactivated", "account.reactivated"]
