"""The forms of the report pages: the report's settings, its sections (KPI and note, in
order), a share link and a digest subscription. The forms only parse; `services.reports`
checks the report as a whole, the same way for pages and API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kpiapp.forms.choices import choice_field
from kpiapp.kpis.registry import DIMENSION_NAMES, KpiDefinition
from kpiapp.models import Cadence, Comparison, RangeKind, Visibility
from kpiapp.services.reports import MAX_NOTE, MAX_SECTIONS

GRAIN_CHOICES = [("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))]
EXTRA_SECTIONS = 3


class ReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        choices=[
            (Visibility.SHARED, _("the whole workspace")),
            (Visibility.PRIVATE, _("only me (private)")),
        ],
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("Language of the report"),
        choices=[("de", "Deutsch"), ("en", "English")],
        help_text=_("Share links, PDFs and CSV files use it."),
    )
    grain = forms.ChoiceField(label=_("Per"), choices=GRAIN_CHOICES)
    range_kind = forms.ChoiceField(label=_("Period range"), choices=RangeKind.choices)
    range_months = forms.IntegerField(
        label=_("Number of months"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("For “the last N closed months”: 12 shows a year, by quarter four quarters."),
    )
    start_period = forms.CharField(
        label=_("From"), required=False, max_length=7, help_text=_("E.g. 2025-01, 2025-Q1, 2025.")
    )
    end_period = forms.CharField(label=_("To"), required=False, max_length=7)
    dimension = forms.ChoiceField(label=_("Filter by"), required=False)
    dimension_value = forms.CharField(
        label=_("Filter value"),
        required=False,
        max_length=200,
        help_text=_("E.g. the channel “Paid ads”. KPIs without this breakdown show their total."),
    )
    segment = forms.ChoiceField(
        label=_("Segment"),
        required=False,
        help_text=_("Its values in every table, chart and export, instead of a filter."),
    )
    comparison = forms.ChoiceField(label=_("Compare with"), choices=Comparison.choices)
    include_targets = forms.BooleanField(label=_("Show the targets table"), required=False)

    def __init__(
        self, *args: Any, segment_choices: list[tuple[Any, Any]] | None = None, **kwargs: Any
    ) -> None:
        """`segment_choices`: (segment text, label) pairs, or (group, pairs) for a group."""
        super().__init__(*args, **kwargs)
        choice_field(self, "dimension").choices = [("", _("No filter")), *DIMENSION_NAMES.items()]
        choice_field(self, "segment").choices = [("", _("All customers")), *(segment_choices or [])]
        for name in ("range_months", "start_period", "end_period"):
            self.fields[name].widget.attrs["data-range-field"] = name


class SectionForm(forms.Form):
    kpi = forms.ChoiceField(label=_("KPI"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, kpis: list[KpiDefinition], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "kpi").choices = [("", "—"), *((k.key, str(k.name)) for k in kpis)]


SectionFormSet = forms.formset_factory(
    SectionForm, extra=EXTRA_SECTIONS, can_order=True, can_delete=True, max_num=MAX_SECTIONS
)


def sections_from(formset: forms.BaseFormSet) -> list[dict[str, str]]:
    """The filled sections in the order the user gave (ORDER), blank and deleted rows left out."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", {})
        if not data.get("kpi") or data.get("DELETE"):
            continue
        order = data.get("ORDER")
        rows.append((order if order is not None else 10_000 + index, index, data))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [{"kpi": d["kpi"], "note": d.get("note", "")} for _, _, d in rows]


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label=_("For whom"),
        required=False,
        max_length=100,
        help_text=_("E.g. “Investor update” — only you and your team see it."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("At most a year; without a date, 30 days."),
    )
    password = forms.CharField(
        label=_("Password (optional)"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. Send it apart from the link."),
    )
    allow_records = forms.BooleanField(
        label=_("Allow drill-through to the records (customer names, deals)"), required=False
    )


class DigestForm(forms.Form):
    cadence = forms.ChoiceField(
        label=_("Send me this report by email"),
        choices=[("", _("never")), *Cadence.choices],
        required=False,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
