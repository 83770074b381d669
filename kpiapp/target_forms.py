"""The form that sets a quarterly target on the targets page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kpiapp.kpis.registry import DIMENSION_NAMES
from kpiapp.selectors.targets import KpiFacts


class TargetForm(forms.Form):
    """Rates are entered in percent (15 for 15 %), money in the workspace currency."""

    kpi_key = forms.ChoiceField(label=_("KPI"))
    dimension = forms.ChoiceField(label=_("For"), required=False)
    dimension_value = forms.CharField(
        label=_("Value of the breakdown"),
        required=False,
        max_length=200,
        help_text=_("E.g. the channel “Paid ads”; empty for records without one."),
    )
    value = forms.DecimalField(
        label=_("Target"), max_digits=20, decimal_places=6, localize=True,
        help_text=_("Rates in percent (15 for 15 %), money in the workspace currency."),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, facts: dict[str, KpiFacts], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facts = facts
        self.fields["kpi_key"].choices = [(k, str(f.name)) for k, f in facts.items()]
        self.fields["dimension"].choices = [("", _("All (the total)"))] + [
            (key, name) for key, name in DIMENSION_NAMES.items()
        ]

    def target_value(self) -> Decimal:
        """The value in the KPI's own unit (rates as fractions)."""
        value: Decimal = self.cleaned_data["value"]
        kpi = self.facts[self.cleaned_data["kpi_key"]]
        return value / 100 if kpi.unit == "rate" else value
