"""Quarterly targets per KPI (optionally for one dimension value), with their history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned
from kpiapp.kpis.target_rules import DEFAULT_RATE_BASIS, RATE_BASES


class Target(WorkspaceOwned):
    """The value a KPI should reach in a quarter, in the KPI's unit (money in major units,
    rates as fractions)."""

    kpi_key = models.CharField(_("KPI"), max_length=60)
    quarter_start = models.DateField(_("quarter"))
    dimension = models.CharField(_("breakdown"), max_length=20, blank=True)
    dimension_value = models.CharField(_("value of the breakdown"), max_length=200, blank=True)
    value = models.DecimalField(_("target"), max_digits=24, decimal_places=6)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Rates, ratios and means only: held against the quarter's own value or the mean of its
    # months (kpiapp.kpis.target_rules); stocks and flows keep the default and ignore it.
    rate_basis = models.CharField(
        _("measured on"), max_length=16, choices=RATE_BASES, default=DEFAULT_RATE_BASIS
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The plan that set it (issue 18). Removing a plan keeps its targets (SET_NULL): they are
    # the team's commitments, and a cascade would delete them without a line in their history.
    plan = models.ForeignKey(
        "kpiapp.Plan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("quarter plan"),
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["quarter_start", "kpi_key", "dimension", "dimension_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kpi_key", "quarter_start", "dimension", "dimension_value"],
                name="target_unique",
                violation_error_message=_("This KPI already has a target for this quarter."),
            ),
            models.CheckConstraint(
                condition=Q(quarter_start__day=1, quarter_start__month__in=[1, 4, 7, 10]),
                name="target_quarter_start",
                violation_error_message=_("Targets are set per quarter."),
            ),
            models.CheckConstraint(
                condition=~Q(dimension="") | Q(dimension_value=""),
                name="target_value_needs_dimension",
                violation_error_message=_("A value of the breakdown needs a breakdown."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.quarter_start:%Y-%m}: {self.value}"


class TargetChange(WorkspaceOwned):
    """Who set, changed or removed a target, when, and from what to what."""

    class Action(models.TextChoices):
        SET = "set", _("set")
        CHANGED = "changed", _("changed")
        REMOVED = "removed", _("removed")

    kpi_key = models.CharField(max_length=60)
    quarter_start = models.DateField()
    dimension = models.CharField(max_length=20, blank=True)
    dimension_value = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    old_value = models.DecimalField(max_digits=24, decimal_places=6, null=True)
    new_value = models.DecimalField(max_digits=24, decimal_places=6, null=True)
    old_note = models.CharField(max_length=500, blank=True)
    new_note = models.CharField(max_length=500, blank=True)
    rate_basis = models.CharField(max_length=16, blank=True)  # the target's after the change
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("target change")
        verbose_name_plural = _("target changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "quarter_start"], name="targetchange_ws_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.quarter_start:%Y-%m} {self.action}"
