"""A quarter's plan backwards from a goal: the goal, the person's assumptions and the trailing
window it was computed from. The steps are computed (`kpiapp.kpis.plan`); saving a plan sets
the quarterly targets that link back to it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned


class GoalKind(models.TextChoices):
    MRR_NEW = "mrr_new", _("New MRR in the quarter")
    CUSTOMERS_NEW = "customers_new", _("New customers in the quarter")
    ARR = "arr", _("ARR at the quarter's end")


class Plan(WorkspaceOwned):
    """One plan per quarter. `shares` maps a channel name to its overridden share of the goal
    (a fraction as a string, "0.3"); `overrides` maps a channel name to {input: value} (rates
    as fractions, money in major units, days), both only for what the person changed."""

    quarter_start = models.DateField(_("quarter"))
    goal_kind = models.CharField(_("goal"), max_length=16, choices=GoalKind.choices)
    goal_value = models.DecimalField(_("goal value"), max_digits=24, decimal_places=2)
    shares = models.JSONField(default=dict, blank=True)
    overrides = models.JSONField(default=dict, blank=True)
    # The trailing window's last month (a month index, year × 12 + month − 1): fixed when the
    # plan is first saved, so its steps do not move as months close.
    basis_month = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("quarter plan")
        verbose_name_plural = _("quarter plans")
        ordering = ["-quarter_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "quarter_start"],
                name="plan_one_per_quarter",
                violation_error_message=_("This quarter already has a plan."),
            ),
            models.CheckConstraint(
                condition=Q(quarter_start__day=1, quarter_start__month__in=[1, 4, 7, 10]),
                name="plan_quarter_start",
                violation_error_message=_("Plans are made per quarter."),
            ),
            models.CheckConstraint(
                condition=Q(goal_value__gt=0),
                name="plan_goal_positive",
                violation_error_message=_("The goal must be above zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"plan {self.quarter_start:%Y-%m}: {self.goal_kind} {self.goal_value}"
