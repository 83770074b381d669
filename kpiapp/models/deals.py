"""The pipeline: deals with their stage and a history of stage changes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned
from kpiapp.models.marketing import Attributed
from kpiapp.models.money import validate_currency


class DealStage(models.TextChoices):
    LEAD = "lead", _("Lead")
    QUALIFIED = "qualified", _("Qualified")
    DEMO = "demo", _("Demo")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


CLOSED_STAGES = {DealStage.WON, DealStage.LOST}


class DealKind(models.TextChoices):
    NEW = "new", _("New business")
    EXPANSION = "expansion", _("Expansion")
    RENEWAL = "renewal", _("Renewal")


class Deal(WorkspaceOwned, Attributed):
    external_id = models.CharField(_("external ID"), max_length=100)
    account = models.ForeignKey(
        "kpiapp.Account",
        on_delete=models.RESTRICT,
        verbose_name=_("account"),
        null=True,
        blank=True,
        related_name="deals",
    )
    lead = models.ForeignKey(
        "kpiapp.Lead",
        on_delete=models.SET_NULL,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        related_name="deals",
        db_index=False,  # see the partial index in Meta
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    stage = models.CharField(_("stage"), max_length=12, choices=DealStage.choices)
    kind = models.CharField(
        _("kind"), max_length=10, choices=DealKind.choices, default=DealKind.NEW
    )
    amount_cents = models.BigIntegerField(_("annual contract value (cents)"), null=True, blank=True)
    services_amount_cents = models.BigIntegerField(
        _("one-time services (cents)"), null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    created_at = models.DateField(_("created"), null=True, blank=True)
    expected_close_at = models.DateField(_("expected close"), null=True, blank=True)
    closed_at = models.DateField(_("closed"), null=True, blank=True)
    lost_reason = models.CharField(_("reason lost"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                name="deal_unique_ext",
                violation_error_message=_("A deal with this external ID already exists."),
            ),
            models.CheckConstraint(
                condition=Q(stage__in=DealStage.values),
                name="deal_stage_valid",
                violation_error_message=_("Choose one of the stages."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DealKind.values),
                name="deal_kind_valid",
                violation_error_message=_("Choose one of the kinds of deal."),
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__isnull=True) | Q(amount_cents__gte=0),
                name="deal_amount_nonneg",
                violation_error_message=_("The annual contract value must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(services_amount_cents__isnull=True) | Q(services_amount_cents__gte=0),
                name="deal_services_nonneg",
                violation_error_message=_("The services amount must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(created_at__isnull=False) | Q(stage=DealStage.LEAD),
                name="deal_created_unless_lead",
                violation_error_message=_(
                    "Enter the day the deal was created (only a lead can do without)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True)
                | Q(created_at__isnull=True)
                | Q(closed_at__gte=F("created_at")),
                name="deal_closed_after_created",
                violation_error_message=_("The deal was closed before it was created."),
            ),
        ]
        indexes = [
            # Serves the foreign-key check when leads are deleted (without it, deleting a
            # workspace scans every deal once per lead); partial, so deals without a lead,
            # the usual import, cost it nothing.
            models.Index(fields=["lead"], condition=Q(lead__isnull=False), name="deal_lead_set"),
            models.Index(fields=["workspace", "closed_at"], name="deal_ws_closed"),
            models.Index(fields=["workspace", "created_at"], name="deal_ws_created"),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class DealStageChange(WorkspaceOwned):
    """One step in a deal's history: who moved it, when, from which stage to which."""

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, verbose_name=_("deal"), related_name="stage_changes"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_stage = models.CharField(max_length=12, choices=DealStage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=DealStage.choices)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["deal", "changed_at", "id"]
        indexes = [models.Index(fields=["workspace", "changed_at"], name="stagechange_ws_at")]

    def __str__(self) -> str:
        return f"{self.deal}: {self.from_stage or '–'} → {self.to_stage}"
