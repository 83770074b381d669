"""The members page: everyone sees the team; admins invite, change roles and remove."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import hooks, services
from accounts.access import access_invitation, access_membership
from accounts.decorators import workspace_view
from accounts.forms import InvitationForm, RoleForm
from accounts.models import AuditEvent, Invitation, Membership, Workspace
from accounts.requests import WorkspaceRequest
from accounts.roles import Role


def _members_page(
    request: WorkspaceRequest, *, invite_form: InvitationForm | None = None, status: int = 200
) -> HttpResponse:
    actor: Membership = request.membership
    members = list(
        Membership.objects.filter(workspace=actor.workspace)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    is_admin = actor.has_role(Role.ADMIN)
    invitations = (
        Invitation.objects.filter(workspace=actor.workspace, accepted_at=None, revoked_at=None)
        .select_related("invited_by")
        .order_by("-created_at")
        if is_admin
        else []
    )
    is_owner = actor.has_role(Role.OWNER)
    rows = [
        # Admins manage others; only owners touch owners. The last-owner rule is the service's.
        (m, is_admin and m.pk != actor.pk and (m.role != Role.OWNER or is_owner))
        for m in members
    ]
    context = {
        "tab": "members",
        "rows": rows,
        "invitations": invitations,
        "is_admin": is_admin,
        "invite_form": invite_form or InvitationForm(actor=actor),
        "role_form": RoleForm(actor=actor),
        "audit_events": recent_changes(actor.workspace) if is_admin else [],
    }
    return render(request, "accounts/settings_members.html", context, status=status)


def recent_changes(workspace: Workspace) -> list:
    """The newest 20 events of the log, in words (the presenter is kpiapp's, via a hook)."""
    return hooks.audit_words(workspace, list(AuditEvent.objects.select_related("actor")[:20]))


@workspace_view(min_role=Role.VIEWER)
def members(request: WorkspaceRequest) -> HttpResponse:
    return _members_page(request)


@workspace_view(min_role=Role.ADMIN)
@require_POST
def invite(request: WorkspaceRequest) -> HttpResponse:
    actor: Membership = request.membership
    form = InvitationForm(request.POST, actor=actor)
    if form.is_valid():
        try:
            sent = services.invitation_send(
                actor=actor, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s. It is valid for %(days)s days.")
                % {
                    "email": sent.invitation.email,
                    "days": (sent.invitation.expires_at - sent.invitation.created_at).days,
                },
            )
            return redirect("settings:members", slug=actor.workspace.slug)
    return _members_page(request, invite_form=form, status=400)


@workspace_view(min_role=Role.ADMIN)
@require_POST
def change_role(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    actor: Membership = request.membership
    membership = access_membership(actor, membership_id)
    form = RoleForm(request.POST, actor=actor)
    if not form.is_valid():
        messages.error(request, _("You cannot assign that role."))
        return redirect("settings:members", slug=actor.workspace.slug)
    role = form.cleaned_data["role"]
    _attempt(
        request,
        lambda: services.membership_change_role(actor=actor, membership=membership, role=role),
        _("%(name)s is now %(role)s.")
        % {"name": membership.user.display_name, "role": Role(role).label},
    )
    return redirect("settings:members", slug=actor.workspace.slug)


@workspace_view(min_role=Role.ADMIN)
@require_POST
def remove_member(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    actor: Membership = request.membership
    membership = access_membership(actor, membership_id)
    _attempt(
        request,
        lambda: services.membership_remove(actor=actor, membership=membership),
        _("%(name)s was removed.") % {"name": membership.user.display_name},
    )
    return redirect("settings:members", slug=actor.workspace.slug)


@workspace_view(min_role=Role.VIEWER)
@require_POST
def leave(request: WorkspaceRequest) -> HttpResponse:
    actor: Membership = request.membership
    left = _attempt(
        request,
        lambda: services.membership_remove(actor=actor, membership=actor),
        _("You left “%s”.") % actor.workspace.name,
    )
    if left:
        return redirect("home")
    return redirect("settings:members", slug=actor.workspace.slug)


@workspace_view(min_role=Role.ADMIN)
@require_POST
def revoke_invitation(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    actor: Membership = request.membership
    invitation = access_invitation(actor, invitation_id)
    _attempt(
        request,
        lambda: services.invitation_revoke(actor=actor, invitation=invitation),
        _("The invitation to %(email)s was revoked.") % {"email": invitation.email},
    )
    return redirect("settings:members", slug=actor.workspace.slug)


def _attempt(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Run a service; report its refusal (a rule such as the last owner) or `success`."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, success)
    return True


def _add_errors(form: InvitationForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
