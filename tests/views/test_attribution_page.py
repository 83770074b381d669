"""The attribution page and a won customer's journey (KPIS.md 7), from tests/journey_data.py:
March 2025, "today" 10 April 2025."""

from __future__ import annotations

from datetime import date
from fractions import Fraction as F

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import Account
from tests.conftest import make_workspace
from tests.journey_data import write_journeys

pytestmark = pytest.mark.django_db
URL = "/w/acme/attribution/"


@pytest.fixture
def journeys(workspace):
    with freeze_time("2025-04-10 12:00"):
        found = write_journeys(workspace, date(2025, 3, 1))
        yield found


def two(value: F) -> str:
    """English number with two decimals, as the page shows a share of customers."""
    return f"{float(value):.2f}"


def rows(html: str, table: str) -> str:
    start = html.index(f'id="{table}"')
    return html[start : html.index("</table>", start)]


def test_the_default_is_the_last_complete_month_and_the_linear_model(client_as, vera, journeys):
    html = client_as(vera).get(URL).content.decode()
    assert "March 2025" in html or "Mar. 2025" in html
    table = rows(html, "attribution-table")
    # linear: A's three touches get ⅓ each, C's two Ads touches ½ each, B is its own Partner
    for label, share in (("Ads", F(1, 3) + 1), ("Webinar", F(1, 3)), ("Partner", F(1))):
        assert f">{label}</th>" in table
        assert two(share) in table
    assert ">3.00<" in table  # the total row: customers_new
    assert "600.00" in table  # new MRR 300 + 100 + 200


def test_another_model_changes_the_shares(client_as, vera, journeys):
    html = client_as(vera).get(URL + "?model=first_touch").content.decode()
    table = rows(html, "attribution-table")
    # first touch: A and C start with Ads, B with its implied Partner touch
    assert f'>Ads</th>\n        <td class="num">{two(F(2))}' in table
    assert ">Webinar</th>" not in table
    html = client_as(vera).get(URL + "?model=position_based&by=campaign").content.decode()
    table = rows(html, "attribution-table")
    # Spring: A's first touch (0.4) and C's first touch (½) → 0.9; the rest has no campaign
    assert two(F(2, 5) + F(1, 2)) in table and two(F(3) - F(2, 5) - F(1, 2)) in table


def test_the_won_customers_link_to_their_journeys(client_as, vera, journeys):
    html = client_as(vera).get(URL).content.decode()
    won = rows(html, "won-table")
    for account in (journeys.a, journeys.b, journeys.c):
        assert f"/w/acme/attribution/journeys/{account.pk}/" in won
    volume = rows(html, "volume-table")
    assert ">Direct</th>" in volume and ">Partner</th>" in volume
    assert "66.7" in html  # multi-touch share: A and C of three
    paths = html[html.index('id="paths"') :]
    assert "Ads → Webinar → Sales" in paths and "(1 customer)" in paths


def test_a_journey_shows_touchpoints_in_order_with_the_days_between(client_as, vera, journeys):
    html = client_as(vera).get(f"/w/acme/attribution/journeys/{journeys.a.pk}/").content.decode()
    table = rows(html, "journey-table")
    assert table.index(">Ads<") < table.index(">Webinar<") < table.index(">Sales<")
    assert '<td class="num">4</td>' in table and '<td class="num">5</td>' in table  # 1→5→10
    assert "1 later touchpoint is not part of the journey." in html
    assert "Alpha first order" in rows(html, "deals-table")


def test_a_customer_without_touchpoints_shows_the_implied_one(client_as, vera, journeys):
    html = client_as(vera).get(f"/w/acme/attribution/journeys/{journeys.b.pk}/").content.decode()
    table = rows(html, "journey-table")
    assert "Implied touchpoint" in table and ">Partner<" in table
    assert "its journey is one implied touchpoint" in html


def test_another_workspaces_account_is_not_found(client_as, vera, charlie, journeys):
    other = make_workspace("other", charlie)
    with workspace_scope(other.id):
        foreign = Account.objects.create(external_id="X", name="Foreign")
    assert client_as(vera).get(f"/w/acme/attribution/journeys/{foreign.pk}/").status_code == 404
    assert client_as(charlie).get(URL).status_code == 404


def test_an_empty_period_says_so(client_as, vera, journeys):
    html = client_as(vera).get(URL + "?period=2025-01").content.decode()
    assert "No new customers in this period." in html
    assert "No customers were won in this period." in html


def test_a_period_that_is_not_offered_falls_back_to_the_last_complete_one(
    client_as, vera, journeys
):
    html = client_as(vera).get(URL + "?period=1999-01&model=nope").content.decode()
    assert 'value="2025-03" selected' in html and 'value="linear" selected' in html


def test_admins_set_the_activation_window_and_the_referral_channel(client_as, alice, workspace):
    url = f"/w/{workspace.slug}/settings/"
    form = {"name": "Acme GmbH", "currency": "EUR", "time_zone": "Europe/Berlin",
            "gross_margin": "80", "language": "en", "benchmark_segment": "smb"}  # fmt: skip
    response = client_as(alice).post(url, {**form, "activation_days": "0"})
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.activation_days == 14  # bad input changes nothing
    changed = {**form, "activation_days": "30", "referral_channel": "Partner"}
    assert client_as(alice).post(url, changed).status_code == 302
    workspace.refresh_from_db()
    assert (workspace.activation_days, workspace.referral_channel) == (30, "Partner")
    assert client_as(alice).post(url, form).status_code == 302  # left out: as it was
    workspace.refresh_from_db()
    assert workspace.activation_days == 30


def test_the_kpi_page_shows_attributed_customers_with_two_decimals(client_as, vera, journeys):
    html = (
        client_as(vera)
        .get("/w/acme/kpis/customers_new_attributed/?grain=year&dimension=channel")
        .content.decode()
    )
    # the breakdown under the default (linear) model
    assert f'<th scope="row">Ads</th><td class="num">{two(F(4, 3))}</td>' in html
