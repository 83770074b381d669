"""Email digests of saved reports: who may subscribe, which period each run names, what the
email says (in the recipient's language), and that each email goes out once per period."""

from __future__ import annotations

import smtplib
from datetime import date

from django.conf import settings
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.http import Http404

import pytest
from freezegun import freeze_time

from accounts.models import Membership
from accounts.tenancy import workspace_scope
from kpiapp import tasks
from kpiapp.models import DigestDelivery, DigestSubscription, Report, Target
from kpiapp.services import digests
from kpiapp.services.digests import (
    digest_period_key,
    digest_subscribe,
    digest_unsubscribe,
    digests_due,
    report_digest_send,
    subscription_by_unsubscribe_token,
    unsubscribe_token,
)
from tests.conftest import membership_of
from tests.report_data import make_report, write_snapshots

pytestmark = pytest.mark.django_db

TODAY = date(2025, 4, 15)  # the last closed month is 2025-03, the last closed quarter 2025-Q1
PERIOD = "2025-03"


@pytest.fixture
def numbers(workspace):
    write_snapshots(workspace, [
        ("mrr", "month", date(2025, 2, 1), "11000.00"),
        ("mrr", "month", date(2025, 3, 1), "12345.67"),
        ("mrr", "quarter", date(2025, 1, 1), "12345.67"),
        ("visits", "month", date(2025, 2, 1), "5000"),
        ("visits", "month", date(2025, 3, 1), "1234"),
        ("visits", "quarter", date(2025, 1, 1), "9000"),
    ])  # fmt: skip
    with workspace_scope(workspace.id):
        Target.objects.create(kpi_key="mrr", quarter_start=date(2025, 1, 1), value=12000)
        Target.objects.create(kpi_key="visits", quarter_start=date(2025, 1, 1), value=10000)


def digest_report(user, workspace, **fields) -> Report:
    """A shared report of the last closed month: MRR and visits."""
    sections = [{"kpi": "mrr", "note": "Our main number"}, {"kpi": "visits"}]
    return make_report(
        user, workspace, **({"range_kind": "last_closed_month", "sections": sections} | fields)
    )


def subscribe(user, workspace, report, cadence="monthly") -> DigestSubscription:
    with workspace_scope(workspace.id):
        return digest_subscribe(
            membership=membership_of(user, workspace), report=report, cadence=cadence
        )


def send(workspace, report, cadence="monthly", period_key=PERIOD, today=TODAY) -> int:
    with workspace_scope(workspace.id):
        return report_digest_send(
            report_id=report.pk, cadence=cadence, period_key=period_key, today=today
        )


def deliveries(workspace) -> list[tuple[int, str, str]]:
    with workspace_scope(workspace.id):
        return list(
            DigestDelivery.objects.values_list("subscription__user_id", "period_key", "status")
        )


def html_of(message) -> str:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


# --- subscribing -------------------------------------------------------------------------------


def test_a_viewer_subscribes_and_subscribing_again_changes_the_cadence(alice, vera, workspace):
    report = digest_report(alice, workspace)
    first = subscribe(vera, workspace, report, "monthly")
    again = subscribe(vera, workspace, report, "weekly")
    with workspace_scope(workspace.id):
        assert list(DigestSubscription.objects.values_list("user_id", "cadence")) == [
            (vera.pk, "weekly")
        ]
    assert again.pk == first.pk and again.workspace_id == workspace.pk


def test_a_report_with_fixed_periods_cannot_be_subscribed(alice, vera, workspace):
    report = digest_report(
        alice, workspace, range_kind="absolute", start_period="2025-01", end_period="2025-03"
    )
    with pytest.raises(ValidationError) as error:
        subscribe(vera, workspace, report)
    assert error.value.message_dict == {
        "report": ["A digest needs a relative period range, such as the last closed month."]
    }
    with workspace_scope(workspace.id):
        assert not DigestSubscription.objects.exists()


def test_an_unknown_cadence_is_refused(alice, vera, workspace):
    report = digest_report(alice, workspace)
    with pytest.raises(ValidationError) as error:
        subscribe(vera, workspace, report, "daily")
    assert list(error.value.message_dict) == ["cadence"]
    with workspace_scope(workspace.id):
        assert not DigestSubscription.objects.exists()


def test_another_workspaces_report_is_never_reachable(alice, charlie, workspace, other_workspace):
    report = digest_report(alice, workspace)
    outsider = membership_of(charlie, other_workspace)
    for scope in (other_workspace, workspace):
        with workspace_scope(scope.id), pytest.raises(Http404):
            digest_subscribe(membership=outsider, report=report, cadence="monthly")
    for scope in (other_workspace, workspace):
        with workspace_scope(scope.id):
            assert not DigestSubscription.objects.exists()


def test_someone_elses_private_report_cannot_be_subscribed(erik, vera, workspace):
    report = digest_report(erik, workspace, visibility="private")
    with pytest.raises(Http404):
        subscribe(vera, workspace, report)
    assert subscribe(erik, workspace, report).user_id == erik.pk  # the owner may


def test_unsubscribing_removes_the_subscription_and_twice_is_harmless(alice, vera, workspace):
    subscription = subscribe(vera, workspace, digest_report(alice, workspace))
    with workspace_scope(workspace.id):
        digest_unsubscribe(subscription=subscription)
        digest_unsubscribe(subscription=subscription)
        assert not DigestSubscription.objects.exists()


# --- the unsubscribe token ---------------------------------------------------------------------


def test_the_unsubscribe_token_finds_its_subscription_and_nothing_else(
    alice, vera, charlie, workspace, other_workspace
):
    subscription = subscribe(vera, workspace, digest_report(alice, workspace))
    theirs = subscribe(charlie, other_workspace, digest_report(charlie, other_workspace))
    token = unsubscribe_token(subscription)
    assert subscription_by_unsubscribe_token(token) == subscription
    assert subscription_by_unsubscribe_token(unsubscribe_token(theirs)) == theirs
    assert subscription_by_unsubscribe_token(token[:-2] + "xx") is None
    assert subscription_by_unsubscribe_token("nonsense") is None
    # Signed, but naming another workspace than the subscription's: looked up in that
    # workspace, where it does not exist.
    elsewhere = {"w": other_workspace.pk, "s": subscription.pk, "u": vera.pk}
    forged = signing.Signer(salt=digests.UNSUBSCRIBE_SALT).sign_object(elsewhere)
    assert subscription_by_unsubscribe_token(forged) is None
    # Another salt (another kind of signed token of this site) is not an unsubscribe token.
    here = {"w": workspace.pk, "s": subscription.pk, "u": vera.pk}
    assert signing.Signer(salt=digests.UNSUBSCRIBE_SALT).sign_object(here) == token
    other_kind = signing.Signer().sign_object(here)
    assert subscription_by_unsubscribe_token(other_kind) is None
    with workspace_scope(workspace.id):
        digest_unsubscribe(subscription=subscription)
    assert subscription_by_unsubscribe_token(token) is None


# --- periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "today", "key"),
    [
        ("weekly", date(2026, 11, 16), "2026-W47"),
        ("weekly", date(2026, 1, 5), "2026-W02"),
        ("weekly", date(2025, 12, 29), "2026-W01"),  # ISO week 1 starts in December
        ("weekly", date(2027, 1, 1), "2026-W53"),  # and week 53 ends in January
        ("monthly", date(2026, 11, 1), "2026-10"),
        ("monthly", date(2026, 1, 1), "2025-12"),
        ("monthly", date(2026, 3, 31), "2026-02"),
        ("quarterly", date(2026, 10, 1), "2026-Q3"),
        ("quarterly", date(2026, 1, 1), "2025-Q4"),
        ("quarterly", date(2026, 4, 1), "2026-Q1"),
        ("quarterly", date(2026, 6, 30), "2026-Q1"),  # a late run still names the closed one
    ],
)
def test_each_run_names_the_period_it_reports_on(cadence, today, key):
    assert digest_period_key(cadence, today) == key


def test_an_unknown_cadence_has_no_period():
    with pytest.raises(ValueError, match="daily"):
        digest_period_key("daily", TODAY)


# --- the email ---------------------------------------------------------------------------------


def test_the_email_shows_values_changes_targets_and_links_in_english(alice, workspace, numbers):
    report = digest_report(alice, workspace)
    subscription = subscribe(alice, workspace, report)
    assert send(workspace, report) == 1
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Board update: the numbers for March 2025"
    text, html = message.body, html_of(message)
    report_url = f"{settings.SITE_URL}/w/acme/reports/{report.pk}/"
    unsubscribe_url = f"{settings.SITE_URL}/digests/unsubscribe/{unsubscribe_token(subscription)}/"
    for body in (text, html):
        assert "Board update" in body and "Acme GmbH" in body
        assert "€12,345.67" in body  # the last closed month's MRR
        assert "+12.2\u00a0%" in body  # against €11,000.00 in 2025-02
        assert "€11,000.00" in body and "vs Feb. 2025" in body
        assert "€12,000.00" in body and "hit" in body  # Q1 target, Q1 closed above it
        assert "1,234" in body and "10,000" in body and "missed" in body  # visits: below
        assert report_url in body and unsubscribe_url in body
    assert "Our main number" in html
    assert "color:#157347" in html and "color:#b42318" in html  # MRR up good, visits down bad
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_names_are_plain_text_in_the_subject_and_text_part_and_escaped_in_the_html(
    alice, workspace, numbers
):
    name = 'Q4 "Plan" <Ziel> & Co\'s'
    workspace.name = name
    workspace.save()
    report = digest_report(alice, workspace, title=name)
    subscribe(alice, workspace, report)
    assert send(workspace, report) == 1
    (message,) = mail.outbox
    assert message.subject == f"{name}: the numbers for March 2025"
    assert f"{name} · {name}" in message.body
    html = html_of(message)
    assert "Q4 &quot;Plan&quot; &lt;Ziel&gt; &amp; Co&#x27;s" in html and "<Ziel>" not in html


def test_each_recipient_reads_the_email_in_their_own_language(
    alice, vera, erik, workspace, numbers
):
    vera.language = "de"
    vera.save()
    workspace.language = "de"  # erik chose no language: the workspace's applies
    workspace.save()
    alice.language = "en"
    alice.save()
    report = digest_report(alice, workspace)  # the report's own language does not matter here
    for user in (alice, vera, erik):
        subscribe(user, workspace, report)
    assert send(workspace, report) == 3
    by_recipient = {m.to[0]: m for m in mail.outbox}
    english = by_recipient["alice@example.com"]
    assert "€12,345.67" in english.body and "Target" in english.body
    assert "12.345,67" not in english.body
    for email in ("vera@example.com", "erik@example.com"):
        german, html = by_recipient[email].body, html_of(by_recipient[email])
        for body in (german, html):
            assert "12.345,67\u00a0€" in body and "11.000,00\u00a0€" in body
            assert "+12,2\u00a0%" in body
            assert "Ziel" in body and "erreicht" in body and "verfehlt" in body
            assert "€12,345.67" not in body and "Target" not in body
        assert 'lang="de"' in html


# --- sending once ------------------------------------------------------------------------------


def test_sending_twice_for_the_same_period_sends_each_email_once(alice, vera, workspace, numbers):
    report = digest_report(alice, workspace)
    subscribe(alice, workspace, report)
    subscribe(vera, workspace, report)
    assert send(workspace, report) == 2
    assert send(workspace, report) == 0  # a retried or duplicated task
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "vera@example.com"]
    assert sorted(deliveries(workspace)) == sorted(
        [(alice.pk, PERIOD, "sent"), (vera.pk, PERIOD, "sent")]
    )
    # The next period is another email.
    assert send(workspace, report, period_key="2025-04", today=date(2025, 5, 2)) == 2
    assert len(mail.outbox) == 4


def test_a_send_that_fails_leaves_no_claim_and_the_retry_sends_it_once(
    alice, vera, workspace, numbers, monkeypatch
):
    report = digest_report(alice, workspace)
    subscribe(alice, workspace, report)
    subscribe(vera, workspace, report)
    real_send = EmailBackend.send_messages

    def flaky(self, messages):
        if messages[0].to == ["vera@example.com"]:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(workspace, report)
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert deliveries(workspace) == [(alice.pk, PERIOD, "sent")]  # vera's claim is gone

    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    assert send(workspace, report) == 1  # the retry: only vera's
    assert send(workspace, report) == 0
    assert [m.to for m in mail.outbox] == [["alice@example.com"], ["vera@example.com"]]


def test_members_who_left_or_lost_sight_of_the_report_get_nothing(
    alice, erik, vera, adam, workspace, numbers
):
    report = digest_report(erik, workspace)
    for user in (erik, vera, adam, alice):
        subscribe(user, workspace, report)
    Membership.all_workspaces.filter(user=vera, workspace=workspace).delete()  # vera left
    alice.is_active = False  # alice's login was closed
    alice.save()
    with workspace_scope(workspace.id):
        Report.objects.filter(pk=report.pk).update(visibility="private")  # erik's alone now
    assert send(workspace, report) == 1
    assert [m.to for m in mail.outbox] == [["erik@example.com"]]
    assert deliveries(workspace) == [(erik.pk, PERIOD, "sent")]


def test_a_report_changed_to_fixed_periods_sends_nothing(alice, workspace, numbers, monkeypatch):
    report = digest_report(alice, workspace)
    subscribe(alice, workspace, report)
    with workspace_scope(workspace.id):
        Report.objects.filter(pk=report.pk).update(
            range_kind="absolute", start_period="2025-01", end_period="2025-03"
        )
    calls = []
    monkeypatch.setattr(tasks.send_report_digest, "delay", lambda *a: calls.append(a))
    assert digests_due("monthly", date(2025, 4, 1)) == 0
    assert send(workspace, report) == 0
    assert mail.outbox == []


def test_only_subscribers_of_the_cadence_get_the_email(alice, vera, workspace, numbers):
    report = digest_report(alice, workspace)
    subscribe(alice, workspace, report, "monthly")
    subscribe(vera, workspace, report, "weekly")
    assert send(workspace, report, cadence="weekly", period_key="2025-W16") == 1
    assert [m.to for m in mail.outbox] == [["vera@example.com"]]


# --- fan-out -----------------------------------------------------------------------------------


def test_the_fan_out_enqueues_one_task_per_subscribed_report_in_each_workspace(
    alice, vera, erik, charlie, workspace, other_workspace, monkeypatch
):
    weekly = digest_report(alice, workspace, title="Weekly")
    monthly = digest_report(alice, workspace, title="Monthly")
    digest_report(alice, workspace, title="Nobody reads this")
    theirs = digest_report(charlie, other_workspace, title="Beta weekly")
    subscribe(alice, workspace, weekly, "weekly")
    subscribe(vera, workspace, weekly, "weekly")
    subscribe(erik, workspace, monthly, "monthly")
    subscribe(charlie, other_workspace, theirs, "weekly")
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.send_report_digest, "delay", lambda *a: calls.append(a))

    assert digests_due("weekly", date(2026, 11, 16)) == 2
    assert sorted(calls) == sorted(
        [
            (workspace.pk, weekly.pk, "weekly", "2026-W47"),
            (other_workspace.pk, theirs.pk, "weekly", "2026-W47"),
        ]
    )
    calls.clear()
    assert digests_due("monthly", date(2026, 11, 1)) == 1
    assert calls == [(workspace.pk, monthly.pk, "monthly", "2026-10")]
    calls.clear()
    assert digests_due("quarterly", date(2026, 10, 1)) == 0
    assert calls == []


@freeze_time("2025-04-01 06:00:00")
def test_the_beat_task_sends_each_workspaces_digests_once(
    alice, vera, charlie, workspace, other_workspace, numbers
):
    report = digest_report(alice, workspace)
    theirs = digest_report(charlie, other_workspace, title="Beta numbers")
    subscribe(vera, workspace, report)
    subscribe(charlie, other_workspace, theirs)
    assert tasks.send_due_digests.delay("monthly").get() == 2
    assert tasks.send_due_digests.delay("monthly").get() == 2  # beat ran twice: no new email
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 2
    assert "€12,345.67" in by_recipient["vera@example.com"].body
    # Each email carries its own workspace's report only.
    assert "Beta numbers" in by_recipient["charlie@example.com"].body
    assert "Board update" not in by_recipient["charlie@example.com"].body
    assert "€12,345.67" not in by_recipient["charlie@example.com"].body
    assert deliveries(workspace) == [(vera.pk, "2025-03", "sent")]
    assert deliveries(other_workspace) == [(charlie.pk, "2025-03", "sent")]


def test_the_beat_schedule_sends_digests_weekly_monthly_and_quarterly():
    from kpiapp.schedules import BEAT_SCHEDULE

    entries = {
        e["args"][0]: e for e in BEAT_SCHEDULE.values() if e["task"] == tasks.send_due_digests.name
    }
    assert set(entries) == {"weekly", "monthly", "quarterly"}
    weekly, monthly, quarterly = (
        entries[c]["schedule"] for c in ("weekly", "monthly", "quarterly")
    )
    for schedule in (weekly, monthly, quarterly):  # 06:00 UTC (CELERY_TIMEZONE)
        assert (schedule.hour, schedule.minute) == ({6}, {0})
    assert weekly.day_of_week == {1} and len(weekly.day_of_month) == 31  # Mondays
    assert monthly.day_of_month == {1} and len(monthly.month_of_year) == 12
    assert quarterly.day_of_month == {1} and quarterly.month_of_year == {1, 4, 7, 10}
    assert all(e["options"]["expire_seconds"] for e in entries.values())
