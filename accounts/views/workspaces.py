"""The list of one's workspaces, creating one, and a workspace's general settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services, two_factor
from accounts.access import memberships_of
from accounts.decorators import workspace_view
from accounts.forms import (
    ConfirmSlugForm,
    WorkspaceCreateForm,
    WorkspaceForm,
    WorkspaceSettingsForm,
)
from accounts.requests import AuthenticatedRequest, WorkspaceRequest
from accounts.roles import Role


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    memberships = list(
        memberships_of(request.user).select_related("workspace").order_by("workspace__name")
    )
    if len(memberships) == 1:
        return redirect("kpiapp:dashboard", slug=memberships[0].workspace.slug)
    return render(request, "accounts/home.html", {"memberships": memberships})


def _settings_from(form: WorkspaceForm) -> services.WorkspaceSettings:
    data = form.cleaned_data
    return services.WorkspaceSettings(
        name=data["name"],
        currency=data["currency"],
        time_zone=data["time_zone"],
        gross_margin=data["gross_margin"],
        language=data["language"],
        stage_probabilities=(
            form.stage_probabilities() if isinstance(form, WorkspaceSettingsForm) else None
        ),
        benchmark_segment=data.get("benchmark_segment"),
        activation_days=data.get("activation_days"),
        referral_channel=data.get("referral_channel"),
    )


@login_required
def workspace_create(request: AuthenticatedRequest) -> HttpResponse:
    form = WorkspaceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                owner=request.user, settings_=_settings_from(form), slug=form.cleaned_data["slug"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Workspace “%s” was created.") % workspace.name)
            return redirect("kpiapp:dashboard", slug=workspace.slug)
    return render(request, "accounts/workspace_create.html", {"form": form})


@workspace_view(min_role=Role.VIEWER, post_role=Role.ADMIN)
def workspace_settings(request: WorkspaceRequest) -> HttpResponse:
    membership = request.membership
    form = WorkspaceSettingsForm(request.POST or None, instance=request.workspace)
    if not membership.has_role(Role.ADMIN):
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        services.workspace_update(actor=membership, settings_=_settings_from(form))
        messages.success(request, _("The workspace settings were saved."))
        return redirect("settings:general", slug=membership.workspace.slug)
    return render(
        request,
        "accounts/settings_general.html",
        {
            "form": form,
            "delete_form": ConfirmSlugForm(),
            "tab": "general",
            "without_two_factor": (
                two_factor.members_without(membership.workspace)
                if membership.has_role(Role.OWNER)
                else 0
            ),
        },
        status=400 if form.is_bound else 200,
    )


@workspace_view(min_role=Role.OWNER)
def workspace_delete(request: WorkspaceRequest) -> HttpResponse:
    membership = request.membership
    form = ConfirmSlugForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_delete(actor=membership, confirm_slug=form.cleaned_data["confirm"])
        except ValidationError as error:
            form.add_error("confirm", error.message_dict.get("confirm", error.messages))
        else:
            messages.success(
                request, _("The workspace is being deleted. Nobody can open it any more.")
            )
            return redirect("home")
    return render(
        request,
        "accounts/workspace_delete.html",
        {"form": form, "tab": "general"},
        status=400 if form.is_bound else 200,
    )
