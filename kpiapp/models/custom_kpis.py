"""A team's own KPIs (KPIS.md section 6), with values entered per month."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned


class CustomKpiUnit(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENT = "percent", _("Percent")
    MONEY = "money", _("Money")
    DAYS = "days", _("Days")


class Direction(models.TextChoices):
    UP = "up", _("Higher is better")
    DOWN = "down", _("Lower is better")
    NEUTRAL = "neutral", _("Neutral")


class Aggregation(models.TextChoices):
    LAST = "last", _("Last month")
    SUM = "sum", _("Sum of the months")
    MEAN = "mean", _("Mean of the months")


class CustomKpi(WorkspaceOwned):
    key = models.CharField(
        _("key"),
        max_length=60,
        validators=[
            RegexValidator(r"^custom_[a-z0-9_]+$", _("Keys look like custom_audit_pass_rate."))
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=8, choices=CustomKpiUnit.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    aggregation = models.CharField(_("quarter and year"), max_length=4, choices=Aggregation.choices)

    class Meta:
        verbose_name = _("custom KPI")
        verbose_name_plural = _("custom KPIs")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "key"],
                name="custom_kpi_unique_key",
                violation_error_message=_("A KPI with this key already exists."),
            ),
            models.CheckConstraint(
                condition=Q(key__startswith="custom_"),
                name="custom_kpi_key_prefix",
                violation_error_message=_("Keys look like custom_audit_pass_rate."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CustomKpiValue(WorkspaceOwned):
    kpi = models.ForeignKey(
        CustomKpi, on_delete=models.CASCADE, verbose_name=_("KPI"), related_name="values"
    )
    month = models.DateField(_("month"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6)

    class Meta:
        verbose_name = _("custom KPI value")
        verbose_name_plural = _("custom KPI values")
        ordering = ["kpi", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kpi", "month"],
                name="custom_kpi_value_unique",
                violation_error_message=_("This KPI already has a value for this month."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="custom_kpi_value_month_first_day",
                violation_error_message=_("A month is stored as its first day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.month:%Y-%m}: {self.value}"
