"""The capability table, the one view guard and the URL check (aktivist.E010)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.test import override_settings

from aktivist.accounts.capabilities import GRANTS, Capability, can, require
from aktivist.accounts.checks import check_views_declare_access
from aktivist.accounts.models import User

pytestmark = pytest.mark.django_db


def test_every_capability_is_granted_to_someone():
    granted = set().union(*GRANTS.values())
    assert granted == set(Capability)
    assert set(GRANTS) == set(User.AccessRole.values)


def test_scoped_roles_need_a_scope_unit(personas, world):
    assert can(personas.district_a, Capability.PEOPLE_VIEW)
    personas.district_a.scopes.all().delete()
    del personas.district_a._aktivist_scope
    assert not can(personas.district_a, Capability.PEOPLE_VIEW)
    # Helping the district's coordinators is about accounts, not people.
    assert can(personas.district_a, Capability.COORDINATORS_HELP)


def test_anonymous_and_inactive_accounts_can_nothing(personas, world):
    from django.contrib.auth.models import AnonymousUser

    assert not any(can(AnonymousUser(), c) for c in Capability)
    assert not any(can(None, c) for c in Capability)
    admin = personas.admin
    admin.is_active = False
    assert not any(can(admin, c) for c in Capability)


def test_require_refuses_with_permission_denied(personas, world):
    require(personas.admin, Capability.ACCOUNTS_MANAGE)
    with pytest.raises(PermissionDenied):
        require(personas.staff, Capability.ACCOUNTS_MANAGE)


def test_the_template_filter_reads_the_table(personas, world):
    template = Template('{% load capabilities %}{% if user|can:"urgent.send" %}yes{% endif %}')
    assert template.render(Context({"user": personas.staff})) == "yes"
    assert template.render(Context({"user": personas.district_a})) == ""


def test_the_guard_keeps_its_capability_on_the_view():
    from aktivist.people import views_review

    assert views_review.review_list.capability == Capability.REVIEW_RESOLVE


def test_the_url_check_passes_on_the_real_urls():
    assert check_views_declare_access() == []


@override_settings(ROOT_URLCONF="aktivist.accounts.tests.urls_undeclared")
def test_the_url_check_names_a_view_that_declares_nothing():
    errors = check_views_declare_access()
    assert [e.id for e in errors] == ["aktivist.E010"]
    assert "/forgotten/" in errors[0].msg and "forgotten" in errors[0].obj


def test_the_guard_answers_login_404_or_the_page(personas, world, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from aktivist.accounts.tests.urls_undeclared import guarded

    def get(user):
        request = rf.get("/guarded/")
        request.user = user
        return guarded(request)

    assert get(AnonymousUser())["Location"].startswith("/accounts/login/")
    with pytest.raises(Http404):
        get(personas.board)
    personas.staff.is_verified = lambda: True  # two-factor passed in this session
    assert get(personas.staff).content == b"people"
    assert guarded.capability == Capability.PEOPLE_VIEW
