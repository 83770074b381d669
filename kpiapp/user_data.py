"""kpiapp's part of a person's data export (registered in apps.py): the reports they own,
their comments, digest subscriptions and uploaded import files (names only)."""

from __future__ import annotations

from datetime import datetime

from accounts.models import User, Workspace
from kpiapp.models import DigestSubscription, ImportJob, Report, ReportComment


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def user_data_sections(user: User, workspace: Workspace) -> dict[str, list[dict[str, object]]]:
    """Called inside the workspace's scope by accounts.hooks."""
    return {
        "reports": [
            {"title": r.title, "visibility": r.visibility, "created_at": _time(r.created_at)}
            for r in Report.objects.filter(owner=user).order_by("created_at")
        ],
        "comments": [
            {"report": c.report.title, "comment": c.body, "created_at": _time(c.created_at)}
            for c in ReportComment.objects.filter(author=user)
            .select_related("report")
            .order_by("created_at")
        ],
        "digest_subscriptions": [
            {"report": s.report.title, "cadence": s.cadence, "created_at": _time(s.created_at)}
            for s in DigestSubscription.objects.filter(user=user).select_related("report")
        ],
        "imports": [
            {
                "file": j.filename,
                "kind": j.kind,
                "status": j.status,
                "created_at": _time(j.created_at),
            }
            for j in ImportJob.objects.filter(created_by=user).defer("data").order_by("created_at")
        ],
    }
