"""The form that sets a quarterly target on the targets page."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kpiapp.forms.choices import choice_field
from kpiapp.kpis.registry import DIMENSION_NAMES
from kpiapp.kpis.target_rules import DEFAULT_RATE_BASIS, RATE_BASES
from kpiapp.selectors.targets import KpiFacts


class TargetForm(forms.Form):
    """Rates are entered in percent (15 for 15 %), money in the workspace currency. The
    dimension value is chosen among the values the data has (kpiapp.selectors.targets
    .dimension_choices), grouped by dimension; a small script shows the chosen dimension's."""

    kpi_key = forms.ChoiceField(label=_("KPI"))
    dimension = forms.ChoiceField(label=_("For"), required=False)
    dimension_value = forms.ChoiceField(
        label=_("Value of the breakdown"),
        required=False,
        help_text=_("The values your data has, and your channels and campaigns."),
    )
    value = forms.DecimalField(
        label=_("Target"),
        max_digits=20,
        decimal_places=6,
        localize=True,
        help_text=_("Rates in percent (15 for 15 %), money in the workspace currency."),
    )
    rate_basis = forms.ChoiceField(
        label=_("Rates are measured on"),
        choices=RATE_BASES,
        initial=DEFAULT_RATE_BASIS,
        required=False,
        help_text=_(
            "For rates, ratios and means: the mean of the quarter's monthly values (as on the "
            "dashboard) or the quarter's own value."
        ),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    confirm = forms.BooleanField(label=_("Yes, keep this target"), required=False)

    def __init__(
        self,
        *args: Any,
        facts: dict[str, KpiFacts],
        dimension_values: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.facts = facts
        choice_field(self, "kpi_key").choices = [(k, str(f.name)) for k, f in facts.items()]
        choice_field(self, "dimension").choices = [("", _("All (the total)"))] + [
            (key, name) for key, name in DIMENSION_NAMES.items()
        ]
        values = dimension_values or {}
        choice_field(self, "dimension_value").choices = [("", _("Records without one"))] + [
            (str(DIMENSION_NAMES[d]), [(v, v) for v in values.get(d, [])])
            for d in DIMENSION_NAMES
            if values.get(d)
        ]

    def clean_dimension_value(self) -> str:
        return self.cleaned_data.get("dimension_value", "").strip()

    def clean_rate_basis(self) -> str:
        return self.cleaned_data.get("rate_basis") or DEFAULT_RATE_BASIS

    def target_value(self) -> Decimal:
        """The value in the KPI's own unit (rates as fractions)."""
        value: Decimal = self.cleaned_data["value"]
        kpi = self.facts[self.cleaned_data["kpi_key"]]
        return value / 100 if kpi.unit == "rate" else value


class TargetCopyForm(forms.Form):
    percent = forms.DecimalField(
        label=_("Change every value by (%)"), required=False, max_digits=6, decimal_places=2,
        localize=True, min_value=Decimal(-90), max_value=Decimal(500),
        help_text=_("Optional: 10 raises every target by 10 %, −5 lowers it; empty copies them "
                    "as they are."),
    )  # fmt: skip


class TeamBenchmarkForm(forms.Form):
    """Rates in percent, money in the workspace currency, like targets."""

    kpi_key = forms.ChoiceField(label=_("KPI"))
    grain = forms.ChoiceField(
        label=_("Compared per"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
    )
    form = forms.ChoiceField(
        label=_("Kind of reference"),
        choices=[
            ("point", _("A value (on par within 5 %)")),
            ("band", _("A range")),
            ("at_least", _("At least")),
            ("at_most", _("At most")),
        ],
    )
    low = forms.DecimalField(label=_("Value"), max_digits=20, decimal_places=6, localize=True)
    high = forms.DecimalField(
        label=_("Upper end (ranges only)"),
        max_digits=20,
        decimal_places=6,
        localize=True,
        required=False,
    )
    source = forms.CharField(label=_("Source"), max_length=300)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, units: Mapping[str, str], names: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        choice_field(self, "kpi_key").choices = names

    def scaled_low(self) -> Decimal:
        """The value (required) as stored: a rate's percent as a fraction."""
        return self._scaled(self.cleaned_data["low"])

    def scaled_high(self) -> Decimal | None:
        value = self.cleaned_data.get("high")
        return None if value is None else self._scaled(value)

    def _scaled(self, value: Decimal) -> Decimal:
        return value / 100 if self.units[self.cleaned_data["kpi_key"]] == "rate" else value
