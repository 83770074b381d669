"""The targets page: editors set, change, copy and remove quarterly targets; everyone sees
progress and pacing; every change is in the history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, KpiSnapshot, Subscription, Target, TargetChange
from kpiapp.services.snapshots import snapshot_rebuild

pytestmark = pytest.mark.django_db
URL = "/w/acme/targets/"


def _targets(workspace) -> list[tuple]:
    with workspace_scope(workspace.id):
        return list(
            Target.objects.values_list("kpi_key", "quarter_start", "dimension", "value", "note")
        )


def _set(client, **fields):
    data = {
        "action": "set",
        "quarter": "2025-Q1",
        "dimension": "",
        "dimension_value": "",
        "note": "",
        **fields,
    }
    return client.post(URL, data)


def test_an_editor_sets_a_target_in_percent_and_changes_it(client_as, erik, workspace):
    client = client_as(erik)
    response = _set(client, kpi_key="customer_churn_rate", value="2.5", note="Q1 focus")
    assert response.status_code == 302 and response["Location"].endswith("?quarter=2025-Q1")
    assert _targets(workspace) == [
        ("customer_churn_rate", date(2025, 1, 1), "", Decimal("0.025"), "Q1 focus")
    ]
    _set(client, kpi_key="customer_churn_rate", value="2", note="Q1 focus")
    with workspace_scope(workspace.id):
        history = list(
            TargetChange.objects.order_by("id").values_list(
                "action", "old_value", "new_value", "changed_by__email"
            )
        )
    assert history == [
        ("set", None, Decimal("0.025"), "erik@example.com"),
        ("changed", Decimal("0.025"), Decimal("0.02"), "erik@example.com"),
    ]
    page = client.get(URL + "?quarter=2025-Q1").content.decode()
    assert "Customer churn rate" in page and "2.0\u00a0%" in page and "Q1 focus" in page


def test_german_users_enter_a_decimal_comma(client_as, erik, workspace):
    erik.language = "de"
    erik.save()
    client = client_as(erik)
    _set(client, kpi_key="arpa", value="1250,50")
    assert "Ziele Q1 2025" in client.get(URL + "?quarter=2025-Q1").content.decode()
    assert _targets(workspace)[0][3] == Decimal("1250.50")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kpi_key": "mrr", "value": "abc"}, "Enter a number."),
        ({"kpi_key": "no_such_kpi", "value": "1"}, "Select a valid choice."),
        ({"kpi_key": "mrr", "value": "1", "dimension": "owner"}, "does not break down by that"),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(
    client_as, erik, workspace, fields, message
):
    response = _set(client_as(erik), **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _targets(workspace) == []


def test_viewers_see_targets_but_cannot_set_them(client_as, vera, erik, workspace):
    _set(client_as(erik), kpi_key="mrr", value="100000")
    client = client_as(vera)
    page = client.get(URL + "?quarter=2025-Q1")
    assert page.status_code == 200 and "Set a target" not in page.content.decode()
    assert _set(client, kpi_key="mrr", value="1").status_code == 403
    assert _targets(workspace)[0][3] == Decimal("100000")


def test_last_quarters_targets_are_copied_in_one_step_without_overwriting(
    client_as, erik, workspace
):
    client = client_as(erik)
    _set(client, kpi_key="mrr", value="100000", quarter="2024-Q4")
    _set(client, kpi_key="nrr", value="105", quarter="2024-Q4")
    _set(client, kpi_key="mrr", value="120000")  # already set for Q1
    response = client.post(URL, {"action": "copy", "quarter": "2025-Q1"})
    assert response.status_code == 302
    q1 = {(k, v) for k, q, _, v, _ in _targets(workspace) if q == date(2025, 1, 1)}
    assert q1 == {("mrr", Decimal("120000")), ("nrr", Decimal("1.05"))}


def test_removing_a_target_is_recorded(client_as, erik, workspace):
    client = client_as(erik)
    _set(client, kpi_key="mrr", value="100000")
    with workspace_scope(workspace.id):
        target = Target.objects.get()
    client.post(URL, {"action": "remove", "target": target.pk, "quarter": "2025-Q1"})
    assert _targets(workspace) == []
    with workspace_scope(workspace.id):
        assert TargetChange.objects.latest("id").action == "removed"


def test_a_target_of_another_workspace_cannot_be_removed(
    client_as, charlie, erik, workspace, other_workspace
):
    _set(client_as(erik), kpi_key="mrr", value="100000")
    with workspace_scope(workspace.id):
        target = Target.objects.get()
    response = client_as(charlie).post(
        "/w/beta/targets/", {"action": "remove", "target": target.pk, "quarter": "2025-Q1"}
    )
    assert response.status_code == 404
    assert len(_targets(workspace)) == 1


@freeze_time("2025-02-14 12:00")  # 45 of Q1's 90 days: half the quarter
def test_progress_and_pacing_come_from_the_snapshots(client_as, erik, workspace):
    with workspace_scope(workspace.id):
        first = Account.objects.create(external_id="A", name="A")
        second = Account.objects.create(external_id="B", name="B")
        common = {"currency": "EUR", "interval": "month"}
        Subscription.objects.create(
            external_id="S1",
            account=first,
            amount_cents=100_000_00,
            started_at=date(2024, 11, 1),
            **common,
        )
        Subscription.objects.create(
            external_id="S2",
            account=second,
            amount_cents=15_000_00,
            started_at=date(2025, 2, 1),
            **common,
        )
        snapshot_rebuild(workspace_id=workspace.id)
        assert KpiSnapshot.objects.filter(kpi_key="mrr", grain="quarter").exists()
    client = client_as(erik)
    _set(client, kpi_key="mrr", value="130000")  # from 100,000 at the start: half-way now
    _set(client, kpi_key="customers_new", value="4")  # 1 of 4: 25 % < 0.8 × 50 %
    page = client.get(URL).content.decode()
    assert "current quarter" in page
    assert "on track" in page and "off track" in page
    assert "50\u00a0%" in page  # progress of MRR and the share of the quarter passed
    assert "€130,000.00" in page  # MRR projected: 100,000 + 15,000 / 0.5
