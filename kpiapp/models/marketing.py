"""Where customers come from: channels, campaigns, leads, website traffic and spend."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned
from kpiapp.models.money import major_units, validate_currency


def name_key(name: str) -> str:
    """Channel and campaign names match case- and space-insensitively (PRODUCT.md)."""
    return " ".join(name.split()).casefold()


class Channel(WorkspaceOwned):
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(max_length=100, editable=False)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "key"],
                name="channel_unique_key",
                violation_error_message=_("A channel with this name already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(WorkspaceOwned):
    """A campaign belongs to exactly one channel."""

    channel = models.ForeignKey(
        Channel, on_delete=models.RESTRICT, verbose_name=_("channel"), related_name="campaigns"
    )
    name = models.CharField(_("name"), max_length=150)
    key = models.CharField(max_length=150, editable=False)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "key"],
                name="campaign_unique_key",
                violation_error_message=_("A campaign with this name already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Attributed(models.Model):
    """Where a record came from: a channel and, within it, a campaign (both optional).
    Not indexed on their own: lists filter within a workspace, and deleting a channel or a
    campaign, which the constraint checks with a scan, is rare."""

    channel = models.ForeignKey(
        Channel,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("channel"),
        db_index=False,
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("campaign"),
        db_index=False,
    )

    class Meta:
        abstract = True


class Lead(WorkspaceOwned, Attributed):
    external_id = models.CharField(_("external ID"), max_length=100)
    email_or_company = models.CharField(_("email or company"), max_length=254, blank=True)
    created_at = models.DateField(_("created"))
    qualified_at = models.DateField(_("qualified (SQL)"), null=True, blank=True)
    opportunity_at = models.DateField(_("opportunity"), null=True, blank=True)
    converted_at = models.DateField(_("converted to customer"), null=True, blank=True)
    account = models.ForeignKey(
        "kpiapp.Account",
        on_delete=models.SET_NULL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        related_name="leads",
    )

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                name="lead_unique_ext",
                violation_error_message=_("A lead with this external ID already exists."),
            ),
            models.CheckConstraint(
                condition=Q(qualified_at__isnull=True)
                | Q(qualified_at__gte=models.F("created_at")),
                name="lead_qualified_after_created",
                violation_error_message=_("This step lies before the lead's previous step."),
            ),
            models.CheckConstraint(
                condition=Q(opportunity_at__isnull=True)
                | Q(opportunity_at__gte=Coalesce("qualified_at", "created_at")),
                name="lead_opportunity_in_order",
                violation_error_message=_("This step lies before the lead's previous step."),
            ),
            models.CheckConstraint(
                condition=Q(converted_at__isnull=True)
                | Q(converted_at__gte=Coalesce("opportunity_at", "qualified_at", "created_at")),
                name="lead_converted_in_order",
                violation_error_message=_("This step lies before the lead's previous step."),
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "created_at"], name="lead_ws_created"),
            models.Index(fields=["workspace", "qualified_at"], name="lead_ws_qualified"),
            models.Index(fields=["workspace", "opportunity_at"], name="lead_ws_opportunity"),
            models.Index(fields=["workspace", "converted_at"], name="lead_ws_converted"),
        ]

    def __str__(self) -> str:
        return self.email_or_company or self.external_id


class Traffic(WorkspaceOwned):
    """Website visits per channel, for a day or (when `day` is empty) a whole month."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    day = models.DateField(_("day"), null=True, blank=True)
    channel = models.ForeignKey(Channel, on_delete=models.RESTRICT, verbose_name=_("channel"))
    visits = models.PositiveIntegerField(_("visits"))

    class Meta:
        verbose_name = _("traffic")
        verbose_name_plural = _("traffic")
        ordering = ["-month", "-day"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                "channel",
                "day",
                condition=Q(day__isnull=False),
                name="traffic_unique_day",
                violation_error_message=_("This channel already has visits for this day."),
            ),
            models.UniqueConstraint(
                "workspace",
                "channel",
                "month",
                condition=Q(day__isnull=True),
                name="traffic_unique_month",
                violation_error_message=_("This channel already has visits for this month."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="traffic_month_first_day",
                violation_error_message=_("A month is stored as its first day."),
            ),
            models.CheckConstraint(
                condition=Q(visits__gte=0),
                name="traffic_visits_nonneg",
                violation_error_message=_("Visits must not be negative."),
            ),
        ]
        indexes = [models.Index(fields=["workspace", "month"], name="traffic_ws_month")]

    def __str__(self) -> str:
        return f"{self.channel} {self.day or self.month:%Y-%m}: {self.visits}"


class SpendCategory(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")


class Spend(WorkspaceOwned, Attributed):
    """Marketing or sales cost in a month, for a channel and campaign or unattributed."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    category = models.CharField(_("category"), max_length=10, choices=SpendCategory.choices)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])

    class Meta:
        verbose_name = _("spend")
        verbose_name_plural = _("spend")
        ordering = ["-month"]
        constraints = [
            # Expressions make "no channel" one value, so the key is unique on every database.
            models.UniqueConstraint(
                "workspace",
                "month",
                Coalesce("channel", 0),
                Coalesce("campaign", 0),
                "category",
                name="spend_unique_key",
                violation_error_message=_(
                    "This spend is already recorded for this month, channel, campaign and category."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0),
                name="spend_amount_nonneg",
                violation_error_message=_("The amount must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="spend_month_first_day",
                violation_error_message=_("A month is stored as its first day."),
            ),
            models.CheckConstraint(
                condition=Q(category__in=SpendCategory.values),
                name="spend_category_valid",
                violation_error_message=_("Choose one of the categories."),
            ),
        ]
        indexes = [models.Index(fields=["workspace", "month"], name="spend_ws_month")]

    def __str__(self) -> str:
        amount = major_units(self.amount_cents)
        return f"{self.month:%Y-%m} {self.category} {amount:.2f} {self.currency}"
