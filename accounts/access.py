"""Permission-checked fetches: the only way views reach workspaces and their access records.

Outsiders get 404, never 403, so the existence of a workspace is not revealed. A member whose
role is too low gets 403 (PermissionDenied).

Memberships, invitations and API tokens are workspace-owned like every record, but they are
also how a scope is found in the first place: by the user, by an invitation link or by an API
key. Those few reads across workspaces are the functions below, and only this module (besides
`accounts.tenancy`) may name `all_workspaces` for them (tests/tenancy/test_model_coverage.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from accounts.models import ApiToken, Invitation, Membership, User, Workspace
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from accounts.tokens import hash_secret

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # the stubs' helper (a dev dependency)

    class _TokenMembership(TypedDict):
        is_member: bool

    LiveApiToken = WithAnnotations[ApiToken, _TokenMembership]  # an ApiToken with `is_member`


def memberships_of(user: User) -> QuerySet[Membership]:
    """The user's memberships in every workspace that is not being deleted (the workspace
    list, page versions)."""
    return Membership.all_workspaces.filter(user=user, workspace__deleting_since__isnull=True)


def workspace_member_ids(workspace_id: int) -> list[int]:
    with workspace_scope(workspace_id):
        return list(Membership.objects.values_list("user_id", flat=True))


def invitation_by_token(raw_token: str) -> Invitation | None:
    """The invitation an email link names; the token (256 random bits) is the credential."""
    return (
        Invitation.all_workspaces.select_related("workspace", "invited_by")
        .filter(token_hash=hash_secret(raw_token))
        .first()
    )


def live_api_token(raw_key: str) -> LiveApiToken | None:
    """The unrevoked token an `Authorization: Token …` header names, with its user, workspace
    and `is_member` (whether the user still belongs to it), in one query. Unscoped: the key is
    the credential, and the token names its workspace."""
    member = Membership.all_workspaces.filter(
        user=OuterRef("user"), workspace=OuterRef("workspace")
    )
    return (
        ApiToken.all_workspaces.select_related("user", "workspace")
        .filter(key_hash=hash_secret(raw_key), revoked_at__isnull=True)
        .annotate(is_member=Exists(member))
        .first()
    )


def access_workspace(user: User, slug: str, *, min_role: str = Role.VIEWER) -> Membership:
    if not user.is_authenticated:
        raise Http404("No such workspace.")
    # At most one row (unique user and workspace): no ordering; the user is the caller.
    membership = next(
        iter(
            Membership.all_workspaces.select_related("workspace").filter(
                user=user, workspace__slug=slug, workspace__deleting_since__isnull=True
            )
        ),
        None,
    )
    if membership is None:
        raise Http404("No such workspace.")
    membership.user = user
    if not membership.has_role(min_role):
        raise PermissionDenied
    return membership


@dataclass(frozen=True)
class MembershipFacts:
    role: str
    workspace_id: int
    time_zone: str
    language: str  # the workspace's default
    require_two_factor: bool


def membership_facts(user_id: int, slug: str) -> MembershipFacts | None:
    """The caller's role in the workspace `slug` and the workspace facts a cached page needs,
    from one plain query: no model instances, as every cached page pays for this check.
    None when the user is not a member (the view then answers 404 itself)."""
    membership, workspace = Membership._meta.db_table, Workspace._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.role, w.id, w.time_zone, w.language, w.require_two_factor "  # noqa: S608 - table names, not input
            f"FROM {membership} m JOIN {workspace} w ON w.id = m.workspace_id "
            "WHERE m.user_id = %s AND w.slug = %s AND w.deleting_since IS NULL",
            [user_id, slug],
        )
        row = cursor.fetchone()
    return MembershipFacts(*row) if row else None


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
