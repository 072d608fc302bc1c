from __future__ import annotations

from typing import Any

from django.test import Client

from aktivist.accounts.tests.factories import TOTPDeviceFactory
from aktivist.conftest import Personas


def test_django_admin_is_open_to_an_admin_who_passed_two_factor(
    personas: Personas, client_for: Any
) -> None:
    client = client_for(personas.admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get(f"/admin/accounts/user/{personas.staff.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/accessscope/").status_code == 200


def test_django_admin_sends_an_admin_without_two_factor_to_verify(
    personas: Personas, client: Client
) -> None:
    TOTPDeviceFactory(user=personas.admin)
    client.force_login(personas.admin, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/verify/")


def test_django_admin_is_closed_to_everyone_else(personas: Personas, client_for: Any) -> None:
    for name in ("staff", "district_a", "coordinator_a1", "board"):
        client = client_for(getattr(personas, name))
        for url in ("/admin/", "/admin/accounts/user/"):
            response = client.get(url, follow=True)
            assert response.status_code in (200, 404), (name, url)
            # Followed to the end, the answer is a login form or "not found", never the admin.
            assert "Site administration" not in response.content.decode(), (name, url)
            assert response.redirect_chain == [] or "login" in response.redirect_chain[-1][0]


def test_accounts_cannot_be_added_or_deleted_in_the_django_admin(
    personas: Personas, client_for: Any
) -> None:
    client = client_for(personas.admin)
    assert client.get("/admin/accounts/user/add/").status_code == 403
    assert client.get(f"/admin/accounts/user/{personas.staff.pk}/delete/").status_code == 403
