"""Annotations: a dated note of the team ("price list changed", "campaign started"), for the
whole workspace or one KPI, drawn on every chart whose range holds its date (issue 19)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned

TEXT_MAX = 200


class Annotation(WorkspaceOwned):
    day = models.DateField(_("date"))
    text = models.CharField(_("text"), max_length=TEXT_MAX)
    # Empty: the whole workspace (every chart); else a registry KPI's or an own KPI's key.
    kpi_key = models.CharField(_("KPI"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        ordering = ["day", "id"]
        indexes = [
            models.Index(fields=["workspace", "day"], name="annotation_ws_day"),
            models.Index(fields=["workspace", "kpi_key", "day"], name="annotation_ws_kpi_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="annotation_text_required",
                violation_error_message=_("An annotation needs a text."),
            ),
            models.CheckConstraint(
                condition=Q(day__gte="1970-01-01", day__lte="2100-12-31"),
                name="annotation_day_window",
                violation_error_message=_("The date must lie between 1970 and 2100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}: {self.text[:40]}"
