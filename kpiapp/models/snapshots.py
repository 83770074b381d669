"""Computed KPI values (snapshots) and the state of a workspace's recompute.

Pages and the API read snapshots only; `kpiapp.services.snapshots` rebuilds a workspace's set
in one transaction, so a reader sees either the old set or the new one, never a mix.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned


class Grain(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class KpiSnapshot(WorkspaceOwned):
    """One KPI for one period and one dimension value (both empty for the total).

    `value` is what the product shows: money in major units rounded half-up to cents, rates as
    fractions. `numerator` and `denominator` keep the unrounded parts (in the same units);
    `value` is empty for an undefined KPI, and `reason` says why.
    """

    # Derived data, rewritten in bulk by one writer that always sets the workspace in scope:
    # no database FK check per row (it cost a recompute ~0.8 s per 170,000 rows); deleting a
    # workspace still deletes its snapshots (on_delete runs in Django).
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    kpi_key = models.CharField(max_length=60)
    grain = models.CharField(max_length=8, choices=Grain.choices)
    period_start = models.DateField()
    # "channel", or for an attribution model other than the default "channel:first_touch"
    # (KPIS.md 7; the longest is "campaign:position_based").
    dimension = models.CharField(max_length=40, blank=True)
    dimension_value = models.CharField(max_length=200, blank=True)
    value = models.DecimalField(max_digits=30, decimal_places=6, null=True)
    numerator = models.DecimalField(max_digits=40, decimal_places=12, null=True)
    denominator = models.DecimalField(max_digits=40, decimal_places=12, null=True)
    reason = models.CharField(max_length=200, blank=True)
    partial = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        ordering = ["kpi_key", "grain", "period_start", "dimension", "dimension_value"]
        indexes = [
            # The first and last month stored, looked up on every partial recompute
            # (`snapshots._months_moved`), and a month's rows of every KPI.
            models.Index(
                fields=["workspace", "grain", "period_start"], name="snapshot_grain_period"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "workspace",
                    "kpi_key",
                    "grain",
                    "period_start",
                    "dimension",
                    "dimension_value",
                ],
                name="snapshot_unique_point",
                violation_error_message=_("This KPI value is already stored."),
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(reason=""),
                name="snapshot_undefined_reason",
                violation_error_message=_("A KPI without a value needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.grain} {self.period_start} {self.dimension_value}"


class RecomputeState(WorkspaceOwned):
    """Coalesces recompute requests and makes a recompute safe to repeat or interrupt.

    A data change sets `changed_at` (and `dirty_since`, if it was clean). A task claims the
    work with one conditional UPDATE that sets `started_at`; on success it clears `dirty_since`
    only if `changed_at` is still the value it saw, so a change during the run is not lost. A
    claim older than the lease counts as abandoned (a killed worker): the next task takes over.
    """

    dirty_since = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    # What the pending changes touch: everything, or these data kinds from this day on.
    dirty_full = models.BooleanField(default=False)
    dirty_kinds = models.JSONField(default=list, blank=True)
    dirty_from = models.DateField(null=True, blank=True)
    # The accounts whose subscriptions the pending changes touch, when that is all they touch
    # (a recompute then leaves the other channels, campaigns and countries alone); else null.
    dirty_accounts = models.JSONField(null=True, blank=True, default=None)
    # With dirty_accounts: the plans those subscriptions had before the changes.
    dirty_plans = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)  # for operators, never shown
    failure_count = models.PositiveIntegerField(default=0)  # failed runs, ever (a metric)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    snapshot_count = models.PositiveIntegerField(default=0)
    run_count = models.PositiveIntegerField(default=0)
    definition_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("recompute state")
        verbose_name_plural = _("recompute states")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"],
                name="recompute_state_one",
                violation_error_message=_("This workspace's recompute is already tracked."),
            ),
        ]

    def __str__(self) -> str:
        return f"recompute of workspace {self.workspace_id}"


class PartialSums(WorkspaceOwned):
    """The partial sums of one bucket of a workspace's accounts, or of all of them
    (`kpiapp.kpis.partials`): derived data, rewritten by the recompute alone, which reads
    them to recompute a change of a few accounts from their buckets only."""

    TOTAL = -1  # the bucket of the sums of all accounts

    bucket = models.SmallIntegerField()
    basis = models.TextField()  # what the sums hold for (`partials.Basis`)
    # Counts the writes of the workspace's sums (on the total's row): a recompute that read
    # them writes its update only if no other wrote in between.
    generation = models.PositiveIntegerField(default=0)
    payload = models.BinaryField()  # JSON (`partials.to_json`), compressed with zlib
    digest = models.CharField(max_length=64)  # SHA-256 of the JSON: unchanged sums stay put

    class Meta:
        verbose_name = _("partial sums")
        verbose_name_plural = _("partial sums")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "bucket"],
                name="partial_sums_one_per_bucket",
                violation_error_message=_("These partial sums are already stored."),
            ),
        ]

    def __str__(self) -> str:
        return f"partial sums of bucket {self.bucket} of workspace {self.workspace_id}"
