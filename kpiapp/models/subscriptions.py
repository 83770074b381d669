"""What accounts pay for, over time. A change is a new row that ends the previous one."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned
from kpiapp.models.money import validate_currency


class BillingInterval(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


MONTHS_PER_INTERVAL: dict[str, int] = {  # the model's `interval` holds the plain value
    BillingInterval.MONTH: 1,
    BillingInterval.QUARTER: 3,
    BillingInterval.YEAR: 12,
}


class Subscription(WorkspaceOwned):
    external_id = models.CharField(_("external ID"), max_length=100)
    account = models.ForeignKey(
        "kpiapp.Account",
        on_delete=models.CASCADE,
        verbose_name=_("account"),
        related_name="subscriptions",
    )
    plan = models.CharField(_("plan"), max_length=100, blank=True)
    amount_cents = models.BigIntegerField(
        _("net unit price per interval (cents)"), help_text=_("Without VAT.")
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    interval = models.CharField(_("interval"), max_length=8, choices=BillingInterval.choices)
    interval_count = models.PositiveSmallIntegerField(_("intervals per bill"), default=1)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=0
    )
    started_at = models.DateField(_("started"))
    trial_ends_at = models.DateField(_("trial ends"), null=True, blank=True)
    ended_at = models.DateField(
        _("ended"), null=True, blank=True, help_text=_("The first day without service.")
    )
    cancelled_at = models.DateField(
        _("notice given"), null=True, blank=True, help_text=_("The day the customer cancelled.")
    )
    churn_reason = models.CharField(_("churn reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["account", "external_id", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id", "started_at"],
                name="subscription_unique_key",
                violation_error_message=_(
                    "A subscription with this external ID already starts on this day."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0),
                name="subscription_amount_nonneg",
                violation_error_message=_("The price must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(interval__in=BillingInterval.values),
                name="subscription_interval_valid",
                violation_error_message=_("Choose one of the billing intervals."),
            ),
            models.CheckConstraint(
                condition=Q(interval_count__gte=1),
                name="subscription_interval_count_pos",
                violation_error_message=_("A bill covers at least one interval."),
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="subscription_discount_0_100",
                violation_error_message=_("The discount lies between 0 and 100 percent."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="subscription_end_after_start",
                violation_error_message=_("The end lies before the start."),
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "started_at"], name="subscription_ws_start"),
            models.Index(fields=["workspace", "ended_at"], name="subscription_ws_end"),
            models.Index(fields=["workspace", "account"], name="subscription_ws_account"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} from {self.started_at}"
