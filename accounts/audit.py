"""The audit trail: `audit_record()` is called by every service that changes something an
owner or admin may later ask about, inside the service's own transaction (STYLE.md rule 5),
so the change and its record are committed together or not at all."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from accounts.models import AuditEvent, User, Workspace
from accounts.tenancy import workspace_scope

# The client address of the request being served, set by `AuditContextMiddleware`; services
# never read the request, so the address reaches them this way (None in tasks and commands).
_client_ip: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)


@contextmanager
def audit_client_ip(address: str | None) -> Iterator[None]:
    token = _client_ip.set(address or None)
    try:
        yield
    finally:
        _client_ip.reset(token)


def actor_label(user: User | None) -> str:
    return user.email if user is not None else ""


def audit_record(
    *,
    workspace: Workspace,
    actor: User | None,
    action: str,
    subject: str = "",
    object_type: str = "",
    details: Mapping[str, object] | None = None,
    **data: object,
) -> AuditEvent:
    """Write one audit event: `action` is a key of `AuditAction`, `subject` the changed
    object's label, `data` a short JSON detail (before/after values, a role, counts);
    `details` adds keys made at run time (after those of `data`)."""
    data = {**data, **(details or {})}
    with workspace_scope(workspace.id):
        return AuditEvent.objects.create(
            actor=actor,
            actor_label=actor_label(actor),
            action=str(action),
            object_type=object_type or str(action).split(".", 1)[0],
            subject=str(subject)[:254],
            data=data,
            ip_address=_client_ip.get(),
        )
