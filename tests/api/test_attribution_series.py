"""The series endpoint's `&model=` for the attributed KPIs (PRODUCT.md, KPIS.md 7), on the
journeys of tests/journey_data.py (March 2025; "today" 10 April 2025)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction as F

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from tests.journey_data import write_journeys

pytestmark = pytest.mark.django_db
URL = "/api/v1/workspaces/acme/kpis/{key}/series/?start=2025-03&end=2025-03"


@pytest.fixture
def api(workspace, vera):
    with freeze_time("2025-04-10 12:00"):
        write_journeys(workspace, date(2025, 3, 1))
        client = APIClient()
        client.force_authenticate(vera)
        yield client


def _values(api, key: str, query: str) -> dict[str, Decimal]:
    response = api.get(URL.format(key=key) + query)
    assert response.status_code == 200, response.json()
    return {p["dimension_value"]: Decimal(p["value"]) for p in response.json()["points"]}


def _two(value: F) -> Decimal:
    return Decimal(value.numerator / value.denominator).quantize(Decimal("0.01"))


def test_each_model_gives_its_own_shares_under_dimension_channel(api):
    # A: Ads, Webinar, Sales (300 €); B: implied Partner (100 €); C: Ads, Ads (200 €)
    expected = {
        "first_touch": {"Ads": F(2), "Partner": F(1), "Webinar": F(0), "Sales": F(0)},
        "last_touch": {"Ads": F(1), "Partner": F(1), "Webinar": F(0), "Sales": F(1)},
        "linear": {"Ads": F(4, 3), "Partner": F(1), "Webinar": F(1, 3), "Sales": F(1, 3)},
        "position_based": {"Ads": F(7, 5), "Partner": F(1), "Webinar": F(1, 5), "Sales": F(2, 5)},
    }
    for model, shares in expected.items():
        got = _values(api, "customers_new_attributed", f"&dimension=channel&model={model}")
        assert {k: v for k, v in got.items() if v} == {
            k: _two(v) for k, v in shares.items() if v
        }, model


def test_linear_is_the_default_and_the_answer_names_the_model(api):
    plain = api.get(URL.format(key="mrr_new_attributed") + "&dimension=channel").json()
    linear = api.get(
        URL.format(key="mrr_new_attributed") + "&dimension=channel&model=linear"
    ).json()
    assert plain == linear and plain["model"] == "linear"
    assert {p["dimension"] for p in plain["points"]} == {"channel"}


@pytest.mark.parametrize("model", ["first_touch", "last_touch", "linear", "position_based"])
def test_the_points_add_up_to_new_customers_and_new_mrr(api, model):
    for by in ("channel", "campaign"):
        customers = _values(api, "customers_new_attributed", f"&dimension={by}&model={model}")
        mrr = _values(api, "mrr_new_attributed", f"&dimension={by}&model={model}")
        total_customers = _values(api, "customers_new", "")[None]
        total_mrr = _values(api, "mrr_new", "")[None]
        assert abs(sum(customers.values()) - total_customers) <= Decimal("0.005") * len(customers)
        assert abs(sum(mrr.values()) - total_mrr) <= Decimal("0.01") * len(mrr)


def test_an_unknown_model_or_a_model_on_another_kpi_is_a_clear_400(api):
    response = api.get(URL.format(key="customers_new_attributed") + "&model=u_shaped")
    assert response.status_code == 400
    assert "u_shaped" in response.json()["model"][0]
    assert "position_based" in response.json()["model"][0]
    response = api.get(URL.format(key="mrr") + "&model=linear")
    assert response.status_code == 400 and "attributed" in response.json()["model"][0]
    response = api.get(URL.format(key="customers_new_attributed") + "&dimension=country")
    assert response.status_code == 400 and "dimension" in response.json()


def test_the_workspace_settings_show_the_activation_window_and_referral_channel(api):
    (workspace,) = api.get("/api/v1/workspaces/").json()
    assert workspace["activation_days"] == 14 and workspace["referral_channel"] == ""
