"""On a phone: the district representative finds the school groups, opens one, searches for
a teacher within the district and makes her the contact — axe-core on the pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from aktivist.conftest import assert_accessible, login
from aktivist.organisation.models import Unit
from aktivist.organisation.tests.factories import UnitFactory, UnitMembershipFactory
from aktivist.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_a_district_sets_a_school_groups_contact_on_a_phone(
    phone_page, live_server, personas, world
):
    school = UnitFactory(
        name="Skolgrupp Katedralskolan", kind=Unit.Kind.SCHOOL_GROUP, parent=world.district_a
    )
    UnitMembershipFactory(unit=school, person=PersonFactory(birth_year=2009))
    teacher = PersonFactory(first_name="Karin", last_name="Lärare", home_unit=world.district_a)
    page = phone_page
    _log_in(page, live_server, personas.district_a)

    page.goto("/units/?kind=school_group")
    assert page.get_by_text("Skolgrupp Katedralskolan").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Skolgrupp Katedralskolan").click()
    page.wait_for_url(f"**/units/{school.pk}/")
    assert_accessible(page)

    page.locator("#school summary").click()
    page.fill("#contact-q", "Karin")
    page.locator("#school form[role=search] button").click()
    page.wait_for_url("**contact_q=Karin**")
    page.fill("#id_school_name", "Katedralskolan")
    page.check(f"input[name=contact_person][value='{teacher.pk}']")
    assert_accessible(page)
    page.locator("#school form[method=post] button[type=submit]").click()
    page.wait_for_selector(".message--success")
    assert page.locator("#school").get_by_role("link", name="Karin Lärare").is_visible()
    school.refresh_from_db()
    assert (school.school_name, school.contact_person_id) == ("Katedralskolan", teacher.pk)
