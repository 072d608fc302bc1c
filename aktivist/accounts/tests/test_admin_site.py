from __future__ import annotations

from typing import Any

from django.test import Client

from aktivist.accounts.models import User
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


def test_the_admin_lists_two_factor_devices_without_their_secrets(
    personas: Personas, client_for: Any
) -> None:
    from base64 import b32encode

    from django.utils.html import escape
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aktivist.accounts import services

    # A superuser, as the demo admin is: Django's own model permissions would let it in.
    User.objects.filter(pk=personas.admin.pk).update(is_superuser=True)
    device = TOTPDeviceFactory(user=personas.coordinator_a1)
    codes = services.recovery_codes_generate(user=personas.coordinator_a1)
    recovery = StaticDevice.objects.get(user=personas.coordinator_a1)
    secrets = [device.key, b32encode(device.bin_key).decode(), *codes]
    client = client_for(personas.admin)
    pages = [
        "/admin/",
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        "/admin/otp_static/staticdevice/",
        f"/admin/otp_static/staticdevice/{recovery.pk}/change/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert escape(str(personas.coordinator_a1)) in html or url == "/admin/", url
        for secret in secrets:
            assert secret not in html, url
            assert secret.lower() not in html.lower(), url
        assert "otpauth://" not in html, url
        assert "data:image/svg+xml" not in html, url
    # django-otp's own config and QR code pages are gone (the admin's catch-all answers).
    for url in (
        f"/admin/otp_totp/totpdevice/{device.pk}/config/",
        f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/",
        "/admin/otp_static/statictoken/",
    ):
        response = client.get(url, follow=True)
        html = response.content.decode()
        assert response.get("Content-Type", "").startswith("text/html"), url
        assert "otpauth://" not in html and "data:image/svg+xml" not in html, url
        assert not any(secret.lower() in html.lower() for secret in secrets), url
    # No way to change them through the admin either.
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    assert (
        client.post(
            f"/admin/otp_totp/totpdevice/{device.pk}/change/", {"key": "00" * 20}
        ).status_code
        == 403
    )
    device.refresh_from_db()
    assert device.key == secrets[0]
    assert StaticToken.objects.filter(device=recovery).count() == 10
    assert TOTPDevice.objects.filter(user=personas.coordinator_a1).count() == 1
