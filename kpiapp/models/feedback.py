"""What customers say (NPS) and do (product usage)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned


class NpsResponse(WorkspaceOwned):
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)
    account = models.ForeignKey(
        "kpiapp.Account",
        on_delete=models.CASCADE,
        verbose_name=_("account"),
        related_name="nps_responses",
    )
    responded_at = models.DateField(_("answered"))
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("NPS answer")
        verbose_name_plural = _("NPS answers")
        ordering = ["-responded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=10),
                name="nps_score_0_10",
                violation_error_message=_("An NPS score is a whole number from 0 to 10."),
            ),
            models.UniqueConstraint(
                "workspace",
                "external_id",
                condition=~Q(external_id=""),
                name="nps_unique_ext",
                violation_error_message=_("An NPS answer with this external ID already exists."),
            ),
        ]
        indexes = [models.Index(fields=["workspace", "responded_at"], name="nps_ws_responded")]

    def __str__(self) -> str:
        return f"{self.account} {self.responded_at}: {self.score}"


class Usage(WorkspaceOwned):
    account = models.ForeignKey(
        "kpiapp.Account", on_delete=models.CASCADE, verbose_name=_("account"), related_name="usage"
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    active_users = models.PositiveIntegerField(_("active users"), null=True, blank=True)
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    key_actions = models.PositiveIntegerField(_("key actions"), null=True, blank=True)
    first_value_at = models.DateField(_("first value reached"), null=True, blank=True)

    class Meta:
        verbose_name = _("usage")
        verbose_name_plural = _("usage")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "account", "month"],
                name="usage_unique_month",
                violation_error_message=_("This account already has usage for this month."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="usage_month_first_day",
                violation_error_message=_("A month is stored as its first day."),
            ),
        ]
        indexes = [models.Index(fields=["workspace", "month"], name="usage_ws_month")]

    def __str__(self) -> str:
        return f"{self.account} {self.month:%Y-%m}"
