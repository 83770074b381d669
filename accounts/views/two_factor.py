"""Two-factor login: the login's code step, turning it on and off on the profile page, and a
workspace owner asking every member for it."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

import django_otp
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import lockout, two_factor
from accounts.decorators import workspace_view
from accounts.forms import (
    CodeForm,
    ConfirmIdentityForm,
    EmailLoginForm,
    SetupCodeForm,
    TwoFactorRequirementForm,
)
from accounts.models import User
from accounts.requests import AuthenticatedRequest, WorkspaceRequest
from accounts.roles import Role
from accounts.views.auth import render_profile


def _locked_message() -> str:
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return _(
        "Too many wrong codes. For your security, confirming is paused for %(minutes)s minutes."
    ) % {"minutes": minutes}


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def setup_url(next_url: str = "") -> str:
    url = reverse("accounts:two_factor_setup")
    return f"{url}?next={quote(next_url)}" if next_url else url


class LoginView(auth_views.LoginView):
    """Step one: the password. With two-factor login on, nobody is logged in yet: the session
    remembers who passed the password, and step two asks for the code."""

    template_name = "accounts/login.html"
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:  # an EmailLoginForm
        user = form.get_user()
        if two_factor.enabled(user):
            two_factor.start_pending(self.request, user, self.get_success_url())
            return redirect("accounts:login_code")
        return super().form_valid(form)


@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    """Step two: a code from the app or a recovery code. Also confirms a session that was
    logged in before its person turned two-factor login on."""
    state = two_factor.pending(request)
    if state is not None:
        user, next_url = state.user, state.next_url
    elif two_factor.needs_code(request.user):
        user, next_url = request.user, _safe_next(request, request.GET.get("next"))
    else:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.check(request, user, form.cleaned_data["code"])
        except two_factor.CodeLocked:
            two_factor.clear_pending(request)
            return render(
                request,
                "accounts/login_code_locked.html",
                {"message": _locked_message()},
                status=429,
            )
        if device is not None:
            if state is not None:
                two_factor.clear_pending(request)
                login(request, user, backend=state.backend)
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                _warn_recovery_codes_left(request, user)
            return redirect(resolve_url(next_url or settings.LOGIN_REDIRECT_URL))
        form.add_error("code", _("This code is not correct. Please try again."))
    return render(
        request, "accounts/login_code.html", {"form": form}, status=400 if form.errors else 200
    )


def _warn_recovery_codes_left(request: HttpRequest, user: User) -> None:
    left = two_factor.recovery_codes_left(user)
    messages.warning(
        request,
        _(
            "You logged in with a recovery code; it is used up now. Recovery codes left: "
            "%(left)s. You can make new ones on your profile page."
        )
        % {"left": left},
    )


@login_required
@never_cache
def setup(request: AuthenticatedRequest) -> HttpResponse:
    """Turn it on: scan the QR code (or type the key), confirm with a current code, then see
    the recovery codes once."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if two_factor.enabled(request.user):
        return redirect(next_url or "accounts:profile")
    device = two_factor.setup_device(request.user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = two_factor.confirm_setup(request, request.user, form.cleaned_data["code"])
        except two_factor.CodeLocked:
            form.add_error("code", _locked_message())
        else:
            if result is None:
                form.add_error("code", _("This code is not correct. Please try again."))
            else:
                confirmed, codes = result
                django_otp.login(request, confirmed)  # this session counts as confirmed
                return _show_codes(request, codes, next_url, first=True)
    context = {
        "form": form,
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret_text(device),
        "next": next_url,
    }
    return render(
        request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200
    )


def _show_codes(request: HttpRequest, codes: list[str], next_url: str, first: bool) -> HttpResponse:
    # Rendered in the POST's answer, never stored: the codes are shown exactly once.
    response = render(
        request,
        "accounts/two_factor_codes.html",
        {"codes": codes, "next": next_url, "first": first},
    )
    response["Cache-Control"] = "no-store"
    return response


def _identity_confirmed(request: AuthenticatedRequest, form: ConfirmIdentityForm) -> bool:
    """The password, or a code (which counts toward the code lock when wrong)."""
    if not form.is_valid():
        return False
    if lockout.code_locked(request, request.user.pk):  # the password is not tried either
        form.add_error("secret", _locked_message())
        return False
    secret = form.cleaned_data["secret"]
    if request.user.check_password(secret):
        return True
    try:
        if two_factor.check(request, request.user, secret) is not None:
            return True
    except two_factor.CodeLocked:
        form.add_error("secret", _locked_message())
        return False
    form.add_error("secret", _("This is neither your password nor a current code."))
    return False


def _profile_again(request: AuthenticatedRequest, form: Form, which: str) -> HttpResponse:
    return render_profile(request, status=400, **{which: form})


@login_required
@require_POST
@never_cache
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """New recovery codes; the old ones stop working."""
    form = ConfirmIdentityForm(request.POST, prefix="codes")
    if not two_factor.enabled(request.user):
        return redirect("accounts:profile")
    if not _identity_confirmed(request, form):
        return _profile_again(request, form, "codes_form")
    codes = two_factor.new_recovery_codes(request.user)
    return _show_codes(request, codes, "", first=False)


@login_required
@require_POST
def disable(request: AuthenticatedRequest) -> HttpResponse:
    form = ConfirmIdentityForm(request.POST, prefix="off")
    if not _identity_confirmed(request, form):
        return _profile_again(request, form, "disable_form")
    two_factor.disable(request.user)
    messages.success(request, _("Two-factor login is off."))
    return redirect("accounts:profile")


@workspace_view(min_role=Role.OWNER)
@require_POST
def workspace_requirement(request: WorkspaceRequest) -> HttpResponse:
    form = TwoFactorRequirementForm(request.POST)
    form.is_valid()  # a checkbox: always valid
    required = bool(form.cleaned_data.get("require_two_factor"))
    try:
        changed = two_factor.set_workspace_requirement(
            actor=request.membership,
            required=required,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if changed and required:
            messages.success(request, _("Every member now needs two-factor login."))
        elif changed:
            messages.success(request, _("Two-factor login is no longer required."))
    return redirect("settings:general", slug=request.workspace.slug)
