from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned
from kpiapp.models.money import validate_currency


class ExchangeRate(WorkspaceOwned):
    """Units of the workspace currency per 1 unit of `currency`, for one month."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=10)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-month", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "month", "currency"],
                name="fx_unique_month",
                violation_error_message=_("This currency already has a rate for this month."),
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="fx_rate_positive",
                violation_error_message=_("An exchange rate must be greater than 0."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="fx_month_first_day",
                violation_error_message=_("A month is stored as its first day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.currency} {self.rate}"
