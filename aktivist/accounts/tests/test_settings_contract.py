"""Settings the accounts app relies on."""

from __future__ import annotations

from django.conf import settings


def test_axes_counts_failures_per_lower_cased_email() -> None:
    assert settings.AXES_USERNAME_CALLABLE == "aktivist.accounts.axes.axes_username"


def test_axes_username_normalises_the_posted_email() -> None:
    from django.test import RequestFactory

    from aktivist.accounts.axes import axes_username

    request = RequestFactory().post("/accounts/login/", {"username": " Maja@Example.org"})
    assert axes_username(request) == "maja@example.org"
    assert axes_username(request, {"username": "MAJA@example.org"}) == "maja@example.org"
    assert axes_username(request, {"email": "Maja@example.org"}) == "maja@example.org"
    assert axes_username(RequestFactory().post("/", {})) is None
