"""The form that sets up an alert on the alerts page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kpiapp.kpis.registry import DIMENSION_NAMES, KpiDefinition
from kpiapp.models.alerts import AlertComparison, AlertKind, AlertRecipients, WebhookFormat


class AlertRuleForm(forms.Form):
    """Values like a target's: rates in percent (15 for 15 %), money in the workspace
    currency; a change in percent (points for rates)."""

    kpi_key = forms.ChoiceField(label=_("KPI"))
    grain = forms.ChoiceField(
        label=_("Looked at per"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
    )
    dimension = forms.ChoiceField(label=_("For"), required=False)
    dimension_value = forms.CharField(
        label=_("Value of the breakdown"), required=False, max_length=200
    )
    kind = forms.ChoiceField(label=_("Alert when"), choices=AlertKind.choices)
    threshold = forms.DecimalField(
        label=_("Value"), required=False, max_digits=20, decimal_places=6, localize=True,
        help_text=_("For “above” and “below”: rates in percent, money in the workspace currency."),
    )  # fmt: skip
    change = forms.DecimalField(
        label=_("Change of at least (%)"), required=False, max_digits=12, decimal_places=4,
        min_value=Decimal("0.01"), localize=True,
        help_text=_("For “changes by more than”: percent either way, points for rates."),
    )  # fmt: skip
    compare_with = forms.ChoiceField(
        label=_("Compared with"), choices=AlertComparison.choices, required=False
    )
    recipients = forms.ChoiceField(label=_("Email to"), choices=AlertRecipients.choices)
    webhook_url = forms.URLField(
        label=_("Webhook address"), required=False, max_length=500, assume_scheme="https"
    )
    webhook_format = forms.ChoiceField(
        label=_("Webhook format"), choices=WebhookFormat.choices, required=False
    )

    def __init__(self, *args: Any, facts: dict[str, KpiDefinition], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facts = facts
        cast(forms.ChoiceField, self.fields["kpi_key"]).choices = [
            (k, str(f.name)) for k, f in facts.items()
        ]
        cast(forms.ChoiceField, self.fields["dimension"]).choices = [("", _("All (the total)"))] + [
            (key, name) for key, name in DIMENSION_NAMES.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        # A value that did not parse already has its message; one message per field.
        unset = {n for n in ("threshold", "change") if data.get(n) is None and n not in self.errors}
        if kind in (AlertKind.ABOVE, AlertKind.BELOW) and "threshold" in unset:
            self.add_error("threshold", _("Enter the value that sets the alert off."))
        if kind == AlertKind.CHANGE and "change" in unset:
            self.add_error("change", _("Enter by how much the value must change."))
        if data.get("recipients") == AlertRecipients.NONE and not data.get("webhook_url"):
            self.add_error("webhook_url", _("Without an email, the alert needs a webhook address."))
        if data.get("dimension_value") and not data.get("dimension"):
            self.add_error("dimension", _("Choose the breakdown this value belongs to."))
        return data

    def rule_values(self) -> dict[str, Any]:
        """The rule's fields in the KPI's own unit (rates and changes as fractions)."""
        data = self.cleaned_data
        kpi = self.facts[data["kpi_key"]]
        threshold = data.get("threshold")
        if threshold is not None and kpi.unit == "rate":
            threshold = threshold / 100
        change = data.get("change")
        return {
            "kpi_key": data["kpi_key"],
            "grain": data["grain"],
            "dimension": data.get("dimension") or "",
            "dimension_value": data.get("dimension_value") or "",
            "kind": data["kind"],
            "threshold": threshold,
            "change": None if change is None else change / 100,
            "compare_with": data.get("compare_with") or AlertComparison.PREVIOUS,
            "recipients": data["recipients"],
            "webhook_url": data.get("webhook_url") or "",
            "webhook_format": data.get("webhook_format") or WebhookFormat.JSON,
        }
