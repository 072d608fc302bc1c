"""The demo staff accounts: one per access role, all with the one published demo password;
the accounts that must use two-factor get a confirmed TOTP device with a fixed secret."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts.models import TWO_FACTOR_ROLES, AccessScope, User
from aktivist.organisation.models import Role
from aktivist.people.models import Person

DEMO_PASSWORD = "aktivist-demo-2026"  # noqa: S105 - a published demo password, by design


@dataclass(frozen=True)
class DemoAccount:
    key: str
    email: str
    name: str
    access_role: str
    description: str
    # ("district", region) or ("group", town): the scope unit, whose role the account's
    # person holds (district representative / group contact).
    scope: tuple[str, str] | None = None

    @property
    def needs_two_factor(self) -> bool:
        return self.access_role in TWO_FACTOR_ROLES


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "admin", "admin@example.org", "Demo admin", User.AccessRole.ADMIN, "Secretariat admin"
    ),
    DemoAccount(
        "staff", "staff@example.org", "Demo staff", User.AccessRole.STAFF, "Secretariat staff"
    ),
    DemoAccount(
        "district",
        "ombud.skane@example.org",
        "Demo district representative",
        User.AccessRole.DISTRICT,
        "District representative, Skåne",
        ("district", "Skåne"),
    ),
    DemoAccount(
        "coordinator",
        "samordnare.malmo@example.org",
        "Demo coordinator Malmö",
        User.AccessRole.COORDINATOR,
        "Group coordinator, Grupp Malmö (Skåne)",
        ("group", "Malmö"),
    ),
    DemoAccount(
        "coordinator_other",
        "samordnare.umea@example.org",
        "Demo coordinator Umeå",
        User.AccessRole.COORDINATOR,
        "Group coordinator, Grupp Umeå (Västerbotten)",
        ("group", "Umeå"),
    ),
    DemoAccount(
        "board", "styrelsen@example.org", "Demo board viewer", User.AccessRole.BOARD, "Board viewer"
    ),
)
DEMO_EMAILS = tuple(a.email for a in DEMO_ACCOUNTS)


def demo_account(key: str) -> DemoAccount:
    return next(a for a in DEMO_ACCOUNTS if a.key == key)


def totp_key(email: str) -> str:
    """A fixed 20-byte TOTP secret (hex) per demo account, so printed secrets keep working
    after the demo data is rebuilt. Demo only: anyone can compute it."""
    return hashlib.sha1(f"aktivist-demo-totp:{email}".encode(), usedforsecurity=False).hexdigest()


def ensure_demo_accounts() -> dict[str, User]:
    """The demo staff accounts with the one demo password; two-factor accounts get a
    confirmed TOTP device with a fixed secret."""
    users = {}
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first() or User(email=account.email)
        user.name = account.name
        user.access_role = account.access_role
        user.is_active = True
        user.is_staff = account.access_role == User.AccessRole.ADMIN
        user.is_superuser = account.access_role == User.AccessRole.ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
        if account.needs_two_factor:
            device = TOTPDevice.objects.filter(user=user, name="Demo").first()
            if device is None:
                device = TOTPDevice(user=user, name="Demo")
            device.key = totp_key(account.email)
            device.confirmed = True
            device.save()
        users[account.key] = user
    return users


def ensure_demo_two_factor() -> int:
    """Give each existing demo account that must use two-factor but has no confirmed device
    the fixed demo device (a demo database made before its role needed two-factor).
    Returns how many were given one."""
    given = 0
    for account in DEMO_ACCOUNTS:
        if not account.needs_two_factor:
            continue
        user = User.objects.filter(email=account.email, access_role=account.access_role).first()
        if user is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            continue
        TOTPDevice.objects.create(
            user=user, name="Demo", key=totp_key(account.email), confirmed=True
        )
        given += 1
    return given


def link_accounts(users: dict[str, User], account_roles: dict[str, tuple[int, int, int]]) -> None:
    """Accounts of the district representative and the coordinators are linked to the
    people who hold the matching role (``account_roles``: key -> person, unit, role type);
    their scope ends with that role. The other accounts have no scope."""
    for key, (pid, unit_id, role_type_id) in account_roles.items():
        user = users[key]
        person = Person.objects.get(pk=pid)
        role = Role.objects.get(
            person_id=pid, unit_id=unit_id, role_type_id=role_type_id, ended_on__isnull=True
        )
        User.objects.filter(person=person).exclude(pk=user.pk).update(person=None)
        user.person = person
        user.name = person.full_name
        user.save(update_fields=["person", "name"])
        AccessScope.objects.filter(user=user).exclude(unit_id=unit_id).delete()
        AccessScope.objects.update_or_create(
            user=user, unit_id=unit_id, defaults={"role": role, "ends_with_role": True}
        )
    for account in DEMO_ACCOUNTS:
        if account.scope is None:
            AccessScope.objects.filter(user=users[account.key]).delete()
