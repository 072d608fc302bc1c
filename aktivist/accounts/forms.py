from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aktivist.accounts.models import User
from aktivist.accounts.two_factor import RECOVERY_CODE, normalise_recovery_code
from aktivist.organisation.models import Role, Unit


class EmailAuthenticationForm(AuthenticationForm):
    """Email is the username, compared case-insensitively (stored lower-case)."""

    username = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


class PasswordResetRequestForm(forms.Form):
    """The address to send a reset link to. The form only checks that it looks like an
    address: whether an account has it is decided outside the request."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class TokenForm(forms.Form):
    """The six-digit code from the authenticator app."""

    token = forms.CharField(
        label=_("Six-digit code"),
        help_text=_("Open your authenticator app and type the code it shows for Aktivist."),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s+", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(_("Enter the six digits shown in your app."))
        return token


class VerifyForm(forms.Form):
    """The code from the authenticator app, or one of the account's recovery codes."""

    token = forms.CharField(
        label=_("Code"),
        help_text=_(
            "Type the six-digit code your authenticator app shows for Aktivist, or one of "
            "your recovery codes."
        ),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "size": 10}
        ),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s+", "", self.cleaned_data["token"])
        if re.fullmatch(r"\d{6}", token):
            return token
        code = normalise_recovery_code(token)
        if RECOVERY_CODE.fullmatch(code):
            return code
        raise forms.ValidationError(
            _("Enter the six digits shown in your app, or a recovery code such as abcd-efgh.")
        )


class PreferencesForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language for emails"), choices=settings.LANGUAGES)


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes laid out with the design system's ``checkbox-label``."""

    option_template_name = "accounts/widgets/checkbox_option.html"


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        indent = "— " * obj.depth
        return f"{indent}{obj.name} ({obj.get_kind_display()})"


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.person} — {obj.role_type} ({obj.unit})"


class AccessForm(forms.Form):
    """What an admin decides about an account; the rules live in the services."""

    access_role = forms.ChoiceField(label=_("Access role"), choices=User.AccessRole.choices)
    scope_units = UnitChoiceField(
        label=_("Scope units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=CheckboxList,
        help_text=_(
            "Required for district representatives and group coordinators: they see the "
            "people and activities of these units and the units below them."
        ),
    )
    person = forms.IntegerField(
        label=_("Linked person (id)"),
        required=False,
        min_value=1,
        help_text=_("Optional: the person record of the account holder."),
    )
    role = RoleChoiceField(
        label=_("Organisational role"),
        queryset=Role.objects.none(),
        required=False,
        help_text=_("Optional: the role this access is granted for."),
    )
    ends_with_role = forms.BooleanField(label=_("Access ends when the role ends"), required=False)

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        units = cast(forms.ModelMultipleChoiceField, self.fields["scope_units"])
        units.queryset = Unit.objects.filter(is_active=True).order_by("path")
        role = cast(forms.ModelChoiceField, self.fields["role"])
        role.queryset = (
            Role.objects.filter(ended_on__isnull=True)
            .select_related("person", "unit", "role_type")
            .order_by("unit__path", "person__last_name", "person__first_name")
        )

    def clean_person(self) -> Any:
        from aktivist.people.selectors import access_person

        pk = self.cleaned_data.get("person")
        if pk is None:
            return None
        try:
            return access_person(self.viewer, pk)
        except Http404:
            raise forms.ValidationError(_("There is no person with this id.")) from None


class StaffInviteForm(AccessForm):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)

    field_order = ["email", "name", "language", "access_role", "scope_units"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = (get_language() or settings.LANGUAGE_CODE)[:2]
        self.fields["language"].initial = language


class StaffAccessForm(AccessForm):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("A deactivated account can no longer log in."),
    )
