"""Alerts: a team's rules on KPI values, the events they fired and how each was delivered
(issue 20; KPIS.md "Alerts"). An event is unique per rule, period and condition, so a rule
fires once per period however often the recompute and its evaluation run."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned


class AlertKind(models.TextChoices):
    ABOVE = "above", _("Above a value")
    BELOW = "below", _("Below a value")
    CHANGE = "change", _("Changes by more than")
    ANOMALY = "anomaly", _("Unusual value")
    TARGET_AT_RISK = "target_at_risk", _("Target at risk")


class AlertComparison(models.TextChoices):
    PREVIOUS = "previous", _("the previous period")
    LAST_YEAR = "last_year", _("the same period a year earlier")


class AlertRecipients(models.TextChoices):
    ME = "me", _("Only me")
    TEAM = "team", _("Every member")
    NONE = "none", _("Nobody (webhook only)")


class WebhookFormat(models.TextChoices):
    JSON = "json", _("JSON")
    SLACK = "slack", _("Slack")


class AlertRule(WorkspaceOwned):
    kpi_key = models.CharField(_("KPI"), max_length=60)
    grain = models.CharField(_("grain"), max_length=8, default="month")
    dimension = models.CharField(_("breakdown"), max_length=20, blank=True)
    dimension_value = models.CharField(_("value of the breakdown"), max_length=200, blank=True)
    kind = models.CharField(_("alert when"), max_length=20, choices=AlertKind.choices)
    # The bound of `above` and `below`, in the KPI's unit (money in major units, rates as
    # fractions), like a target.
    threshold = models.DecimalField(
        _("value"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    # `change`: the relative change (0.2 = 20 %; points for rates) that fires, either way.
    change = models.DecimalField(
        _("change"), max_digits=12, decimal_places=6, null=True, blank=True
    )
    compare_with = models.CharField(
        _("compared with"),
        max_length=12,
        choices=AlertComparison.choices,
        default=AlertComparison.PREVIOUS,
    )
    recipients = models.CharField(
        _("email to"), max_length=8, choices=AlertRecipients.choices, default=AlertRecipients.ME
    )
    webhook_url = models.URLField(_("webhook address"), max_length=500, blank=True)
    webhook_format = models.CharField(
        _("webhook format"), max_length=8, choices=WebhookFormat.choices, default="json"
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["kpi_key", "id"]
        indexes = [models.Index(fields=["workspace", "kpi_key"], name="alert_ws_kpi")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["above", "below"]) | Q(threshold__isnull=False),
                name="alert_threshold_needs_value",
                violation_error_message=_("Enter the value that sets the alert off."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="change") | Q(change__gt=0),
                name="alert_change_positive",
                violation_error_message=_("Enter by how much the value must change."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.kind}"


class AlertEvent(WorkspaceOwned):
    """A rule fired for a period: what the value was and why, in the words of the event."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    period_start = models.DateField()
    grain = models.CharField(max_length=8)
    condition = models.CharField(max_length=20)  # above, below, rise, fall, anomaly, at_risk …
    value = models.DecimalField(max_digits=30, decimal_places=6, null=True)
    reference = models.DecimalField(max_digits=30, decimal_places=6, null=True)
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["-fired_at", "-id"]
        indexes = [models.Index(fields=["workspace", "fired_at"], name="alert_event_ws_fired")]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "grain", "period_start", "condition"],
                name="alert_event_once",
                violation_error_message=_("This alert has already fired for this period."),
            )
        ]


class AlertDelivery(WorkspaceOwned):
    """One email or one webhook call of an event; claimed once, retried until sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8)  # email, webhook
    # Who or what it goes to: "user:<id>" or "webhook"; one delivery per event and target.
    target = models.CharField(max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "status"], name="alert_delivery_ws_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "target"],
                name="alert_delivery_once",
                violation_error_message=_("This alert is already being sent there."),
            )
        ]


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class WebhookSecret(WorkspaceOwned):
    """The workspace's key for signing webhook calls (HMAC-SHA256 of the body)."""

    secret = models.CharField(max_length=64, default=new_webhook_secret)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"],
                name="webhook_secret_once",
                violation_error_message=_("The workspace already has a webhook key."),
            )
        ]
