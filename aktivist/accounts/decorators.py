"""View guards: ``requires(capability)`` on every staff page (the capability table is
``accounts/capabilities.py``), ``signed_in`` for pages of any account, ``open_to_anyone``
for public pages; and the two-factor redirects the accounts pages share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.two_factor import has_device

View = Callable[..., HttpResponseBase]
AnyView = TypeVar("AnyView", bound=Callable[..., Any])

# Where a view keeps what it requires: a capability (``requires``), or that it is open to
# every signed-in account or to anyone (``signed_in``, ``open_to_anyone``).
CAPABILITY_ATTR = "capability"
OPEN_TO_ATTR = "open_to"
SIGNED_IN = "signed-in"
ANYONE = "anyone"


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


def _signed_in_and_verified(request: HttpRequest) -> HttpResponseBase | None:
    """The login redirect for an anonymous visitor, the two-factor redirect for an account
    that must pass it first, else None."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    target = two_factor_target(request.user)
    if target:
        return redirect_with_next(target, request.get_full_path())
    return None


def requires(capability: Capability) -> Callable[[View], View]:
    """The one view guard: anonymous → login, an account without ``capability`` → 404
    (never 403: a page they may not use is answered as if it did not exist), an account
    that must pass two-factor first → there. The capability is kept on the view
    (``view.capability``), where the URL check (``accounts/checks.py``) and the access
    matrix read it."""
    capability = Capability(capability)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, capability):
                raise Http404
            return _signed_in_and_verified(request) or view(request, *args, **kwargs)

        wrapped.__dict__[CAPABILITY_ATTR] = capability
        return wrapped

    return decorator


def signed_in(view: View) -> View:
    """Any signed-in account (its own account pages, the start page): anonymous → login,
    then two-factor where it applies."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return _signed_in_and_verified(request) or view(request, *args, **kwargs)

    wrapped.__dict__[OPEN_TO_ATTR] = SIGNED_IN
    return wrapped


def signed_in_before_two_factor(view: View) -> View:
    """Any signed-in account, before it has passed two-factor (the two-factor pages
    themselves): anonymous → login."""
    wrapped = login_required(view)
    wrapped.__dict__[OPEN_TO_ATTR] = SIGNED_IN
    return wrapped


def open_to_anyone(view: AnyView) -> AnyView:
    """A page anyone may open, signed in or not (public forms, login, webhooks): marks the
    view as meant to be open, nothing else."""
    view.__dict__[OPEN_TO_ATTR] = ANYONE
    return view
