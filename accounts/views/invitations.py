"""Accepting an invitation from its email link, as a new or an existing user."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services
from accounts.access import invitation_by_token
from accounts.forms import InvitationSignupForm
from accounts.models import Invitation, InvitationStatus, User
from accounts.views.auth import BACKEND


def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token)
    if invitation is None:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"reason": _("This invitation link is not valid.")},
            status=404,
        )
    status = invitation.status()
    if status != InvitationStatus.PENDING:
        reasons = {
            InvitationStatus.ACCEPTED: _("This invitation was already accepted."),
            InvitationStatus.REVOKED: _("This invitation was revoked."),
            InvitationStatus.EXPIRED: _("This invitation has expired. Ask for a new one."),
        }
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"reason": reasons[status], "invitation": invitation},
            status=410,
        )

    existing = User.objects.filter(email__iexact=invitation.email).first()
    context: dict[str, object] = {"invitation": invitation}
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            context["wrong_user"] = True
            return render(request, "accounts/invitation.html", context, status=403)
        if request.method == "POST":
            return _accept_as(request, invitation, request.user)
        return render(request, "accounts/invitation.html", context)
    if existing is not None:
        return redirect_to_login(request.get_full_path())

    form = InvitationSignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_signup_and_accept(
                invitation=invitation,
                password=form.cleaned_data["password1"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, membership.user, backend=BACKEND)
            messages.success(request, _("Welcome to “%s”!") % membership.workspace.name)
            return redirect("kpiapp:dashboard", slug=membership.workspace.slug)
    context["form"] = form
    return render(request, "accounts/invitation.html", context, status=400 if form.errors else 200)


def _accept_as(request: HttpRequest, invitation: Invitation, user: User) -> HttpResponse:
    try:
        membership = services.invitation_accept(invitation=invitation, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("home")
    messages.success(request, _("Welcome to “%s”!") % membership.workspace.name)
    return redirect("kpiapp:dashboard", slug=membership.workspace.slug)
