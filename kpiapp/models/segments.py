"""A workspace's saved segments (issue 19 item 4): a name and its conditions, picked in the
filter bar of the dashboard, the KPI pages and the MRR movements."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_one_line
from accounts.tenancy import WorkspaceOwned
from kpiapp.kpis.segments import Condition, segment_text


class Segment(WorkspaceOwned):
    name = models.CharField(_("name"), max_length=60, validators=[validate_one_line])
    # [{"dimension": "country", "value": "DE"}, ...] as `kpis/segments.py` reads them.
    conditions = models.JSONField(_("conditions"), default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["workspace", "name"], name="segment_ws_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"],
                name="segment_name_once",
                violation_error_message=_("A segment with this name already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def condition_list(self) -> list[Condition]:
        return [Condition(str(c["dimension"]), str(c["value"])) for c in self.conditions or []]

    @property
    def text(self) -> str:
        """The segment as the address carries it (`country:DE;plan:Pro`)."""
        return segment_text(self.condition_list)
