"""Sign-up, login, profile, language and deleting one's own login."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services, two_factor
from accounts.forms import ConfirmIdentityForm, DeleteAccountForm, ProfileForm, SignupForm
from accounts.models import Language
from accounts.requests import AuthenticatedRequest
from accounts.user_data import user_data_export

BACKEND = "django.contrib.auth.backends.ModelBackend"


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        language = translation.get_language() or ""
        user = services.user_signup(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            name=form.cleaned_data["name"],
            language=language[:2] if language[:2] in Language.values else "",
        )
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome to Kennzahl! Create your first workspace."))
        return redirect("workspace_create")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.user_profile_update(
            user=request.user, name=data["name"], language=data["language"]
        )
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:profile")
        _remember_language(response, form.cleaned_data["language"])
        return response
    return render_profile(request, form=form)


def render_profile(
    request: AuthenticatedRequest, status: int = 200, **forms: BaseForm
) -> HttpResponse:
    """The profile page; `forms` replaces a section's form with a bound one (its errors)."""
    user = request.user
    context: dict[str, object] = {
        "form": ProfileForm(instance=user),
        "delete_form": DeleteAccountForm(user=user),
        "two_factor_on": two_factor.enabled(user),
        "recovery_codes_left": two_factor.recovery_codes_left(user),
        "codes_form": ConfirmIdentityForm(prefix="codes"),
        "disable_form": ConfirmIdentityForm(prefix="off"),
    }
    context.update(forms)
    return render(request, "accounts/profile.html", context, status=status)


@login_required
def export_account(request: AuthenticatedRequest) -> HttpResponse:
    """The person's own data as a JSON download (DSGVO Art. 15 and 20)."""
    data = user_data_export(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    name = f"kennzahl-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def delete_account(request: AuthenticatedRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.user_delete(user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:profile")
        logout(request)
        messages.success(request, _("Your login and your own workspaces were deleted."))
        return redirect("accounts:login")
    return render_profile(request, status=400, delete_form=form)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: saved on the user when logged in, in a cookie always."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in Language.values:
        return response
    if request.user.is_authenticated:
        services.user_profile_update(user=request.user, language=language)
    _remember_language(response, language)
    return response


def _remember_language(response: HttpResponse, language: str) -> None:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
