"""/w/<slug>/plan/ without a browser: the page computes from its fields, shows messages beside
them, saves for editors only, and shows nothing to outsiders."""

import pytest
from freezegun import freeze_time

from accounts.tenancy import workspace_scope
from kpiapp.models import Plan, Target
from tests.plans.helpers import write_trailing_figures

pytestmark = pytest.mark.django_db
PAGE = "/w/acme/plan/"
FIELDS = {"quarter": "2026-Q4", "goal_kind": "mrr_new", "goal_value": "10000"}


@pytest.fixture(autouse=True)
def _mid_november(workspace):
    with freeze_time("2026-11-15 12:00"):
        with workspace_scope(workspace.id):
            write_trailing_figures()
        yield


def test_the_page_computes_from_its_fields(client_as, vera):
    page = client_as(vera).get(PAGE, {**FIELDS, "share.Partner": "30", "o.win_rate.Paid Ads": "50"})
    assert page.status_code == 200
    html = page.content.decode()
    # Paid Ads: 7.000 € → 14 deals → at 50 %: 28 opportunities.
    assert 'id="c1-opportunities-value" data-live' in html
    assert "⌈14 ÷ 50.0\u00a0%⌉ = 28" in html
    assert 'name="o.win_rate.Paid Ads" value="50"' in html
    assert "Save plan" not in html  # a viewer computes, but does not save


def test_bad_fields_get_messages_beside_them_and_nothing_is_saved(client_as, erik, workspace):
    answer = client_as(erik).post(
        PAGE,
        {**FIELDS, "action": "save", "share.Partner": "130", "o.lead_to_sql_rate.Partner": "x"},
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Enter a share between 0 % and 100 %." in html
    assert "Enter a number." in html
    zero = client_as(erik).post(PAGE, {**FIELDS, "action": "save", "o.win_rate.Partner": "0"})
    assert zero.status_code == 400
    assert "does not divide by zero" in zero.content.decode()
    with workspace_scope(workspace.id):
        assert not Plan.objects.exists() and not Target.objects.exists()


def test_an_editor_saves_a_viewer_cannot_and_an_outsider_sees_nothing(
    client_as, erik, vera, charlie, workspace
):
    assert client_as(vera).post(PAGE, {**FIELDS, "action": "save"}).status_code == 403
    saved = client_as(erik).post(PAGE, {**FIELDS, "action": "save"})
    assert saved.status_code == 302 and saved["Location"].endswith("?quarter=2026-Q4")
    with workspace_scope(workspace.id):
        assert Target.objects.filter(plan=Plan.objects.get()).count() == 13
    shown = client_as(vera).get(PAGE).content.decode()
    assert 'value="10000.00"' in shown and "of what is due" not in shown  # not yet measured
    assert client_as(charlie).get(PAGE).status_code == 404


def test_an_editor_calculates_without_saving_and_no_token_lands_in_an_address(
    client_as, erik, vera, workspace
):
    page = client_as(erik).post(PAGE, {**FIELDS, "action": "calculate"})
    assert page.status_code == 200 and "⌈12 ÷ 25.0\u00a0%⌉ = 48" in page.content.decode()
    with workspace_scope(workspace.id):
        assert not Plan.objects.exists()
    viewer_page = client_as(vera).get(PAGE, FIELDS).content.decode()
    plan_form = viewer_page.split('id="plan-form"')[1].split("</form>")[0]
    assert 'formmethod="get"' in plan_form and "csrfmiddlewaretoken" not in plan_form
