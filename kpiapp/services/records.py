"""Writes of single records from the data pages."""

from __future__ import annotations

from datetime import date, timedelta
from functools import reduce

from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.forms.records import RecordForm
from kpiapp.kpis.dependencies import SUBSCRIPTION_AMOUNTS
from kpiapp.models import Deal, DealStageChange
from kpiapp.services.snapshots import FULL, Scope, recompute_request


class RecordInUse(Exception):
    """The record is referenced by others and cannot be deleted."""


def _kind_of(record: models.Model | type[models.Model]) -> str | None:
    model = record if isinstance(record, type) else type(record)
    return next((slug for slug, k in DATA_KINDS.items() if issubclass(model, k.model)), None)


def _deleted_with(record: models.Model) -> frozenset[str]:
    """The data kinds whose records a delete of `record` deletes or unlinks with it: an
    account takes its subscriptions, usage, NPS answers and touchpoints along and unlinks its
    leads; a lead takes its touchpoints and unlinks its deals."""
    kinds = {
        _kind_of(relation.related_model)
        for relation in record._meta.related_objects
        if getattr(relation, "on_delete", None) in (models.CASCADE, models.SET_NULL)
        and isinstance(relation.related_model, type)
    }
    return frozenset(kind for kind in kinds if kind is not None)


# An account's or lead's fields decide the channel and campaign of every period.
WHOLE_HISTORY = {"accounts", "leads"}


def _is_day(field: models.Field) -> bool:
    return isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)


def _values(record: models.Model | None) -> dict[str, object]:
    if record is None:
        return {}
    return {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}


def _earliest_touched(record: models.Model, before: dict, after: dict) -> date | None:
    """The first day a change can move a KPI: when only dates changed, the earliest old or
    new value of those dates; otherwise (an amount, a stage, a new or deleted record) the
    earliest date the record has or had."""
    days = {f.attname for f in record._meta.concrete_fields if _is_day(f)}
    changed = _changed(before, after)
    names = changed if before and after and changed <= days else days
    dates = [
        value
        for values in (before, after)
        for name in names
        if name in days and (value := values.get(name)) is not None
    ]
    return min(dates) if dates else None


def _funnel_only(lead: models.Model, before: dict, after: dict) -> bool:
    """Whether a lead's change moves only funnel KPIs: it was and is not converted to an
    account (which would take its channel and campaign) and no deal refers to it (a deal
    without a channel takes its lead's). A deleted lead's deals are not known any more."""
    if not after:
        return False
    converted = any(v.get("account_id") and v.get("converted_at") for v in (before, after))
    return not converted and not Deal.objects.filter(lead_id=lead.pk).exists()


# A subscription's fields that set its price; MRR = amount × quantity × (1 − discount).
PRICE_FIELDS = frozenset({"amount_cents", "quantity", "discount_percent"})


def _new_price_only(before: dict, after: dict) -> bool:
    """Whether a subscription's change is a new price that keeps it paid on the same days
    (MRR above zero before and after): then every account is a customer on the same days."""
    if not before or not after:
        return False
    changed = _changed(before, after)
    return bool(changed) and changed <= PRICE_FIELDS and _paid(before) and _paid(after)


def _changed(before: dict, after: dict) -> set[str]:
    """The fields whose values differ between two `_values` of a record."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def _paid(values: dict) -> bool:
    amount, quantity = values.get("amount_cents") or 0, values.get("quantity") or 0
    discount = values.get("discount_percent")
    return amount > 0 and quantity > 0 and discount is not None and discount < 100


def _recompute_scope(record: models.Model, before: dict, after: dict) -> Scope:
    """The KPIs that read this kind of record, from the first day it touches; of a
    subscription, the accounts it belonged and belongs to."""
    kind = _kind_of(record)
    if kind is None:
        return FULL
    if kind == "leads" and _funnel_only(record, before, after):
        kind = "lead_funnel"  # its months of the funnel, not the whole history
    since = _earliest_touched(record, before, after)
    if kind == "deals":  # a change of stage is history from today on
        yesterday = timezone.now().date() - timedelta(days=1)
        since = min(since, yesterday) if since else yesterday
    accounts, plans = None, frozenset[str]()
    if kind == "subscriptions":
        accounts = frozenset(v["account_id"] for v in (before, after) if v.get("account_id"))
        plans = frozenset({before["plan"]}) if before else plans  # the plan it leaves
        if _new_price_only(before, after):
            kind = SUBSCRIPTION_AMOUNTS
    since = None if kind in WHOLE_HISTORY else since
    return Scope(frozenset({kind}), since, accounts, plans).bounded()


def _request_recompute(scopes: list[Scope]) -> None:
    """One request for all of them: their kinds, from the earliest day any touches."""
    if not scopes:
        return
    scope = reduce(Scope.merge, scopes)
    if scope.kinds is None:
        recompute_request()
        return
    accounts = None if scope.accounts is None else set(scope.accounts)
    recompute_request(
        kinds=set(scope.kinds), since=scope.since, accounts=accounts, plans=set(scope.plans)
    )


def _save(membership: Membership, form: RecordForm) -> tuple[models.Model, Scope]:
    record = form.instance
    stored = type(record).objects.filter(pk=record.pk).first() if record.pk else None
    before = _values(stored)
    record = form.save()
    if isinstance(stored, Deal) and stored.stage != record.stage:
        DealStageChange.objects.create(
            deal=record, changed_by=membership.user, from_stage=stored.stage, to_stage=record.stage
        )
    return record, _recompute_scope(record, before, _values(record))


@transaction.atomic
def record_save(*, membership: Membership, form: RecordForm) -> models.Model:
    """Save a validated form; a deal's change of stage goes into its history."""
    record, scope = _save(membership, form)
    _request_recompute([scope])
    return record


@transaction.atomic
def records_save(*, membership: Membership, forms: list[RecordForm]) -> list[models.Model]:
    """Save validated forms together, with one recompute request for all of them."""
    saved = [_save(membership, form) for form in forms]
    _request_recompute([scope for _, scope in saved])
    return [record for record, _ in saved]


@transaction.atomic
def record_delete(*, membership: Membership, record: models.Model) -> None:
    try:
        before = _values(record)
        label = str(record)
        record.delete()
        _audit_deleted(membership, record, label)
        scopes = [_recompute_scope(record, before, {})]
        if along := _deleted_with(record):
            scopes.append(Scope(along))  # their whole history
        _request_recompute(scopes)
    except (ProtectedError, RestrictedError) as error:
        used_by = sorted({o._meta.verbose_name_plural for o in error.args[1]})
        raise RecordInUse(
            _("It is still used by other records (%(kinds)s); change or delete those first.")
            % {"kinds": ", ".join(str(k) for k in used_by)}
        ) from None


def _audit_deleted(membership: Membership, record: models.Model, label: str) -> None:
    kind = _kind_of(record) or record._meta.model_name or ""
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.RECORD_DELETED,
        subject=label,
        object_type=kind,
    )
