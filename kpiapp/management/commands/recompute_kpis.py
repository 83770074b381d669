"""recompute_kpis --workspace SLUG: recompute every KPI of a workspace now and say what it did."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.models import KpiSnapshot
from kpiapp.ops.memory import keep_freed_memory
from kpiapp.services.snapshots import snapshot_rebuild


class Command(BaseCommand):
    help = "Recompute all KPI snapshots of a workspace synchronously."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with the address {options['workspace']!r}.")
        keep_freed_memory()  # as a worker does
        with workspace_scope(workspace.id):
            summary = snapshot_rebuild(workspace_id=workspace.id)
            latest = (
                KpiSnapshot.objects.filter(kpi_key="mrr", grain="month", dimension="")
                .order_by("-period_start")
                .first()
            )
        self.stdout.write(
            f"Recomputed {summary.snapshot_count} snapshots for {workspace.slug} in "
            f"{summary.compute_seconds + summary.write_seconds:.2f} s "
            f"(compute {summary.compute_seconds:.2f} s, write {summary.write_seconds:.2f} s)."
        )
        if latest is not None:
            label = "to date" if latest.partial else "month"
            value = "undefined" if latest.value is None else f"{latest.value:,.2f}"
            self.stdout.write(
                f"MRR {latest.period_start:%Y-%m} ({label}): {value} {workspace.currency}"
            )
