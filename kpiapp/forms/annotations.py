"""The annotation form: a date, a text and (on the workspace's list) the KPI it belongs to,
or none for every chart. On a KPI page the KPI is a checkbox, "only this KPI"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kpiapp.models.annotations import TEXT_MAX
from kpiapp.selectors.kpi_lookup import workspace_kpis

EVERY_CHART = _("Every chart (the whole workspace)")


class AnnotationForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    text = forms.CharField(
        label=_("Text"),
        max_length=TEXT_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Price list changed")}),
        error_messages={"max_length": _("At most %(limit_value)d characters.")},
    )
    kpi_key = forms.ChoiceField(label=_("Shown on"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kpi_key"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared above)
        field.choices = [("", EVERY_CHART), *((k.key, k.name) for k in workspace_kpis())]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"day": data["date"], "text": data["text"], "kpi_key": data.get("kpi_key") or ""}
