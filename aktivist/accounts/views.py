"""Login, password reset, invitations, two-factor, the account page and staff accounts.

Views parse input and choose a response; the rules live in ``services`` and ``selectors``.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any, cast

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django.views.generic.edit import FormView

from aktivist.accounts import selectors, services, throttle, two_factor
from aktivist.accounts.capabilities import Capability
from aktivist.accounts.decorators import (
    is_verified,
    open_to_anyone,
    redirect_with_next,
    requires,
    safe_next,
    signed_in,
    signed_in_before_two_factor,
    two_factor_target,
)
from aktivist.accounts.forms import (
    EmailAuthenticationForm,
    PasswordResetRequestForm,
    PreferencesForm,
    StaffAccessForm,
    StaffInviteForm,
    TokenForm,
    VerifyForm,
)
from aktivist.accounts.models import User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _add_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (else on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _account(request: HttpRequest) -> User:
    """The logged-in account (the decorators have checked that there is one)."""
    return cast(User, request.user)


def _start_url() -> str:
    return reverse("staff:start")


# --- Login and logout -----------------------------------------------------------------


@method_decorator(open_to_anyone, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: EmailAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        auth_login(self.request, user)
        target = two_factor_target(user)
        if target:
            return redirect_with_next(target, self.get_success_url())
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form: EmailAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        if getattr(self.request, "axes_locked_out", False):
            # axes' middleware answers with the lockout page: a refused attempt (a password
            # spray sends thousands) costs no rendering of the form.
            return HttpResponse(status=429)
        return super().form_invalid(form)


@method_decorator(open_to_anyone, name="dispatch")
class LogoutView(auth_views.LogoutView):
    pass


# --- Password reset -------------------------------------------------------------------


class ActiveUserLinkMixin:
    """A link for a deactivated account is treated as invalid."""

    def get_user(self, uidb64: str) -> User | None:
        user: User | None = super().get_user(uidb64)  # type: ignore[misc]
        if user is not None and not user.is_active:
            return None
        return user


@method_decorator(open_to_anyone, name="dispatch")
@method_decorator(csrf_protect, name="dispatch")
class PasswordResetView(FormView):
    """Queue a reset link and answer at once. Whether an account has the address is decided
    in the background, so the answer and its timing are the same for every address; too
    many requests from one address get a page that says so, too many for one email get the
    usual answer and no email."""

    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = throttle.password_reset_by_address(request)
        if wait:
            response = render(
                request,
                "accounts/password_reset_throttled.html",
                {"minutes": max(1, (wait + 59) // 60)},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetRequestForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        if not throttle.password_reset_by_email(self.request, email):
            services.password_reset_request(email=email)
        return super().form_valid(form)


@method_decorator(open_to_anyone, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(open_to_anyone, name="dispatch")
class PasswordResetConfirmView(ActiveUserLinkMixin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@method_decorator(open_to_anyone, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Invitations ----------------------------------------------------------------------


@method_decorator(open_to_anyone, name="dispatch")
class InvitationAcceptView(ActiveUserLinkMixin, auth_views.PasswordResetConfirmView):
    """The invitee chooses a password, is logged in and, where their role requires it, sent
    on to set up two-factor. A used, expired or forged link shows a clear page."""

    template_name = "accounts/invitation_accept.html"
    title = gettext_lazy("Welcome to Aktivist")

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        if user is not None and user.has_usable_password():
            return None  # accepted already: the link is spent
        return user

    def form_valid(self, form: Any) -> HttpResponse:
        user = services.user_accept_invitation(
            user=cast(User, self.user), password=form.cleaned_data["new_password1"]
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        auth_login(self.request, user, MODEL_BACKEND)
        messages.success(self.request, _("Your password is set. Welcome to Aktivist!"))
        if user.requires_two_factor:
            return redirect_with_next("accounts:two_factor_setup", _start_url())
        return HttpResponseRedirect(_start_url())


# --- Two-factor -----------------------------------------------------------------------


def _qr_data_uri(config_url: str) -> str:
    return str(segno.make(config_url, error="m").svg_data_uri(scale=5, border=2))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@signed_in_before_two_factor
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _account(request)
    next_url = safe_next(request, _start_url())
    if not is_verified(user) and selectors.confirmed_device(user) is not None:
        # A password alone must not replace a device: prove the current one first.
        return redirect_with_next("accounts:two_factor_verify", next_url)
    device = services.two_factor_pending_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = services.two_factor_confirm(
            user=user, device_id=device.pk, token=form.cleaned_data["token"]
        )
        if confirmed is not None:
            request.session.cycle_key()
            django_otp.login(request, confirmed)
            messages.success(request, _("Two-factor authentication is on."))
            if not two_factor.recovery_codes_left(user):
                return _show_recovery_codes(
                    request, services.recovery_codes_generate(user=user), next_url
                )
            return redirect(next_url)
        form.add_error(
            "token",
            _(
                "That code did not match. Check that the time on your phone is right, "
                "wait for a new code and try again."
            ),
        )
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_data_uri": _qr_data_uri(device.config_url),
            "secret": _grouped(secret),
            "required": user.requires_two_factor,
            "nav": "me",
        },
    )


@never_cache
@signed_in_before_two_factor
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = _account(request)
    next_url = safe_next(request, _start_url())
    if is_verified(user):
        return redirect(next_url)
    if selectors.confirmed_device(user) is None:
        if user.requires_two_factor:
            return redirect_with_next("accounts:two_factor_setup", next_url)
        return redirect(next_url)
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.two_factor_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            request.session.cycle_key()
            django_otp.login(request, device)
            if device.persistent_id.startswith("otp_static."):
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code: %(count)d is left. Make new ones on your "
                        "account page.",
                        "You used a recovery code: %(count)d are left. Make new ones on your "
                        "account page.",
                        left,
                    )
                    % {"count": left},
                )
            elif not two_factor.recovery_codes_left(user):
                # Accounts that set up their app before recovery codes existed have none.
                messages.warning(
                    request,
                    _(
                        "You have no recovery codes. Make them on your account page, so that "
                        "a lost phone does not lock you out."
                    ),
                )
            return redirect(next_url)
        form.add_error(
            "token",
            _(
                "That code did not match. Wait for a new code and try again; after several "
                "wrong codes you must wait a little longer between tries."
            ),
        )
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


def _show_recovery_codes(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    """The recovery codes, shown this once (they are never shown again)."""
    response = render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": [two_factor.display_recovery_code(code) for code in codes],
            "next": next_url,
            "nav": "me",
        },
    )
    add_never_cache_headers(response)
    return response


@require_POST
@signed_in
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    """Ten new recovery codes; the old ones stop working."""
    user = _account(request)
    if selectors.confirmed_device(user) is None:
        return redirect("accounts:me")
    codes = services.recovery_codes_generate(user=user)
    return _show_recovery_codes(request, codes, reverse("accounts:me"))


@require_POST
@signed_in
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = _account(request)
    try:
        services.two_factor_disable(user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:me")


# --- The account page -----------------------------------------------------------------


@signed_in
def me(request: HttpRequest) -> HttpResponse:
    user = _account(request)
    form = PreferencesForm(
        request.POST or None, initial={"name": user.name, "language": user.language}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_preferences(user=user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("accounts:me")
    return render(
        request,
        "accounts/me.html",
        {
            "form": form,
            "account": user,
            "scopes": user.scopes.select_related("unit").order_by("unit__path"),
            "has_two_factor": selectors.confirmed_device(user) is not None,
            "recovery_codes_left": two_factor.recovery_codes_left(user),
            "helps_coordinators": user.access_role == User.AccessRole.DISTRICT,
            "nav": "me",
        },
    )


@method_decorator(signed_in, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:me")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response


# --- Staff accounts (admins only) -----------------------------------------------------


@requires(Capability.ACCOUNTS_MANAGE)
def staff_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/staff_list.html",
        {"accounts": selectors.staff_list(request.user), "nav": "staff"},
    )


@requires(Capability.ACCOUNTS_MANAGE)
def staff_invite(request: HttpRequest) -> HttpResponse:
    actor = _account(request)
    form = StaffInviteForm(request.POST or None, viewer=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_invite(
                actor=actor,
                email=data["email"],
                name=data["name"],
                access_role=data["access_role"],
                scope_units=data["scope_units"],
                person=data["person"],
                role=data["role"],
                ends_with_role=data["ends_with_role"],
                language=data["language"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("An invitation was sent to %(email)s.") % {"email": user.email}
            )
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_invite.html", {"form": form, "nav": "staff"})


@requires(Capability.ACCOUNTS_MANAGE)
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _account(request)
    account = selectors.staff_get(actor, pk)
    scopes = list(account.scopes.all())
    initial = {
        "access_role": account.access_role,
        "scope_units": [s.unit_id for s in scopes],
        "person": account.person_id,
        "role": next((s.role_id for s in scopes if s.role_id), None),
        "ends_with_role": any(s.ends_with_role for s in scopes),
        "is_active": account.is_active,
    }
    form = StaffAccessForm(request.POST or None, viewer=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update_access(
                actor=actor,
                user=account,
                access_role=data["access_role"],
                scope_units=data["scope_units"],
                is_active=data["is_active"],
                person=data["person"],
                role=data["role"],
                ends_with_role=data["ends_with_role"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The access of %(account)s is saved.") % {"account": account}
            )
            return redirect("accounts:staff_list")
    return render(
        request,
        "accounts/staff_edit.html",
        {"form": form, "account": account, "nav": "staff"},
    )


@require_POST
@requires(Capability.ACCOUNTS_MANAGE)
def staff_resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _account(request)
    account = selectors.staff_get(actor, pk)
    try:
        services.user_invitation_resend(actor=actor, user=account)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("A new invitation was sent to %(email)s.") % {"email": account.email}
        )
    return redirect("accounts:staff_edit", pk=account.pk)


@require_POST
@requires(Capability.ACCOUNTS_MANAGE)
def staff_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _account(request)
    account = selectors.staff_get(actor, pk)
    try:
        services.user_reset_two_factor(actor=actor, user=account)
    except PermissionDenied:
        messages.error(request, _("You cannot reset your own two-factor authentication."))
    else:
        messages.success(
            request,
            _("Two-factor authentication of %(account)s is reset.") % {"account": account},
        )
    return redirect("accounts:staff_edit", pk=account.pk)


# --- Coordinators of a district (district representatives) ---------------------------


@requires(Capability.COORDINATORS_HELP)
def coordinator_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/coordinator_list.html",
        {"accounts": selectors.coordinator_list(request.user), "nav": "me"},
    )


@require_POST
@requires(Capability.COORDINATORS_HELP)
def coordinator_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _account(request)
    account = selectors.coordinator_get(actor, pk)
    services.user_reset_two_factor(actor=actor, user=account)
    messages.success(
        request,
        _(
            "Two-factor authentication of %(account)s is reset: they set it up again at "
            "their next login, and we have told them by email."
        )
        % {"account": account},
    )
    return redirect("accounts:coordinator_list")
