from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


class ContentSecurityPolicyMiddleware:
    """Every asset comes from our own origin, on every page: the Django admin's too (its
    scripts are files that read their settings from data attributes, its styles are
    stylesheets: it needs nothing inline)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        return response


# Public pages that show a person their own data (reached by a token, or right after they
# typed it in): never kept by a browser or a proxy.
PERSONAL_PUBLIC_PAGES = frozenset(
    {
        "public:action_thanks",
        "public:action_embed_thanks",
        "public:confirm_email",
        "public:event_thanks",
        "public:event_cancel",
        "public:personal_link",
        "public:personal_link_event",
        "public:unsubscribe",
        "public:preferences",
    }
)


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response that may hold personal data:
    everything a logged-in account gets outside the public pages (pages, partials,
    downloads, redirects) and the public pages that show a person their own data. Neither
    the browser's cache, its back button nor a shared proxy keeps them. Public pages for
    everyone keep their own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        was_authenticated = bool(user is not None and user.is_authenticated)
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match is not None else ""
        public = bool(match is not None and "public" in match.namespaces)
        if name in PERSONAL_PUBLIC_PAGES or (was_authenticated and not public):
            patch_cache_control(response, private=True, no_store=True)
        return response
