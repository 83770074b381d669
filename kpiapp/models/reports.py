"""Saved reports, their comments, read-only share links and email digest subscriptions.

A report's period range is absolute (two period labels) or relative to the day it is viewed
(`last_closed_month`, `last_closed_quarter`, `last_n_months:N`, `quarter_to_date`; PRODUCT.md).
Its sections are the KPIs in order, each with the team's note: a JSON list of
`{"kpi": key, "note": text}`, validated by `services.reports`.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import npgettext

from accounts.tenancy import WorkspaceOwned


class Visibility(models.TextChoices):
    PRIVATE = "private", _("private")
    SHARED = "shared", _("shared with the workspace")


class RangeKind(models.TextChoices):
    ABSOLUTE = "absolute", _("fixed periods")
    LAST_CLOSED_MONTH = "last_closed_month", _("the last closed month")
    LAST_CLOSED_QUARTER = "last_closed_quarter", _("the last closed quarter")
    LAST_N_MONTHS = "last_n_months", _("the last N closed months")
    QUARTER_TO_DATE = "quarter_to_date", _("the quarter to date")


class Comparison(models.TextChoices):
    NONE = "none", _("no comparison")
    PREVIOUS = "previous", _("previous period")
    LAST_YEAR = "last_year", _("same period last year")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")


class Report(WorkspaceOwned):
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.SHARED
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    grain = models.CharField(_("grain"), max_length=8, default="month")
    range_kind = models.CharField(
        _("period range"), max_length=20, choices=RangeKind.choices, default=RangeKind.ABSOLUTE
    )
    range_months = models.PositiveSmallIntegerField(_("number of months"), null=True, blank=True)
    start_period = models.CharField(_("from"), max_length=7, blank=True)
    end_period = models.CharField(_("to"), max_length=7, blank=True)
    dimension = models.CharField(_("filter by"), max_length=20, blank=True)
    dimension_value = models.CharField(_("filter value"), max_length=200, blank=True)
    # A segment (issue 19 item 4) as the address writes it (`channel:Referral`). One condition
    # also sets `dimension` and `dimension_value`, so every table reads its rows; several
    # leave them empty and the report reads what the KPI pages show for the segment.
    segment = models.CharField(_("segment"), max_length=300, blank=True)
    comparison = models.CharField(
        _("comparison"), max_length=10, choices=Comparison.choices, default=Comparison.PREVIOUS
    )
    include_targets = models.BooleanField(_("show the targets table"), default=False)
    sections = models.JSONField(_("sections"), default=list)
    template = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-updated_at"], name="report_ws_updated")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(range_kind="absolute") | (~Q(start_period="") & ~Q(end_period="")),
                name="report_absolute_has_periods",
                violation_error_message=_("A fixed range needs a first and a last period."),
            ),
            models.CheckConstraint(
                condition=~Q(range_kind="last_n_months") | Q(range_months__gte=1),
                name="report_last_n_has_months",
                violation_error_message=_("Enter how many months the report shows."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED

    @property
    def is_relative(self) -> bool:
        return self.range_kind != RangeKind.ABSOLUTE

    @property
    def range_description(self) -> str:
        """The relative range in words, with its number of months ("the last 12 closed months")."""
        if self.range_kind == RangeKind.LAST_N_MONTHS:
            n = self.range_months or 0
            return npgettext(
                "report range", "the last closed month", "the last %(n)d closed months", n
            ) % {"n": n}
        return str(self.get_range_kind_display())

    @property
    def range_code(self) -> str:
        """The range as PRODUCT.md writes it (`last_n_months:12`, or `2025-01..2025-12`)."""
        if self.range_kind == RangeKind.LAST_N_MONTHS:
            return f"last_n_months:{self.range_months}"
        if self.range_kind == RangeKind.ABSOLUTE:
            return f"{self.start_period}..{self.end_period}"
        return self.range_kind

    @property
    def kpi_keys(self) -> list[str]:
        return [s["kpi"] for s in self.sections]


class ReportComment(WorkspaceOwned):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["workspace", "report"], name="reportcomment_ws_report")]

    def __str__(self) -> str:
        return self.body[:40]


class ShareLink(WorkspaceOwned):
    """A read-only link to one shared report for people outside the workspace. Only a hash of
    the link's token is stored; the password, if any, is stored as a Django password hash."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    password_hash = models.CharField(max_length=200, blank=True)
    allow_records = models.BooleanField(_("allow drill-through to records"), default=False)
    expires_at = models.DateTimeField(_("expires"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "report"], name="sharelink_ws_report")]

    def __str__(self) -> str:
        return f"{self.label or self.prefix}…"

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def is_active(self, now: datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and self.expires_at > moment

    @property
    def last_day(self) -> date:
        """The last day the link works, in the workspace's time zone: `expires_at` is the
        midnight after it there, so the day is the one of the instant just before."""
        local = self.expires_at.astimezone(zoneinfo.ZoneInfo(self.workspace.time_zone))
        return (local - timedelta(microseconds=1)).date()


class DigestSubscription(WorkspaceOwned):
    """A member receives a report by email, weekly, monthly or quarterly."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscriptions"
    )
    cadence = models.CharField(_("how often"), max_length=10, choices=Cadence.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"],
                name="digest_one_per_report_user",
                violation_error_message=_("You already receive this report by email."),
            )
        ]
        indexes = [models.Index(fields=["workspace", "cadence"], name="digest_ws_cadence")]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.user_id} ({self.cadence})"


class DigestDelivery(WorkspaceOwned):
    """One digest email per subscription and period (`2026-W47`, `2026-11`, `2026-Q4`): the row
    is claimed before sending, so a retried or duplicated task never sends twice."""

    class Status(models.TextChoices):
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")

    subscription = models.ForeignKey(
        DigestSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    period_key = models.CharField(max_length=10)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_key"],
                name="digest_delivery_once",
                violation_error_message=_("This digest was already sent for this period."),
            )
        ]
        indexes = [models.Index(fields=["workspace", "period_key"], name="digestdelivery_ws")]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.period_key} {self.status}"
