"""Writes to staff accounts: invitations, access changes and two-factor devices.

Every function is keyword-only, runs in one transaction and writes an audit event. Rule
violations raise ``django.core.exceptions.ValidationError`` keyed by the form field they
concern, so a view can hand them straight to its form (``form.add_error(None, exc)``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import django_otp
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts import two_factor
from aktivist.accounts.access import forget_scope
from aktivist.accounts.capabilities import Capability, can
from aktivist.accounts.models import AccessScope, User
from aktivist.core import audit
from aktivist.core.emails import send_transactional
from aktivist.core.exceptions import ApplicationError
from aktivist.people import follow_ups

if TYPE_CHECKING:
    from aktivist.organisation.models import Role, Unit
    from aktivist.people.models import Person

logger = logging.getLogger(__name__)

# Access roles whose view is limited to the subtrees of their scope units.
SCOPED_ROLES = frozenset({User.AccessRole.DISTRICT, User.AccessRole.COORDINATOR})
TOTP_DEVICE_NAME = "Authenticator app"


# --- Access rules ---------------------------------------------------------------------


def _validate_access(
    *,
    user: User | None,
    access_role: str,
    scope_units: list[Unit],
    person: Person | None,
    role: Role | None,
    ends_with_role: bool,
) -> Person | None:
    """Check the rules an account's access must satisfy; return the person to link."""
    errors: dict[str, list[str]] = {}
    if access_role not in User.AccessRole.values:
        errors.setdefault("access_role", []).append(_("Choose a valid access role."))
    if access_role in SCOPED_ROLES and not scope_units:
        errors.setdefault("scope_units", []).append(
            _("District representatives and group coordinators need at least one scope unit.")
        )
    if access_role not in SCOPED_ROLES and scope_units:
        errors.setdefault("scope_units", []).append(
            _("Only district representatives and group coordinators have scope units.")
        )
    if role is not None:
        if role.ended_on is not None:
            errors.setdefault("role", []).append(_("This role has already ended."))
        if person is None:
            person = role.person
        elif role.person_id != person.pk:
            errors.setdefault("role", []).append(_("This role belongs to another person."))
    if ends_with_role and role is None:
        errors.setdefault("ends_with_role", []).append(
            _("Choose the role that the access ends with.")
        )
    if person is not None:
        others = User.objects.filter(person=person)
        if user is not None:
            others = others.exclude(pk=user.pk)
        if others.exists():
            errors.setdefault("person", []).append(_("This person already has an account."))
    if errors:
        raise ValidationError(errors)
    return person


def _sync_admin_flags(user: User) -> None:
    """Secretariat admins may use the Django admin (behind two-factor); nobody else."""
    is_admin = user.access_role == User.AccessRole.ADMIN
    user.is_staff = is_admin
    user.is_superuser = is_admin


def _replace_scopes(
    *, user: User, scope_units: Iterable[Unit], role: Role | None, ends_with_role: bool
) -> None:
    wanted = {unit.pk: unit for unit in scope_units}
    user.scopes.exclude(unit_id__in=wanted).delete()
    existing = set(user.scopes.values_list("unit_id", flat=True))
    user.scopes.filter(unit_id__in=existing).update(role=role, ends_with_role=ends_with_role)
    AccessScope.objects.bulk_create(
        AccessScope(user=user, unit=unit, role=role, ends_with_role=ends_with_role)
        for unit_id, unit in wanted.items()
        if unit_id not in existing
    )
    forget_scope(user)


# --- Invitations ----------------------------------------------------------------------


def invitation_url(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:invitation_accept", kwargs={"uidb64": uidb64, "token": token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


@transaction.atomic
def user_invite(
    *,
    actor: User,
    email: str,
    name: str,
    access_role: str,
    scope_units: Iterable[Unit],
    person: Person | None = None,
    role: Role | None = None,
    ends_with_role: bool = False,
    language: str | None = None,
) -> User:
    """Create a staff account with no usable password and send it an invitation link."""
    email = User.objects.normalize_email(email.strip()).lower()
    units = list(scope_units)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": [_("An account with this email address already exists.")]})
    person = _validate_access(
        user=None,
        access_role=access_role,
        scope_units=units,
        person=person,
        role=role,
        ends_with_role=ends_with_role,
    )
    user = User(
        email=email,
        name=name.strip(),
        access_role=access_role,
        person=person,
        language=language or settings.LANGUAGE_CODE,
        invited_by=actor,
    )
    _sync_admin_flags(user)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    _replace_scopes(user=user, scope_units=units, role=role, ends_with_role=ends_with_role)
    audit.record(
        actor=actor,
        verb="account.invited",
        obj=user,
        person_id=person.pk if person else None,
        details={
            "access_role": access_role,
            "scope_unit_ids": sorted(unit.pk for unit in units),
            "role_id": role.pk if role else None,
            "ends_with_role": ends_with_role,
        },
    )
    _enqueue_invitation(user)
    return user


def _enqueue_invitation(user: User) -> None:
    from aktivist.accounts.tasks import send_invitation

    user_id = user.pk
    transaction.on_commit(lambda: send_invitation.enqueue(user_id))


def user_send_invitation(*, user: User) -> bool:
    """Email the invitation link. Called by the task, after the account was committed."""
    if not user.is_active or user.has_usable_password():
        return False  # deactivated meanwhile, or the invitation was already accepted
    inviter = user.invited_by
    send_transactional(
        "accounts/invitation",
        to=user.email,
        language=user.language,
        context={
            "name": user.name,
            "inviter_name": str(inviter) if inviter else "",
            "access_role": user.get_access_role_display(),
            "url": invitation_url(user),
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "requires_two_factor": user.requires_two_factor,
        },
    )
    return True


@transaction.atomic
def user_invitation_resend(*, actor: User, user: User) -> None:
    if not user.is_active:
        raise ValidationError(_("This account is deactivated."))
    if user.has_usable_password():
        raise ValidationError(_("This account has already accepted its invitation."))
    audit.record(actor=actor, verb="account.invitation_resent", obj=user)
    _enqueue_invitation(user)


@transaction.atomic
def user_accept_invitation(*, user: User, password: str) -> User:
    """The invitee chose a password (already validated by the form)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=user, verb="account.invitation_accepted", obj=user)
    return user


# --- Access changes -------------------------------------------------------------------


@transaction.atomic
def user_update_access(
    *,
    actor: User,
    user: User,
    access_role: str,
    scope_units: Iterable[Unit],
    is_active: bool = True,
    person: Person | None = None,
    role: Role | None = None,
    ends_with_role: bool = False,
) -> User:
    """Change an account's access role, scope units, linked person, or deactivate it."""
    # Lock the account while its access changes; read its current state under the lock.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    user.refresh_from_db(fields=["access_role", "is_active", "person"])
    units = list(scope_units)
    person = _validate_access(
        user=user,
        access_role=access_role,
        scope_units=units,
        person=person,
        role=role,
        ends_with_role=ends_with_role,
    )
    was_admin = user.access_role == User.AccessRole.ADMIN and user.is_active
    stays_admin = access_role == User.AccessRole.ADMIN and is_active
    if user.pk == actor.pk and not stays_admin:
        raise ValidationError(
            {"access_role": [_("You cannot remove your own admin access or deactivate yourself.")]}
        )
    if was_admin and not stays_admin:
        # Lock every admin row, so two admins cannot remove each other at the same time.
        admins = User.objects.select_for_update().filter(
            access_role=User.AccessRole.ADMIN, is_active=True
        )
        if not any(pk != user.pk for pk in admins.values_list("pk", flat=True)):
            raise ValidationError(
                {"access_role": [_("There must always be at least one active admin.")]}
            )

    before = {
        "access_role": user.access_role,
        "is_active": user.is_active,
        "person_id": user.person_id,
        "scope_unit_ids": sorted(user.scopes.values_list("unit_id", flat=True)),
    }
    user.access_role = access_role
    user.is_active = is_active
    user.person = person
    _sync_admin_flags(user)
    user.full_clean(exclude=["password"])
    user.save(update_fields=["access_role", "is_active", "person", "is_staff", "is_superuser"])
    _replace_scopes(user=user, scope_units=units, role=role, ends_with_role=ends_with_role)
    after = {
        "access_role": user.access_role,
        "is_active": user.is_active,
        "person_id": user.person_id,
        "scope_unit_ids": sorted(unit.pk for unit in units),
    }
    if before["is_active"] and not is_active:
        verb = "account.deactivated"
    elif not before["is_active"] and is_active:
        verb = "account.reactivated"
    else:
        verb = "account.access_changed"
    audit.record(
        actor=actor,
        verb=verb,
        obj=user,
        person_id=user.person_id,
        details={
            "before": before,
            "after": after,
            "role_id": role.pk if role else None,
            "ends_with_role": ends_with_role,
        },
    )
    if after != before:
        # Follow-ups about people this account no longer sees pass on (after commit).
        follow_ups.pass_on_after_commit(owner_ids=[user.pk])
    return user


@transaction.atomic
def user_update_preferences(*, user: User, name: str, language: str) -> User:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose a valid language.")]})
    changed = [
        f for f, v in (("name", name.strip()), ("language", language)) if getattr(user, f) != v
    ]
    user.name = name.strip()
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["name", "language"])
    if changed:
        audit.record(
            actor=user, verb="account.preferences_changed", obj=user, details={"fields": changed}
        )
    return user


# --- Two-factor -----------------------------------------------------------------------


def two_factor_pending_device(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device being set up, created on first use. Reloading the set-up
    page shows the same secret; confirming it replaces any earlier device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def two_factor_confirm(*, user: User, device_id: int, token: str) -> TOTPDevice | None:
    """Confirm a pending device with its first code; None when the code is wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(pk=device_id, user=user, confirmed=False)
        .first()
    )
    if device is None or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    replaced = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
    replaced_count = replaced.count()
    replaced.delete()
    audit.record(
        actor=user,
        verb="account.two_factor_enabled",
        obj=user,
        details={"replaced_devices": replaced_count},
    )
    return device


def two_factor_verify(*, user: User, token: str) -> Device | None:
    """The device that accepts this code, or None (django-otp throttles guesses): six digits
    are checked against the authenticator app, anything else against the recovery codes,
    each of which works once."""
    if re.fullmatch(r"\d{6}", token):
        device: Device | None = (
            TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
        )
    else:
        token = two_factor.normalise_recovery_code(token)
        if not two_factor.RECOVERY_CODE.fullmatch(token):
            return None
        device = two_factor.recovery_device(user)
    if device is None:
        return None
    matched = django_otp.verify_token(user, device.persistent_id, token)
    if matched is not None and isinstance(matched, StaticDevice):
        audit.record(
            actor=user,
            verb="account.recovery_code_used",
            obj=user,
            details={"codes_left": two_factor.recovery_codes_left(user)},
        )
    return matched


@transaction.atomic
def recovery_codes_generate(*, user: User) -> list[str]:
    """Ten new recovery codes for the account, replacing any it had. They are returned to be
    shown once; the database keeps them only until each is used."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(
        user=user, name=two_factor.RECOVERY_DEVICE_NAME, confirmed=True
    )
    codes: list[str] = []
    while len(codes) < two_factor.RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit.record(
        actor=user,
        verb="account.recovery_codes_generated",
        obj=user,
        details={"count": len(codes)},
    )
    return codes


def _delete_devices(user: User) -> int:
    totp, _details = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return totp


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Turn off voluntary two-factor. Accounts whose role requires it cannot."""
    if user.requires_two_factor:
        raise ValidationError(_("Your access role requires two-factor authentication."))
    _delete_devices(user)
    audit.record(actor=user, verb="account.two_factor_disabled", obj=user)


def may_reset_two_factor(*, actor: User, user: User) -> bool:
    """Admins reset anyone's second factor; a district representative a coordinator's whose
    every scope unit lies in the representative's district."""
    from aktivist.accounts.selectors import coordinators_in_district_of

    if actor.pk == user.pk or not actor.is_active:
        return False
    if can(actor, Capability.ACCOUNTS_MANAGE):
        return True
    return coordinators_in_district_of(actor).filter(pk=user.pk).exists()


@transaction.atomic
def user_reset_two_factor(*, actor: User, user: User) -> None:
    """Remove an account's authenticator app and recovery codes (a lost phone): it must set
    up two-factor again at its next request, and is told so by email."""
    if not may_reset_two_factor(actor=actor, user=user):
        raise PermissionDenied
    removed = _delete_devices(user)
    audit.record(
        actor=actor,
        verb="account.two_factor_reset",
        obj=user,
        details={"devices_removed": removed, "by_role": actor.access_role},
    )
    from aktivist.accounts.tasks import send_two_factor_reset_notice

    user_id, actor_id = user.pk, actor.pk
    transaction.on_commit(lambda: send_two_factor_reset_notice.enqueue(user_id, actor_id))


def user_send_two_factor_reset_notice(*, user: User, actor: User | None) -> bool:
    """Tell the account that its second factor was reset (by the task, after commit)."""
    if not user.is_active:
        return False
    return send_transactional(
        "accounts/two_factor_reset",
        to=user.email,
        language=user.language,
        context={
            "name": user.name,
            "actor_name": str(actor) if actor else "",
            "login_url": f"{settings.SITE_URL.rstrip('/')}{reverse('accounts:login')}",
        },
    )


# --- Password reset -------------------------------------------------------------------


def password_reset_digest(email: str) -> str:
    """A keyed hash of a typed address: what the queue holds instead of the address."""
    normalised = User.objects.normalize_email(email.strip()).lower()
    return salted_hmac("aktivist.accounts.password-reset", normalised).hexdigest()


def password_reset_request(*, email: str) -> None:
    """Queue a reset link for whatever account has this address. The request does the same
    work whether or not one has: no lookup happens before the answer."""
    from aktivist.accounts.tasks import send_password_reset

    digest = password_reset_digest(email)
    transaction.on_commit(lambda: send_password_reset.enqueue(digest))


def password_reset_send(*, email_digest: str) -> bool:
    """Email a reset link to the active account with a password whose address has this
    digest (staff accounts are few: each address is hashed and compared)."""
    accounts = User.objects.filter(is_active=True).only("pk", "email", "password", "language")
    for user in accounts.iterator():
        if not constant_time_compare(password_reset_digest(user.email), email_digest):
            continue
        if not user.has_usable_password():
            return False  # an invitation not accepted yet: the invitation sets the password
        uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
        try:
            return send_transactional(
                "accounts/password_reset",
                to=user.email,
                language=user.language,
                context={
                    "name": user.name,
                    "url": f"{settings.SITE_URL.rstrip('/')}{path}",
                    "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
                },
            )
        except ApplicationError:
            # Outside production only reserved domains receive mail.
            logger.warning("password reset email not sent", extra={"user_id": user.pk})
            return False
    return False
