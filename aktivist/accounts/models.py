from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktivist.core.models import BaseModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("access_role", User.AccessRole.ADMIN)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff account. Access role and scope units decide what it sees (see DESIGN.md)."""

    class AccessRole(models.TextChoices):
        ADMIN = "admin", _("Secretariat admin")
        STAFF = "staff", _("Secretariat staff")
        DISTRICT = "district", _("District representative")
        COORDINATOR = "coordinator", _("Group coordinator")
        BOARD = "board", _("Board viewer")
        # The data-protection officer: the audit of reads, data-subject requests, retention
        # and the records of processing (aktivist/privacy); no people pages.
        DPO = "dpo", _("Data protection officer")

    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    access_role = models.CharField(
        _("access role"), max_length=20, choices=AccessRole.choices, default=AccessRole.BOARD
    )
    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    language = models.CharField(_("language"), max_length=2, default="sv")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the Django admin"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    invited_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # Django's API

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def requires_two_factor(self) -> bool:
        """Every role that sees personal data logs in with a second factor."""
        return self.access_role in TWO_FACTOR_ROLES

    @property
    def is_national(self) -> bool:
        return self.access_role in (self.AccessRole.ADMIN, self.AccessRole.STAFF)

    @property
    def records_reads(self) -> bool:
        """Whether the audit of reads records what this account is shown (core/reads.py):
        not for the board viewer, who sees no people."""
        return self.access_role != self.AccessRole.BOARD


# Access roles that see personal data, and so must use two-factor authentication: all but
# the board viewer (aggregate reports only).
TWO_FACTOR_ROLES = frozenset(
    {
        User.AccessRole.ADMIN,
        User.AccessRole.STAFF,
        User.AccessRole.DISTRICT,
        User.AccessRole.COORDINATOR,
        User.AccessRole.DPO,
    }
)


class AccessScope(BaseModel):
    """A unit whose subtree an account may see. When granted because of an organisational
    role, it can end with that role."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="scopes")
    unit = models.ForeignKey(
        "organisation.Unit", on_delete=models.CASCADE, related_name="access_scopes"
    )
    role = models.ForeignKey(
        "organisation.Role",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_scopes",
        help_text=_("The organisational role this access was granted for."),
    )
    ends_with_role = models.BooleanField(_("ends when the role ends"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="one_scope_per_unit")]
        verbose_name = _("access scope")
        verbose_name_plural = _("access scopes")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.unit_id}"
