"""Who may see what: an account's access role and scope units, computed once per request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aktivist.accounts.models import User


@dataclass(frozen=True)
class Scope:
    role: str
    unit_ids: tuple[int, ...]
    unit_paths: tuple[str, ...]

    @property
    def is_national(self) -> bool:
        return self.role in (User.AccessRole.ADMIN, User.AccessRole.STAFF)

    @property
    def is_admin(self) -> bool:
        return self.role == User.AccessRole.ADMIN

    @property
    def sees_people(self) -> bool:
        if self.role in (User.AccessRole.BOARD, User.AccessRole.DPO):
            return False
        return self.is_national or bool(self.unit_paths)

    @property
    def is_dpo(self) -> bool:
        return self.role == User.AccessRole.DPO

    def covers_path(self, path: str) -> bool:
        return self.is_national or any(path.startswith(p) for p in self.unit_paths)


NO_SCOPE = Scope(role="none", unit_ids=(), unit_paths=())


def scope_for(user: Any) -> Scope:
    """The viewer's scope; cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_aktivist_scope", None)
    if cached is not None:
        return cached
    rows = list(user.scopes.filter(unit__is_active=True).values_list("unit_id", "unit__path"))
    scope = Scope(
        role=user.access_role,
        unit_ids=tuple(r[0] for r in rows),
        unit_paths=tuple(r[1] for r in rows),
    )
    user._aktivist_scope = scope
    return scope


def forget_scope(user: Any) -> None:
    if hasattr(user, "_aktivist_scope"):
        del user._aktivist_scope
