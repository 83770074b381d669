"""The form that defines (or changes) one of the team's own KPIs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kpiapp.models.custom_kpis import Aggregation, CustomKpiUnit, Direction


class CustomKpiForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("E.g. “Audit pass rate” or “Support tickets”.")
    )
    key = forms.RegexField(
        label=_("Key"),
        regex=r"^custom_[a-z0-9_]+$",
        max_length=60,
        required=False,
        help_text=_(
            "For the API and CSV imports; leave empty to derive it from the name. "
            "It cannot be changed later."
        ),
        error_messages={"invalid": _("Keys look like custom_audit_pass_rate.")},
    )
    unit = forms.ChoiceField(
        label=_("Unit"),
        choices=CustomKpiUnit.choices,
        help_text=_("Percent values are entered as 92.5 for 92.5 %."),
    )
    direction = forms.ChoiceField(label=_("Better when"), choices=Direction.choices)
    aggregation = forms.ChoiceField(
        label=_("A quarter or a year shows"), choices=Aggregation.choices
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["key"]
