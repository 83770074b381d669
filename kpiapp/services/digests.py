"""Email digests of saved reports: subscribing, the one-click unsubscribe token, the beat
fan-out and sending one report's digest for one period.

Sending is at most once per subscription and period: the `DigestDelivery` row (unique on
subscription + period key) is claimed *before* the email goes out, so a retried or duplicated
task finds it and skips. A send that fails removes its claim, so the retry can send. A worker
killed between claiming and sending leaves a claim behind, and that person misses one digest:
for a newsletter, one missed email is better than two identical ones.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import cast

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, User, Workspace
from accounts.tenancy import current_workspace_id, workspace_scope
from kpiapp.models import Cadence, DigestDelivery, DigestSubscription, RangeKind, Report
from kpiapp.ops import counters
from kpiapp.selectors.reports import ReportContent, access_report, report_content, visible_reports
from kpiapp.selectors.targets import kpi_facts

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "kpiapp.digests.unsubscribe"


# --- subscribing -------------------------------------------------------------------------------


def digest_subscribe(*, membership: Membership, report: Report, cadence: str) -> DigestSubscription:
    """Send `report` to the member by email at `cadence`; subscribing again changes the
    cadence (one subscription per report and person). Any member who sees the report may
    subscribe. Raises Http404 for a report the member cannot see (or of another workspace)."""
    in_scope = current_workspace_id()
    if membership.workspace_id != in_scope or report.workspace_id != in_scope:
        raise Http404("No such report")
    report = access_report(membership, report.pk)
    errors: dict[str, list[str]] = {}
    if cadence not in Cadence.values:
        errors["cadence"] = [_("Choose weekly, monthly or quarterly.")]
    if not report.is_relative:
        errors["report"] = [
            _("A digest needs a relative period range, such as the last closed month.")
        ]
    if errors:
        raise ValidationError(errors)
    subscription, _created = DigestSubscription.objects.update_or_create(
        report=report, user_id=membership.user_id, defaults={"cadence": cadence}
    )
    return subscription


def digest_unsubscribe(*, subscription: DigestSubscription) -> None:
    """Stop the digest. Doing it twice is harmless. Runs in the subscription's workspace scope
    (the scoped manager refuses anything else)."""
    DigestSubscription.objects.filter(pk=subscription.pk).delete()


# --- the one-click unsubscribe token ---------------------------------------------------------


def unsubscribe_token(subscription: DigestSubscription) -> str:
    """A signed token naming the subscription and its workspace. It is the only credential of
    the unsubscribe link (no login), so it is signed with a salt of its own and never expires:
    links in old emails keep working until the subscription is gone."""
    payload = {
        "w": subscription.workspace_id,
        "s": subscription.pk,
        "u": subscription.user_id,
    }
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(payload)


def _token_payload(token: str) -> tuple[int, int, int] | None:
    try:
        payload = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    w, s, u = (payload.get("w"), payload.get("s"), payload.get("u"))
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in (w, s, u)):
        return None
    return cast(tuple[int, int, int], (w, s, u))


def unsubscribe_token_is_signed(token: str) -> bool:
    """Whether we issued this token (its subscription may be gone since)."""
    return _token_payload(token) is not None


def subscription_by_unsubscribe_token(token: str) -> DigestSubscription | None:
    """The subscription of an unsubscribe token; None for a bad or tampered token or when
    the subscription no longer exists. The lookup runs in the workspace the signed token
    names, so nothing outside it can be reached."""
    ids = _token_payload(token)
    if ids is None:
        return None
    workspace_id, subscription_id, user_id = ids
    with workspace_scope(workspace_id):
        return (
            DigestSubscription.objects.select_related("report", "user", "workspace")
            .filter(pk=subscription_id, user_id=user_id)
            .first()
        )


# --- periods and fan-out ---------------------------------------------------------------------


def _check_cadence(cadence: str) -> None:
    if cadence not in Cadence.values:
        raise ValueError(f"Unknown digest cadence {cadence!r}")


def digest_period_key(cadence: str, today: date) -> str:
    """The period a digest sent on `today` reports on: weekly the ISO week of today
    (`2026-W47`), monthly the month just closed (`2026-10`), quarterly the quarter just
    closed (`2026-Q3`). It makes each email unique per subscription."""
    _check_cadence(cadence)
    if cadence == Cadence.WEEKLY:
        year, week, _day = today.isocalendar()
        return f"{year}-W{week:02d}"
    if cadence == Cadence.MONTHLY:
        closed = today.replace(day=1) - timedelta(days=1)
        return f"{closed.year}-{closed.month:02d}"
    quarter_start = today.replace(month=today.month - (today.month - 1) % 3, day=1)
    closed = quarter_start - timedelta(days=1)
    return f"{closed.year}-Q{(closed.month - 1) // 3 + 1}"


def digests_due(cadence: str, today: date) -> int:
    """Enqueue one `send_report_digest` per report that has subscriptions of `cadence`, in
    every workspace. Only enqueues; returns how many tasks."""
    from kpiapp.tasks import send_report_digest

    _check_cadence(cadence)
    period_key = digest_period_key(cadence, today)
    enqueued = 0
    for workspace_id in Workspace.objects.order_by("id").values_list("id", flat=True):
        with workspace_scope(workspace_id):
            report_ids = list(
                DigestSubscription.objects.filter(cadence=cadence)
                .exclude(report__range_kind=RangeKind.ABSOLUTE)
                .order_by("report_id")
                .values_list("report_id", flat=True)
                .distinct()
            )
        for report_id in report_ids:
            send_report_digest.delay(workspace_id, report_id, cadence, period_key)
            enqueued += 1
    return enqueued


# --- sending -----------------------------------------------------------------------------------


def _recipient_membership(subscription: DigestSubscription) -> Membership | None:
    """The subscriber's membership, if they still belong to the workspace and may still see
    the report (a private report stays its owner's, even after a subscription)."""
    membership = (
        Membership.objects.select_related("user")
        .filter(user_id=subscription.user_id, user__is_active=True)
        .first()
    )
    if membership is None:
        return None
    if not visible_reports(membership).filter(pk=subscription.report_id).exists():
        return None
    return membership


def _claim(subscription: DigestSubscription, period_key: str) -> DigestDelivery | None:
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(subscription=subscription, period_key=period_key)
    except IntegrityError:
        return None  # sent, or being sent, by another run


def report_digest_send(*, report_id: int, cadence: str, period_key: str, today: date) -> int:
    """Email the report (its values on `today`) to each subscriber of `cadence` who may still
    see it, at most once per subscription and `period_key`. Returns how many emails went out.
    An error while sending removes that claim and is raised, so a retry sends it."""
    _check_cadence(cadence)
    report = Report.objects.select_related("workspace").filter(pk=report_id).first()
    if report is None or not report.is_relative:
        return 0
    subscriptions = DigestSubscription.objects.filter(report=report, cadence=cadence).order_by("id")
    content: ReportContent | None = None
    sent = 0
    for subscription in subscriptions:
        membership = _recipient_membership(subscription)
        if membership is None:
            logger.info("digest %s: subscriber %s may no longer see it", report_id, subscription.pk)
            continue
        claim = _claim(subscription, period_key)
        if claim is None:
            continue
        try:
            if content is None:
                content = report_content(
                    report=report, workspace=report.workspace, today=today, kpis=kpi_facts()
                )
            _send(subscription, membership.user, content)
        except BaseException:
            DigestDelivery.objects.filter(pk=claim.pk).delete()
            raise
        DigestDelivery.objects.filter(pk=claim.pk).update(
            status=DigestDelivery.Status.SENT, sent_at=timezone.now()
        )
        counters.count("digest_emails_sent")  # for /metrics
        sent += 1
    return sent


def recipient_language(user: User, workspace: Workspace) -> str:
    """The recipient's own language, else the workspace's default."""
    return user.language or workspace.language


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _send(subscription: DigestSubscription, user: User, content: ReportContent) -> None:
    report, workspace = content.report, content.workspace
    token = unsubscribe_token(subscription)
    unsubscribe_url = _absolute(reverse("digest_unsubscribe", args=[token]))
    with translation.override(recipient_language(user, workspace)):
        context = {
            "report": report,
            "workspace": workspace,
            "content": content,
            "currency": workspace.currency,
            "cadence": subscription.get_cadence_display(),
            "recipient": user,
            "report_url": _absolute(reverse("kpiapp:report", args=[workspace.slug, report.pk])),
            "unsubscribe_url": unsubscribe_url,
        }
        subject = render_to_string("emails/report_digest_subject.txt", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string("emails/report_digest.txt", context),
            to=[user.email],
            headers={
                # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe button.
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        html = render_to_string("emails/report_digest.html", context)
        message.attach_alternative(html, "text/html")
    message.send()
