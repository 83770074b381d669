"""The form of a lead scoring rule (the page's add and edit form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kpiapp.models import LeadScoringRule, TouchpointType


class ScoringRuleForm(forms.ModelForm):
    """Validates like the model; the service normalises and stores (never `save()`)."""

    class Meta:
        model = LeadScoringRule
        fields = ["label", "kind", "value", "minimum", "maximum", "points"]
        help_texts = {
            "value": _(
                "The industry (as in your accounts), the country as its two-letter code "
                "(e.g. DE) or the touchpoint type (e.g. demo, webinar, referral)."
            ),
            "minimum": _("Employees from, or the least number of touchpoints."),
            "maximum": _("Employees up to (leave empty for no upper limit)."),
            "points": _("Between -100 and 100; negative points lower the score."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].widget.attrs["list"] = "touchpoint-types"
        self.fields["points"].widget.attrs.update({"min": -100, "max": 100})

    def rule_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


def touchpoint_type_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in TouchpointType.choices]
