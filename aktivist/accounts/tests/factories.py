from __future__ import annotations

from typing import Any

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts.models import AccessScope, User


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    name = factory.Faker("name", locale="sv_SE")
    access_role = User.AccessRole.STAFF
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AccessScopeFactory(factory.django.DjangoModelFactory[AccessScope]):
    class Meta:
        model = AccessScope

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory("aktivist.organisation.tests.factories.UnitFactory")


class TOTPDeviceFactory(factory.django.DjangoModelFactory[TOTPDevice]):
    """A confirmed authenticator-app device (django-otp generates the key)."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True


def totp_token(device: TOTPDevice) -> str:
    """The code the device's app shows right now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def redirect_target(response: Any) -> tuple[str, str | None]:
    """A redirect's path and its ``next`` parameter, however the ``next`` is encoded."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query).get("next", [None])[0]
