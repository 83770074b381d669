"""Permission-checked fetches: the only way views reach workspaces and their access records.

Outsiders get 404, never 403, so the existence of a workspace is not revealed. A member whose
role is too low gets 403 (PermissionDenied).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import ApiToken, Invitation, Membership, User
from accounts.roles import Role


def access_workspace(user: User, slug: str, *, min_role: str = Role.VIEWER) -> Membership:
    if not user.is_authenticated:
        raise Http404("No such workspace.")
    # At most one row (unique user and workspace): no ordering; the user is the caller.
    membership = next(
        iter(
            Membership.objects.select_related("workspace").filter(user=user, workspace__slug=slug)
        ),
        None,
    )
    if membership is None:
        raise Http404("No such workspace.")
    membership.user = user
    if not membership.has_role(min_role):
        raise PermissionDenied
    return membership


def access_membership(actor: Membership, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user", "workspace")
        .filter(workspace_id=actor.workspace_id, pk=membership_id)
        .first()
    )
    if membership is None:
        raise Http404("No such member.")
    return membership


def access_invitation(actor: Membership, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(
        workspace_id=actor.workspace_id, pk=invitation_id
    ).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def access_api_token(actor: Membership, token_id: int) -> ApiToken:
    """A member reaches their own tokens; admins reach every token of the workspace."""
    tokens = ApiToken.objects.filter(workspace_id=actor.workspace_id, pk=token_id)
    if not actor.has_role(Role.ADMIN):
        tokens = tokens.filter(user_id=actor.user_id)
    token = tokens.first()
    if token is None:
        raise Http404("No such token.")
    return token
