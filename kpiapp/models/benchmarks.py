"""A team's own benchmarks (BENCHMARKS.md: segment `team`, which wins over the library)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned


class BenchmarkForm(models.TextChoices):
    POINT = "point", _("A value (on par within 5 %)")
    BAND = "band", _("A range")
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")


class TeamBenchmark(WorkspaceOwned):
    kpi_key = models.CharField(_("KPI"), max_length=60)
    grain = models.CharField(
        _("grain"),
        max_length=8,
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
    )
    form = models.CharField(_("kind of reference"), max_length=8, choices=BenchmarkForm.choices)
    low = models.DecimalField(_("value"), max_digits=20, decimal_places=6)
    high = models.DecimalField(
        _("upper end"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=300)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("team benchmark")
        verbose_name_plural = _("team benchmarks")
        ordering = ["kpi_key", "grain"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kpi_key", "grain"],
                name="team_benchmark_unique",
                violation_error_message=_(
                    "This KPI already has a reference for this period length."
                ),
            ),
            models.CheckConstraint(
                condition=Q(form="band", high__isnull=False, high__gte=models.F("low"))
                | (~Q(form="band") & Q(high__isnull=True)),
                name="team_benchmark_band",
                violation_error_message=_(
                    "A range needs an upper end at least as large as its value; "
                    "other kinds have none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.grain}"


class BenchmarkPick(WorkspaceOwned):
    """The built-in row a workspace's tiles and reports judge a KPI by at a grain, picked by an
    admin over BENCHMARKS.md's rule ("Choosing the row"); a team benchmark still wins."""

    kpi_key = models.CharField(_("KPI"), max_length=60)
    grain = models.CharField(_("grain"), max_length=8)
    ref = models.CharField(_("reference"), max_length=120)

    class Meta:
        verbose_name = _("chosen benchmark")
        verbose_name_plural = _("chosen benchmarks")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kpi_key", "grain"],
                name="benchmark_pick_unique",
                violation_error_message=_(
                    "This KPI already has a chosen reference for this period length."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.grain}: {self.ref}"
