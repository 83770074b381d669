"""Plausible targets (kpiapp.plausibility.target_range, by the KPI's unit): one rule for the
targets page and the API, with the message on the value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.kpis.registry import KPIS
from kpiapp.models import Target
from kpiapp.plausibility import target_problem, target_range

pytestmark = pytest.mark.django_db
PAGE = "/w/acme/targets/"
API = "/api/v1/workspaces/acme/targets/"


def _page_set(client, kpi_key: str, value: str):
    # confirmed: a net new MRR target below 0 is met on day one and would ask (issue 18)
    return client.post(PAGE, {"action": "set", "quarter": "2025-Q1", "kpi_key": kpi_key,
                              "value": value, "dimension": "", "dimension_value": "",
                              "note": "", "confirm": "on"})  # fmt: skip


def _stored(workspace) -> list:
    with workspace_scope(workspace.id):
        return list(Target.objects.values_list("kpi_key", "value"))


@pytest.mark.parametrize(
    ("kpi_key", "value", "message"),
    [
        ("mrr", "-5000", "A target cannot be negative."),
        ("customer_churn_rate", "250", "Enter a value between 0 % and 100 %."),
        ("win_rate", "-1", "Enter a value between 0 % and 100 %."),
        ("nrr", "1200", "Enter a value between 0 % and 1,000 %."),
        ("customers_new", "-3", "A target cannot be negative."),
        ("clv_cac_ratio", "-0.5", "A target cannot be negative."),
        ("nps", "150", "Enter a value between -100 and 100."),
    ],
)
def test_the_page_refuses_an_implausible_target_on_the_field(
    client_as, erik, workspace, kpi_key, value, message
):
    response = _page_set(client_as(erik), kpi_key, value)
    assert response.status_code == 400
    assert [str(m) for m in response.context["form"].errors["value"]] == [message]
    assert _stored(workspace) == []


def test_plausible_targets_are_kept_including_nrr_above_100_percent(client_as, erik, workspace):
    client = client_as(erik)
    for kpi_key, value in (
        ("nrr", "115"),
        ("mrr", "5000"),
        ("mrr_net_new", "-200"),
        ("customer_churn_rate", "2.5"),
    ):
        assert _page_set(client, kpi_key, value).status_code == 302, kpi_key
    assert sorted(_stored(workspace)) == [
        ("customer_churn_rate", Decimal("0.025")),
        ("mrr", Decimal("5000")),
        ("mrr_net_new", Decimal("-200")),
        ("nrr", Decimal("1.15")),
    ]


def test_the_german_page_says_it_in_german(client_as, erik, workspace):
    erik.language = "de"
    erik.save(update_fields=["language"])
    response = _page_set(client_as(erik), "mrr", "-5.000")
    assert "Ein Ziel kann nicht negativ sein." in response.content.decode()
    response = _page_set(client_as(erik), "customer_churn_rate", "250")
    assert "Geben Sie einen Wert zwischen 0 % und 100 % ein." in response.content.decode()


def test_the_api_answers_400_on_the_value(erik, workspace):
    api = APIClient()
    api.force_authenticate(erik)
    for kpi, value in (("mrr", "-5000"), ("customer_churn_rate", "2.5")):
        response = api.post(API, {"kpi": kpi, "quarter": "2025-Q2", "value": value}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["value"], response.json()
    response = api.post(API, {"kpi": "mrr", "quarter": "0001-Q1", "value": "1"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"quarter": ["The date must lie between 1970 and 2100."]}
    assert api.get(API + "?quarter=9999-Q4").status_code == 400
    assert _stored(workspace) == []


def test_every_kpi_has_a_range_from_its_unit():
    for kpi in KPIS:
        low, high = target_range(kpi.key, kpi.unit)
        if kpi.unit == "rate":
            assert low is not None and high is not None, kpi.key
        plausible = Decimal(1) if kpi.unit == "count" else Decimal("0.5")  # counts are whole
        assert target_problem(kpi.key, kpi.unit, plausible) is None, kpi.key
