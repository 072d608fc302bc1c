"""View guards: for the accounts pages (which the two-factor middleware lets through), and
the access guards every staff page uses (``people_viewer_required``, ``national_required``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from aktivist.accounts.access import scope_for
from aktivist.accounts.two_factor import has_device

View = Callable[..., HttpResponse]


def is_verified(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def two_factor_target(user: Any) -> str | None:
    """Where a logged-in user must go before anything else: verify a code (the account has a
    device), set one up (its role requires one), or None."""
    if not user.is_authenticated or is_verified(user):
        return None
    if has_device(user):
        return "accounts:two_factor_verify"
    if getattr(user, "requires_two_factor", False):
        return "accounts:two_factor_setup"
    return None


def redirect_with_next(url_name: str, next_url: str) -> HttpResponseRedirect:
    url = reverse(url_name)
    if next_url:
        url += "?" + urlencode({REDIRECT_FIELD_NAME: next_url})
    return HttpResponseRedirect(url)


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` parameter if it points to this site, else ``default``."""
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def verified_login_required(view: View) -> View:
    """Logged in and, where two-factor applies, verified in this session."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        target = two_factor_target(request.user)
        if target:
            return redirect_with_next(target, request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def admin_required(view: View) -> View:
    """Secretariat admins only: anonymous → login, anyone else → 404 (never 403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not scope_for(request.user).is_admin:
            raise Http404
        target = two_factor_target(request.user)
        if target:
            return redirect_with_next(target, request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def people_viewer_required(view: View) -> View:
    """Logged in, and an access role that sees people (not the board viewer). Anyone else
    gets the 404 page: a page they may not use is answered as if it did not exist."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_for(request.user).sees_people:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def national_required(view: View) -> View:
    """Secretariat admins and staff only (others: 404)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_for(request.user).is_national:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)
