"""Alerts: evaluated after each recompute, delivered by email and webhook (issue 20).

`alerts_evaluate` looks at every active rule of the workspace in scope: value rules at the
last complete period of their grain, target rules at the current quarter's pacing. What fires
becomes an `AlertEvent`, unique per rule, period and condition, so an evaluation that runs
again (a retry, a duplicate delivery, the next recompute) fires nothing twice. Each event gets
one `AlertDelivery` per recipient and one for the webhook; `alert_deliver` sends one, and a
delivery already sent is never sent again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import requests

from accounts.access import workspace_member_ids
from accounts.audit import audit_record
from accounts.models import AuditAction, Membership, Workspace
from accounts.roles import Role
from accounts.tenancy import current_workspace_id
from kpiapp.kpis import alert_checks
from kpiapp.kpis.periods import Period, is_grain, month_index, period_name
from kpiapp.kpis.registry import KpiDefinition
from kpiapp.models import AlertDelivery, AlertEvent, AlertKind, AlertRule, KpiSnapshot
from kpiapp.models.alerts import AlertComparison, AlertRecipients, WebhookFormat, WebhookSecret
from kpiapp.ops import counters
from kpiapp.selectors.kpi_lookup import workspace_kpi
from kpiapp.selectors.targets import kpi_facts, targets_of_quarter
from kpiapp.selectors.tiles import last_complete_period
from kpiapp.templatetags.kpi_format import kpi_value

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10  # seconds
MAX_ATTEMPTS = 6
SIGNATURE_HEADER = "X-Kennzahl-Signature"


@dataclass(frozen=True)
class Fired:
    firing: alert_checks.Firing
    period: Period


# --- rules -----------------------------------------------------------------------------------


@transaction.atomic
def alert_rule_create(*, membership: Membership, values: dict[str, Any]) -> AlertRule:
    """An editor sets up an alert (values as `AlertRuleForm.rule_values` gives them)."""
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied
    if workspace_kpi(values["kpi_key"]) is None:
        raise ValidationError({"kpi_key": _("There is no such KPI.")})
    rule = AlertRule(workspace_id=membership.workspace_id, created_by=membership.user, **values)
    rule.full_clean(exclude=["workspace"])
    rule.save()
    _audit(membership, AuditAction.ALERT_CREATED, rule)
    return rule


@transaction.atomic
def alert_rule_set_active(*, membership: Membership, rule: AlertRule, active: bool) -> AlertRule:
    """Pause an alert (it is not evaluated, nothing fires) or resume it; audited once per
    change, so pausing a paused alert writes nothing."""
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied
    if rule.active != active:
        rule.active = active
        rule.save(update_fields=["active"])
        action = AuditAction.ALERT_RESUMED if active else AuditAction.ALERT_PAUSED
        _audit(membership, action, rule)
    return rule


@transaction.atomic
def alert_rule_delete(*, membership: Membership, rule: AlertRule) -> None:
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied
    _audit(membership, AuditAction.ALERT_DELETED, rule)
    rule.delete()


def _audit(membership: Membership, action: str, rule: AlertRule) -> None:
    """The rule as the audit log words it (selectors.audit_text): its KPI, breakdown value
    and condition, whom it emails and whether it calls a webhook."""
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=action,
        subject=f"{rule.kpi_key} {rule.kind}",
        object_type="alert",
        kpi=rule.kpi_key,
        dimension_value=rule.dimension_value,
        alert_kind=rule.kind,
        threshold=None if rule.threshold is None else str(rule.threshold),
        change=None if rule.change is None else str(rule.change),
        compare_with=rule.compare_with if rule.kind == AlertKind.CHANGE else "",
        recipients=rule.recipients,
        webhook_format=rule.webhook_format if rule.webhook_url else "",
    )


# --- evaluation ------------------------------------------------------------------------------


def alerts_evaluate(*, today: date) -> list[int]:
    """Evaluate the workspace's active rules; returns the ids of the new deliveries, which are
    sent by tasks enqueued once the transaction commits."""
    new: list[int] = []
    for rule in AlertRule.objects.filter(active=True).order_by("id"):
        kpi = workspace_kpi(rule.kpi_key)
        if kpi is None:
            continue  # a custom KPI that was deleted
        fired = _target_check(rule, today) if rule.kind == AlertKind.TARGET_AT_RISK else None
        if rule.kind != AlertKind.TARGET_AT_RISK:
            fired = _value_check(rule, kpi, today)
        if fired is not None:
            new += _record(rule, fired)
    return new


def _series(rule: AlertRule, until: date) -> dict[date, Decimal | None]:
    rows = KpiSnapshot.objects.filter(
        kpi_key=rule.kpi_key,
        grain=rule.grain,
        dimension=rule.dimension,
        dimension_value=rule.dimension_value,
        period_start__lte=until,
    ).values_list("period_start", "value")
    return dict(rows)


def _value_check(rule: AlertRule, kpi: KpiDefinition, today: date) -> Fired | None:
    period = last_complete_period(rule.grain if is_grain(rule.grain) else "month", today)
    values = _series(rule, period.start)
    value = values.get(period.start)
    if value is None:
        return None
    firing = None
    if rule.kind in (AlertKind.ABOVE, AlertKind.BELOW) and rule.threshold is not None:
        firing = alert_checks.threshold(value, rule.threshold, above=rule.kind == AlertKind.ABOVE)
    elif rule.kind == AlertKind.CHANGE and rule.change is not None:
        before = values.get(_earlier(period, rule.compare_with).start)
        firing = alert_checks.change(value, before, rule.change, kpi.unit)
    elif rule.kind == AlertKind.ANOMALY:
        history, before_period = [], period
        for _step in range(alert_checks.ANOMALY_PERIODS):
            before_period = before_period.previous()
            history.append(values.get(before_period.start))
        firing = alert_checks.anomaly(value, history[::-1])
    return Fired(firing, period) if firing else None


def _earlier(period: Period, compare_with: str) -> Period:
    if compare_with == AlertComparison.LAST_YEAR:
        return Period.containing(period.grain, period.first_month - 12)
    return period.previous()


def _target_check(rule: AlertRule, today: date) -> Fired | None:
    quarter = Period.containing("quarter", month_index(today))
    rows = targets_of_quarter(quarter=quarter, today=today, facts=kpi_facts(),
                              kpi_keys=[rule.kpi_key])  # fmt: skip
    for row in rows:
        target = row.target
        if (target.dimension, target.dimension_value) != (rule.dimension, rule.dimension_value):
            continue
        status = row.pacing.status if row.pacing else None
        if status in ("at_risk", "off_track"):
            value = row.current if row.current is not None else target.value
            return Fired(alert_checks.Firing(status, Decimal(value), target.value), quarter)
    return None


def _record(rule: AlertRule, fired: Fired) -> list[int]:
    try:
        with transaction.atomic():
            event, created = AlertEvent.objects.get_or_create(
                rule=rule,
                grain=fired.period.grain,
                period_start=fired.period.start,
                condition=fired.firing.condition,
                defaults={"value": fired.firing.value, "reference": fired.firing.reference},
            )
    except IntegrityError:  # an evaluation running beside this one recorded it first
        return []
    if not created:
        return []
    ids = [
        AlertDelivery.objects.create(event=event, channel="email", target=f"user:{user_id}",
                                     recipient_id=user_id).pk
        for user_id in _recipients(rule)
    ]  # fmt: skip
    if rule.webhook_url:
        ids.append(
            AlertDelivery.objects.create(event=event, channel="webhook", target="webhook").pk
        )
    _enqueue_on_commit(ids)
    return ids


def _recipients(rule: AlertRule) -> list[int]:
    members = set(workspace_member_ids(rule.workspace_id))
    if rule.recipients == AlertRecipients.TEAM:
        return sorted(members)
    if rule.recipients == AlertRecipients.ME and rule.created_by_id in members:
        return [rule.created_by_id]
    return []


def _enqueue_on_commit(delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return
    from kpiapp.tasks import deliver_alert  # tasks import this module

    workspace_id = current_workspace_id()

    def enqueue() -> None:
        for delivery_id in delivery_ids:
            deliver_alert.delay(workspace_id, delivery_id)

    transaction.on_commit(enqueue)


# --- words -----------------------------------------------------------------------------------


def event_text(event: AlertEvent, kpi: KpiDefinition, workspace: Workspace) -> str:
    """The event in one sentence, in the active language."""
    rule = event.rule

    def shown(value: Decimal | None) -> str:
        return kpi_value(value, kpi.unit, workspace.currency)

    words = {
        "kpi": kpi.name,
        "period": period_name(
            Period.of_start(event.grain if is_grain(event.grain) else "month", event.period_start)
        ),
        "value": shown(event.value),
        "reference": shown(event.reference),
    }
    if rule.dimension_value:
        words["kpi"] = f"{kpi.name} ({rule.dimension_value})"
    texts = {
        "above": _("%(kpi)s in %(period)s: %(value)s, above %(reference)s."),
        "below": _("%(kpi)s in %(period)s: %(value)s, below %(reference)s."),
        "rise": _("%(kpi)s in %(period)s rose to %(value)s (before: %(reference)s)."),
        "fall": _("%(kpi)s in %(period)s fell to %(value)s (before: %(reference)s)."),
        "unusually_high": _(
            "%(kpi)s in %(period)s: %(value)s is unusually high (the last 12 periods suggest at "
            "most %(reference)s)."
        ),
        "unusually_low": _(
            "%(kpi)s in %(period)s: %(value)s is unusually low (the last 12 periods suggest at "
            "least %(reference)s)."
        ),
        "at_risk": _("The target for %(kpi)s in %(period)s (%(reference)s) is at risk."),
        "off_track": _("The target for %(kpi)s in %(period)s (%(reference)s) is off track."),
    }
    return texts[event.condition] % words


def _kpi_url(workspace: Workspace, key: str) -> str:
    return settings.SITE_URL + reverse("kpiapp:kpi", args=[workspace.slug, key])


# --- delivery --------------------------------------------------------------------------------


class DeliveryFailed(Exception):
    """A delivery that may work when tried again (the task retries it with backoff)."""


def alert_deliver(*, delivery_id: int) -> bool:
    """Send one delivery unless it was sent already. Returns whether it was sent now; raises
    DeliveryFailed while attempts are left, and marks it failed after the last."""
    with transaction.atomic():
        delivery = (
            AlertDelivery.objects.select_for_update(of=("self",))
            .select_related("event__rule", "event__workspace", "recipient")
            .filter(pk=delivery_id, status=AlertDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return False
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    event = delivery.event
    kpi = workspace_kpi(event.rule.kpi_key)
    if kpi is None:
        _finish(delivery, AlertDelivery.Status.FAILED, _("The KPI no longer exists."))
        return False
    try:
        if delivery.channel == "email":
            _send_email(delivery, kpi)
        else:
            _call_webhook(delivery, kpi)
    except (OSError, requests.RequestException, DeliveryFailed) as error:
        last = delivery.attempts >= MAX_ATTEMPTS
        status = AlertDelivery.Status.FAILED if last else AlertDelivery.Status.PENDING
        _finish(delivery, status, str(error)[:500])
        if last:
            logger.warning("alert delivery %s failed for good: %s", delivery.pk, error)
            return False
        raise DeliveryFailed(str(error)) from error
    _finish(delivery, AlertDelivery.Status.SENT, "")
    counters.count(f"alerts_sent_{delivery.channel}")  # for /metrics
    return True


def _finish(delivery: AlertDelivery, status: str, error: str) -> None:
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        last_error=error,
        sent_at=timezone.now() if status == AlertDelivery.Status.SENT else None,
    )


def _send_email(delivery: AlertDelivery, kpi: KpiDefinition) -> None:
    user = delivery.recipient
    workspace = delivery.event.workspace
    if user is None or user.pk not in workspace_member_ids(workspace.pk):
        return  # left the workspace since: nothing to send, nothing to retry
    with translation.override(user.language or workspace.language):
        text = event_text(delivery.event, kpi, workspace)
        subject = _("Kennzahl alert: %(kpi)s") % {"kpi": kpi.name}
        history = settings.SITE_URL + reverse("kpiapp:alerts", args=[workspace.slug])
        more = _("All alerts of the workspace: %(url)s") % {"url": history}
        body = "\n\n".join([text, _kpi_url(workspace, kpi.key), more])
    send_mail(subject, body, None, [user.email])


def webhook_secret() -> str:
    """The workspace's signing key, made on first use."""
    secret, _created = WebhookSecret.objects.get_or_create()
    return secret.secret


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(event: AlertEvent, kpi: KpiDefinition, workspace: Workspace) -> dict:
    rule = event.rule
    with translation.override(workspace.language):
        text = event_text(event, kpi, workspace)
    url = _kpi_url(workspace, kpi.key)
    if rule.webhook_format == WebhookFormat.SLACK:
        return {"text": f"{text} <{url}|{kpi.name}>"}
    return {
        "event_id": event.pk,
        "workspace": workspace.slug,
        "alert_id": rule.pk,
        "kpi": kpi.key,
        "kind": rule.kind,
        "condition": event.condition,
        "grain": event.grain,
        "period_start": event.period_start.isoformat(),
        "dimension": rule.dimension,
        "dimension_value": rule.dimension_value,
        "value": None if event.value is None else str(event.value),
        "reference": None if event.reference is None else str(event.reference),
        "text": text,
        "url": url,
    }


def _call_webhook(delivery: AlertDelivery, kpi: KpiDefinition) -> None:
    event = delivery.event
    workspace = event.workspace
    body = json.dumps(webhook_body(event, kpi, workspace), ensure_ascii=False).encode()
    response = requests.post(
        event.rule.webhook_url,
        data=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: signature(webhook_secret(), body),
            "X-Kennzahl-Event": str(event.pk),  # receivers drop a repeated delivery by it
        },
        timeout=WEBHOOK_TIMEOUT,
    )
    if response.status_code >= 300:
        raise DeliveryFailed(f"HTTP {response.status_code}")
