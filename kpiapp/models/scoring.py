"""Lead scoring: the rules a team reads and edits, each worth a number of points (issue 20,
item 5). The score itself is computed, never stored (kpiapp/kpis/lead_scoring.py)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned

POINTS_LIMIT = 100


class ScoringRuleKind(models.TextChoices):
    # Fit: what the lead's company is (read from the lead's account).
    INDUSTRY = "industry", _("Industry is")
    COMPANY_SIZE = "company_size", _("Employees between")
    COUNTRY = "country", _("Country is")
    # Engagement: what the lead and its account did (their touchpoints).
    RECENT_TOUCHPOINTS = "recent_touchpoints", _("Touchpoints in the last 30 days, at least")
    TOUCHPOINT_TYPE = "touchpoint_type", _("Had a touchpoint of the type")


FIT_KINDS = (ScoringRuleKind.INDUSTRY, ScoringRuleKind.COMPANY_SIZE, ScoringRuleKind.COUNTRY)
VALUE_KINDS = (ScoringRuleKind.INDUSTRY, ScoringRuleKind.COUNTRY, ScoringRuleKind.TOUCHPOINT_TYPE)


class LeadScoringRule(WorkspaceOwned):
    kind = models.CharField(_("rule"), max_length=20, choices=ScoringRuleKind.choices)
    label = models.CharField(_("name"), max_length=100)
    points = models.SmallIntegerField(
        _("points"),
        validators=[MinValueValidator(-POINTS_LIMIT), MaxValueValidator(POINTS_LIMIT)],
    )
    # The industry, the country (ISO code) or the touchpoint type the rule compares with.
    value = models.CharField(_("value"), max_length=100, blank=True)
    # Employees from/to (company size) or the least number of touchpoints (recent touchpoints).
    minimum = models.PositiveIntegerField(_("from"), null=True, blank=True)
    maximum = models.PositiveIntegerField(_("to"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lead scoring rule")
        verbose_name_plural = _("lead scoring rules")
        ordering = ["kind", "id"]
        indexes = [models.Index(fields=["workspace", "kind"], name="scoring_rule_ws_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ScoringRuleKind.values),
                name="scoring_rule_kind_valid",
                violation_error_message=_("Choose one of the kinds of rule."),
            ),
            models.CheckConstraint(
                condition=Q(points__gte=-POINTS_LIMIT, points__lte=POINTS_LIMIT),
                name="scoring_rule_points_bounded",
                violation_error_message=_("A rule is worth between -100 and 100 points."),
            ),
            models.CheckConstraint(
                condition=~Q(label=""),
                name="scoring_rule_label_set",
                violation_error_message=_("Give the rule a name that says what it rewards."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=VALUE_KINDS) | ~Q(value=""),
                name="scoring_rule_value_set",
                violation_error_message=_("Enter what the rule compares with."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ScoringRuleKind.COMPANY_SIZE)
                | Q(minimum__isnull=False)
                | Q(maximum__isnull=False),
                name="scoring_rule_size_bounded",
                violation_error_message=_(
                    "Enter at least the lower or the upper number of employees."
                ),
            ),
            models.CheckConstraint(
                condition=Q(minimum__isnull=True)
                | Q(maximum__isnull=True)
                | Q(maximum__gte=models.F("minimum")),
                name="scoring_rule_range_in_order",
                violation_error_message=_("The upper number must not be below the lower one."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ScoringRuleKind.RECENT_TOUCHPOINTS) | Q(minimum__gte=1),
                name="scoring_rule_touchpoints_counted",
                violation_error_message=_("Enter how many touchpoints at least (1 or more)."),
            ),
        ]

    def __str__(self) -> str:
        return self.label
