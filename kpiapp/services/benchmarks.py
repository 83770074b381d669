"""A team's own benchmarks: one per KPI and grain; it wins over the built-in library."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership
from accounts.roles import Role
from accounts.tenancy import current_workspace_id
from kpiapp.kpis.benchmarks import library
from kpiapp.models import BenchmarkPick, TeamBenchmark
from kpiapp.pagecache.versions import pages_changed
from kpiapp.selectors.kpi_lookup import workspace_kpi


@transaction.atomic
def team_benchmark_set(
    *,
    membership: Membership,
    kpi_key: str,
    grain: str,
    form: str,
    low: Decimal,
    high: Decimal | None,
    source: str,
    note: str = "",
) -> TeamBenchmark:
    if workspace_kpi(kpi_key) is None:
        raise ValidationError({"kpi_key": _("There is no such KPI.")})
    if form == "band" and (high is None or high < low):
        raise ValidationError(
            {"high": _("A range needs an upper end at least as high as its value.")}
        )
    benchmark = TeamBenchmark.objects.filter(kpi_key=kpi_key, grain=grain).first()
    benchmark = benchmark or TeamBenchmark(
        workspace_id=current_workspace_id(), kpi_key=kpi_key, grain=grain
    )
    benchmark.form, benchmark.low = form, low
    benchmark.high = high if form == "band" else None
    benchmark.source, benchmark.note, benchmark.created_by = source, note, membership.user
    benchmark.full_clean(exclude=["workspace", "created_by"])
    benchmark.save()
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.BENCHMARK_SET,
        subject=f"{kpi_key} ({grain})",
        low=str(low),
        high=str(high) if high is not None else None,
    )
    pages_changed(benchmark.workspace_id)
    return benchmark


@transaction.atomic
def team_benchmark_delete(*, membership: Membership, benchmark: TeamBenchmark) -> None:
    pages_changed(benchmark.workspace_id)
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.BENCHMARK_DELETED,
        subject=f"{benchmark.kpi_key} ({benchmark.grain})",
    )
    benchmark.delete()


@transaction.atomic
def benchmark_pick_set(*, membership: Membership, kpi_key: str, grain: str, ref: str) -> None:
    """An admin picks the built-in row tiles and reports judge a KPI by at a grain; an empty
    `ref` goes back to BENCHMARKS.md's rule. A team benchmark still wins over the pick."""
    if not membership.has_role(Role.ADMIN):
        raise PermissionDenied
    if ref and not any(r.ref == ref and r.key == kpi_key and r.grain == grain for r in library()):
        raise ValidationError(_("There is no such reference for this KPI."))
    BenchmarkPick.objects.filter(kpi_key=kpi_key, grain=grain).delete()
    if ref:
        BenchmarkPick.objects.create(
            workspace_id=current_workspace_id(), kpi_key=kpi_key, grain=grain, ref=ref
        )
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.BENCHMARK_PICKED,
        subject=f"{kpi_key} ({grain})",
        ref=ref,
    )
    pages_changed(current_workspace_id())
