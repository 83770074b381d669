"""Read-side assembly of the dashboard page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from accounts.models import Membership, Workspace
from accounts.roles import Role


@dataclass(frozen=True)
class ChartSeries:
    """What a chart draws, and the table beside it shows: labels with one value each."""

    labels: list[str]
    values: list[int]

    @property
    def rows(self) -> list[tuple[str, int]]:
        return list(zip(self.labels, self.values, strict=True))

    @property
    def total(self) -> int:
        return sum(self.values)


def team_by_role(workspace: Workspace) -> ChartSeries:
    """Members per role, most powerful first, every role listed (zero included)."""
    counts = dict(
        Membership.objects.filter(workspace=workspace)
        .values_list("role")
        .annotate(n=Count("id"))
        .values_list("role", "n")
    )
    roles = [Role.OWNER, Role.ADMIN, Role.EDITOR, Role.VIEWER]
    return ChartSeries(
        labels=[str(role.label) for role in roles], values=[counts.get(role, 0) for role in roles]
    )
