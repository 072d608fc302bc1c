"""The URL check (``aktivist.E010``): every view of this project declares who may open it —
a capability (``accounts.decorators.requires``), every signed-in account (``signed_in``,
``signed_in_before_two_factor``) or anyone (``open_to_anyone``). A page added without one
fails ``manage.py check`` (and so ``make lint``) instead of being open by accident. Registered
in ``AccountsConfig.ready``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.checks import Error
from django.urls import URLPattern, URLResolver, get_resolver

from aktivist.accounts.decorators import CAPABILITY_ATTR, OPEN_TO_ATTR

# URL includes of other packages, by namespace, each with the reason its own rule is enough.
THIRD_PARTY_NAMESPACES: dict[str, str] = {
    "admin": "the Django admin: only admins after two-factor (accounts/admin_site.py "
    "restricts the site's has_permission; each model admin asks the same)",
    "anymail": "email providers' webhooks (mobilization/urls_email.py): anymail checks "
    "the basic-auth secret (ANYMAIL) or the provider's signature",
}
# Views of other packages outside such an include, by module, with the reason.
THIRD_PARTY_MODULES: dict[str, str] = {
    "django.views.i18n": "the language switch: sets a cookie, reads no data",
}


def _patterns(
    resolver: URLResolver, prefix: str = "", namespace: str | None = None
) -> Iterator[tuple[str, str | None, Any]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            yield from _patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry.callback


def _module(view: Any) -> str:
    return str(getattr(getattr(view, "view_class", view), "__module__", "") or "")


def declares_access(view: Any) -> bool:
    return bool(getattr(view, CAPABILITY_ATTR, None) or getattr(view, OPEN_TO_ATTR, None))


def undeclared_views(urlconf: str | None = None) -> list[tuple[str, str]]:
    """(route, view) of every view that says nothing about who may open it: a view of
    this project without a capability or marker, or another package's view that is not
    listed above."""
    found = []
    for route, namespace, view in _patterns(get_resolver(urlconf)):
        module = _module(view)
        if namespace in THIRD_PARTY_NAMESPACES or module in THIRD_PARTY_MODULES:
            continue
        if not module.startswith("aktivist.") or not declares_access(view):
            found.append((route, f"{module}.{getattr(view, '__qualname__', view)}"))
    return found


def check_views_declare_access(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(
            f"The view {name} at /{route} declares no capability.",
            hint="Decorate it with accounts.decorators.requires(Capability.…), signed_in or "
            "open_to_anyone; a view of another package goes into accounts.checks.THIRD_PARTY_* "
            "with the reason its own rule is enough.",
            obj=name,
            id="aktivist.E010",
        )
        for route, name in undeclared_views()
    ]
