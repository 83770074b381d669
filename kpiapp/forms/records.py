"""Forms for the data pages: one ModelForm per record kind, money entered in major units."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Workspace
from accounts.tenancy import WorkspaceOwned
from kpiapp import models as m
from kpiapp import plausibility
from kpiapp.kpis.periods import today_in
from kpiapp.models.money import cents_of, major_units


class MoneyField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(max_digits=14, decimal_places=2, **kwargs)


if TYPE_CHECKING:

    class _ModelForm(forms.ModelForm):
        """Django's ModelForm with the two hooks RecordForm extends, which the stubs leave out
        (private, but stable since Django 1.x)."""

        def _get_validation_exclusions(self) -> set[str]: ...
        def _post_clean(self) -> None: ...

else:
    _ModelForm = forms.ModelForm


class RecordForm(_ModelForm):
    """Money fields map `amount` (12.50, shown and entered) to `amount_cents` (1250, stored).
    Choice querysets are the scoped managers, read when the form is built inside a view."""

    money_fields: dict[str, str] = {}

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.workspace = workspace
        if "currency" in self.fields and self.instance._state.adding:
            self.initial["currency"] = self.initial.get("currency") or workspace.currency
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                # Records name records of their workspace: the scoped `objects`, not the
                # unscoped default manager the form field starts from.
                related = field.queryset.model
                if issubclass(related, WorkspaceOwned):  # every record form's choices are
                    field.queryset = related.objects.all()
        for name, attr in self.money_fields.items():
            cents = getattr(self.instance, attr, None)
            if cents is not None and name not in self.initial:
                self.initial[name] = major_units(cents)

    def _get_validation_exclusions(self) -> set[str]:
        # Unique keys include the workspace, which is not a form field: check them anyway.
        exclude = super()._get_validation_exclusions()
        exclude.discard("workspace")
        return exclude

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        month = cleaned.get("month")
        if month is not None:  # any day stands for its month
            cleaned["month"] = month.replace(day=1)
        campaign = cleaned.get("campaign")
        if campaign is not None and "channel" in self.fields:
            channel = cleaned.get("channel")
            if channel is None:
                cleaned["channel"] = campaign.channel
                self.instance.channel = campaign.channel
            elif channel != campaign.channel:
                self.add_error(
                    "campaign", _("This campaign belongs to the channel “%s”.") % campaign.channel
                )
        return cleaned

    def _post_clean(self) -> None:
        for name, attr in self.money_fields.items():
            value = self.cleaned_data.get(name)
            setattr(self.instance, attr, None if value is None else cents_of(value))
        # Before the model's own checks: a field found implausible here is left out of them,
        # so its constraint does not repeat the message for the whole record.
        self._check_plausible()
        super()._post_clean()

    def _check_plausible(self) -> None:
        instance, model = self.instance, self._meta.model
        values = {f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}
        values.update({name: value for name, value in self.cleaned_data.items() if name in values})
        field_of = {attr: name for name, attr in self.money_fields.items()}
        today = today_in(instance.workspace.time_zone)
        for attr, message in plausibility.problems(model, values, today):
            name = field_of.get(attr, attr)
            if name in self.fields and name not in self.errors:  # no second message
                self.add_error(name, message)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccountForm(RecordForm):
    class Meta:
        model = m.Account
        fields = (
            "name",
            "external_id",
            "country",
            "industry",
            "employees",
            "channel",
            "campaign",
            "created_at",
        )
        widgets = {"created_at": DATE}

    def clean_country(self) -> str:
        from kpiapp.imports.values import CellError, country

        value = self.cleaned_data.get("country", "")
        if not value:
            return ""
        try:
            return country(value, None)
        except CellError as error:
            raise forms.ValidationError(str(error)) from None


class DealForm(RecordForm):
    amount = MoneyField(label=_("Annual contract value"), required=False)
    services_amount = MoneyField(label=_("One-time services"), required=False)
    money_fields = {"amount": "amount_cents", "services_amount": "services_amount_cents"}

    class Meta:
        model = m.Deal
        fields = (
            "external_id",
            "name",
            "account",
            "owner",
            "channel",
            "campaign",
            "stage",
            "kind",
            "amount",
            "services_amount",
            "currency",
            "created_at",
            "expected_close_at",
            "closed_at",
            "lost_reason",
        )
        widgets = {"created_at": DATE, "expected_close_at": DATE, "closed_at": DATE}


class SubscriptionForm(RecordForm):
    amount = MoneyField(label=_("Net unit price per interval"))
    money_fields = {"amount": "amount_cents"}

    class Meta:
        model = m.Subscription
        fields = (
            "external_id",
            "account",
            "plan",
            "amount",
            "currency",
            "interval",
            "interval_count",
            "quantity",
            "discount_percent",
            "started_at",
            "trial_ends_at",
            "ended_at",
            "cancelled_at",
            "churn_reason",
        )
        widgets = dict.fromkeys(("started_at", "trial_ends_at", "ended_at", "cancelled_at"), DATE)


class LeadForm(RecordForm):
    class Meta:
        model = m.Lead
        fields = (
            "external_id",
            "email_or_company",
            "channel",
            "campaign",
            "created_at",
            "qualified_at",
            "opportunity_at",
            "converted_at",
            "account",
        )
        widgets = dict.fromkeys(
            ("created_at", "qualified_at", "opportunity_at", "converted_at"), DATE
        )


class TrafficForm(RecordForm):
    class Meta:
        model = m.Traffic
        fields = ("month", "day", "channel", "visits")
        widgets = {"month": MONTH, "day": DATE}


class SpendForm(RecordForm):
    amount = MoneyField(label=_("Amount"))
    money_fields = {"amount": "amount_cents"}

    class Meta:
        model = m.Spend
        fields = ("month", "channel", "campaign", "category", "amount", "currency")
        widgets = {"month": MONTH}


class NpsForm(RecordForm):
    class Meta:
        model = m.NpsResponse
        fields = ("account", "responded_at", "score", "comment", "external_id")
        widgets = {"responded_at": DATE, "comment": forms.Textarea(attrs={"rows": 3})}


class UsageForm(RecordForm):
    class Meta:
        model = m.Usage
        fields = ("account", "month", "active_users", "seats", "key_actions", "first_value_at")
        widgets = {"month": MONTH, "first_value_at": DATE}


class TouchpointForm(RecordForm):
    class Meta:
        model = m.Touchpoint
        fields = ("lead", "account", "occurred_at", "channel", "campaign", "type", "external_id")
        widgets = {"occurred_at": DATE}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        lead, account = cleaned.get("lead"), cleaned.get("account")
        if lead is None and account is None and not self.has_error("lead"):
            self.add_error("lead", _("Choose the lead or the account this contact belongs to."))
        elif lead is not None and account is not None:
            self.add_error("account", _("Choose a lead or an account, not both."))
        return cleaned


class ExchangeRateForm(RecordForm):
    class Meta:
        model = m.ExchangeRate
        fields = ("month", "currency", "rate")
        widgets = {"month": MONTH}


class CustomKpiValueForm(RecordForm):
    class Meta:
        model = m.CustomKpiValue
        fields = ("kpi", "month", "value")
        widgets = {"month": MONTH}
