"""/api/v1/workspaces/<slug>/plans/: the same plan as the page (steps, targets, bottleneck),
with the role rules of every resource and nothing of another workspace."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.services import api_token_create
from accounts.tenancy import workspace_scope
from kpiapp.models import Plan, Target
from tests.conftest import membership_of
from tests.plans.helpers import write_trailing_figures

pytestmark = pytest.mark.django_db
URL = "/api/v1/workspaces/acme/plans/"
GOAL = {"quarter": "2026-Q4", "goal_kind": "mrr_new", "goal_value": "10000"}


@pytest.fixture(autouse=True)
def _mid_november():
    with freeze_time("2026-11-15 12:00"):
        yield


@pytest.fixture
def figures(workspace):
    with workspace_scope(workspace.id):
        write_trailing_figures()
    return workspace


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _steps(body: dict, channel: str) -> dict:
    row = next(c for c in body["channels"] if c["channel"] == channel)
    return {s["key"]: s["value"] for s in row["steps"]}


def test_an_editor_creates_a_plan_and_gets_its_steps_and_targets(figures, erik, vera):
    made = _as(erik).post(URL, GOAL, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["window"] == "2026-05..2026-10" and body["complete"] is True
    assert _steps(body, "Paid Ads") == {
        "new_mrr": "6000.00", "won": "12", "opportunities": "48", "sqls": "96",
        "leads": "480", "visits": "24000", "spend": "24000.00", "leads_due": "2026-11-11",
    }  # fmt: skip
    partner = next(c for c in body["channels"] if c["channel"] == "Partner")
    visits = next(s for s in partner["steps"] if s["key"] == "visits")
    assert visits["value"] is None and visits["reason"]  # said, not guessed
    opportunities = next(s for s in partner["steps"] if s["key"] == "opportunities")
    assert opportunities["formula"] == "⌈4 ÷ 50.0\u00a0%⌉ = 8"
    win = next(i for i in partner["inputs"] if i["key"] == "win_rate")
    assert (win["trailing"], win["numerator"], win["denominator"]) == (
        "0.500000", "4.000000", "8.000000",
    )  # fmt: skip
    assert body["totals"]["leads"] == "500"
    assert {(t["kpi"], t["dimension_value"]) for t in body["targets"]} >= {
        ("leads", "Paid Ads"), ("sqls", "Partner"), ("marketing_spend", "Paid Ads"),
        ("mrr_new", ""),
    }  # fmt: skip
    listed = _as(vera).get(URL)
    assert listed.status_code == 200 and [p["quarter"] for p in listed.json()] == ["2026-Q4"]
    one = _as(vera).get(f"{URL}{body['id']}/")
    assert one.status_code == 200 and one.json()["totals"] == body["totals"]


def test_a_change_moves_the_targets(figures, erik, workspace):
    plan = _as(erik).post(URL, GOAL, format="json").json()
    changed = _as(erik).patch(f"{URL}{plan['id']}/", {"shares": {"Partner": "0.3"}},
                              format="json")  # fmt: skip
    assert changed.status_code == 200, changed.json()
    assert _steps(changed.json(), "Partner")["leads"] == "16"
    with workspace_scope(workspace.id):
        leads = Target.objects.get(kpi_key="leads", dimension_value="Paid Ads")
        assert leads.value == 560 and leads.plan_id == plan["id"]
    moved = _as(erik).patch(f"{URL}{plan['id']}/", {"quarter": "2027-Q1"}, format="json")
    assert moved.status_code == 400 and "quarter" in moved.json()


def test_bad_input_and_incomplete_plans_get_messages_and_change_nothing(figures, erik, workspace):
    client = _as(erik)
    negative = client.post(URL, {**GOAL, "goal_value": "-5"}, format="json")
    assert negative.status_code == 400 and "goal_value" in negative.json()
    unknown = client.post(URL, {**GOAL, "shares": {"Nowhere": "0.5"}}, format="json")
    assert unknown.status_code == 400 and "shares.Nowhere" in unknown.json()
    too_high = client.post(URL, {**GOAL, "overrides": {"Partner": {"win_rate": "1.5"}}},
                           format="json")  # fmt: skip
    assert too_high.status_code == 400 and "overrides.Partner.win_rate" in too_high.json()
    zero = client.post(URL, {**GOAL, "overrides": {"Partner": {"win_rate": "0"}}}, format="json")
    assert zero.status_code == 400 and "Partner" in " ".join(zero.json()["plan"])
    bad_quarter = client.post(URL, {**GOAL, "quarter": "2026-Q5"}, format="json")
    assert bad_quarter.status_code == 400
    with workspace_scope(workspace.id):
        assert not Plan.objects.exists() and not Target.objects.exists()
    assert client.post(URL, GOAL, format="json").status_code == 201
    again = client.post(URL, GOAL, format="json")
    assert again.status_code == 400 and "quarter" in again.json()


def test_viewers_read_and_preview_but_do_not_write(figures, vera, erik, workspace):
    assert _as(vera).post(URL, GOAL, format="json").status_code == 403
    preview = _as(vera).post(URL + "preview/", {**GOAL, "shares": {"Partner": "0.3"}},
                             format="json")  # fmt: skip
    assert preview.status_code == 200, preview.json()
    assert _steps(preview.json(), "Paid Ads")["leads"] == "560"
    assert preview.json()["id"] is None
    plan = _as(erik).post(URL, GOAL, format="json").json()
    assert (
        _as(vera).patch(f"{URL}{plan['id']}/", {"goal_value": "1"}, format="json").status_code
        == 403
    )
    with workspace_scope(workspace.id):
        assert Plan.objects.get().goal_value == 10000


def test_another_workspaces_plan_is_not_found(figures, erik, charlie, other_workspace):
    with workspace_scope(other_workspace.id):
        write_trailing_figures()
    theirs = _as(charlie).post("/api/v1/workspaces/beta/plans/", GOAL, format="json")
    assert theirs.status_code == 201
    their_id = theirs.json()["id"]
    assert _as(erik).get(f"{URL}{their_id}/").status_code == 404
    assert (
        _as(erik).patch(f"{URL}{their_id}/", {"goal_value": "1"}, format="json").status_code == 404
    )
    assert _as(erik).get(URL).json() == []
    assert _as(charlie).get(URL).status_code == 404  # an outsider: the workspace does not exist
    token = api_token_create(membership=membership_of(erik, figures), name="ci").key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/workspaces/beta/plans/").status_code == 404
    assert client.get(URL).status_code == 200
