"""A customer's journey: the touchpoints of a lead or an account (KPIS.md section 7)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned
from kpiapp.models.marketing import Campaign, Channel


class TouchpointType(models.TextChoices):
    VISIT = "visit", _("Visit")
    AD_CLICK = "ad_click", _("Ad click")
    WEBINAR = "webinar", _("Webinar")
    DEMO = "demo", _("Demo")
    EMAIL = "email", _("Email")
    EVENT = "event", _("Event")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class Touchpoint(WorkspaceOwned):
    """One contact of a lead or of an account (exactly one of them) through a channel."""

    external_id = models.CharField(_("external ID"), max_length=100, blank=True)
    lead = models.ForeignKey(
        "kpiapp.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="touchpoints",
        verbose_name=_("lead"),
    )
    account = models.ForeignKey(
        "kpiapp.Account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="touchpoints",
        verbose_name=_("account"),
    )
    occurred_at = models.DateField(_("date"))
    channel = models.ForeignKey(
        Channel, on_delete=models.RESTRICT, related_name="+", verbose_name=_("channel")
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
    type = models.CharField(_("type"), max_length=20, choices=TouchpointType.choices)

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False, account__isnull=True)
                | Q(lead__isnull=True, account__isnull=False),
                name="touchpoint_lead_or_account",
                violation_error_message=_("A touchpoint belongs to a lead or to an account."),
            ),
            models.UniqueConstraint(
                "workspace",
                "external_id",
                condition=~Q(external_id=""),
                name="touchpoint_unique_ext",
                violation_error_message=_("A touchpoint with this external ID already exists."),
            ),
        ]
        indexes = [models.Index(fields=["workspace", "occurred_at"], name="touchpoint_ws_occurred")]

    def __str__(self) -> str:
        return f"{self.occurred_at} {self.get_type_display()} ({self.channel})"
