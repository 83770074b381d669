"""A workspace's dashboards (issue 19): each a name and its tiles in order; one of them is the
default shown at /w/<slug>/."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_one_line
from accounts.tenancy import WorkspaceOwned


class Dashboard(WorkspaceOwned):
    name = models.CharField(_("name"), max_length=60, validators=[validate_one_line])
    # KPI keys in tile order; empty (e.g. after its last own KPI was deleted) shows the
    # standard selection.
    kpis = models.JSONField(_("KPIs"), default=list, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")
        ordering = ["id"]
        indexes = [models.Index(fields=["workspace", "is_default"], name="dashboard_ws_default")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"],
                name="dashboard_name_once",
                violation_error_message=_("A dashboard with this name already exists."),
            ),
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(is_default=True),
                name="dashboard_one_default",
                violation_error_message=_("Only one dashboard can be the default."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
