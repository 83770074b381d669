"""A person's own data as JSON (DSGVO Art. 15 and 20): profile, memberships, API tokens
(metadata only, never keys), invitations they sent, their entries in the audit logs, and what
apps built on `accounts` add through `hooks.on_user_data_export` (reports, comments, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts import hooks
from accounts.models import AuditEvent, Invitation, Membership, User
from accounts.tenancy import workspace_scope

FORMAT_VERSION = 1


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def user_data_export(*, user: User) -> dict[str, Any]:
    # Through the user's related managers: they read across workspaces on purpose (the
    # person's own rows), whether or not memberships and tokens are workspace-owned.
    memberships = list(user.memberships.select_related("workspace").order_by("created_at"))
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": _time(timezone.now()),
        "profile": {
            "email": user.email,
            "name": user.name,
            "language": user.language,
            "date_joined": _time(user.date_joined),
            "last_login": _time(user.last_login),
        },
        "workspaces": [_workspace_part(user, m) for m in memberships],
    }


def _workspace_part(user: User, membership: Membership) -> dict[str, Any]:
    workspace = membership.workspace
    tokens = user.api_tokens.filter(workspace=workspace).order_by("created_at")
    with workspace_scope(workspace.id):
        sent = Invitation.objects.filter(invited_by=user, workspace=workspace).order_by(
            "created_at"
        )
        events = AuditEvent.objects.filter(actor=user).order_by("created_at")
        part: dict[str, Any] = {
            "workspace": {"name": workspace.name, "slug": workspace.slug},
            "role": membership.role,
            "member_since": _time(membership.created_at),
            "api_tokens": [
                {
                    "name": t.name,
                    "prefix": t.prefix,
                    "created_at": _time(t.created_at),
                    "last_used_at": _time(t.last_used_at),
                    "revoked_at": _time(t.revoked_at),
                }
                for t in tokens
            ],
            "invitations_sent": [
                {"email": i.email, "role": i.role, "created_at": _time(i.created_at)} for i in sent
            ],
            "audit_events": [
                {
                    "action": e.action,
                    "object": e.subject,
                    "at": _time(e.created_at),
                    "ip_address": e.ip_address,
                }
                for e in events
            ],
        }
        part.update(hooks.user_data_sections(user, workspace))
    return part
