"""/w/<slug>/alerts/: editors set up alerts, everyone sees them and what fired."""

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import AlertRule

pytestmark = pytest.mark.django_db
URL = "/w/acme/alerts/"


def test_an_editor_sets_up_an_alert_in_the_kpis_unit(client_as, erik, workspace):
    page = client_as(erik).get(URL)
    assert page.status_code == 200 and "No alerts yet" in page.content.decode()
    rule = {"kpi_key": "customer_churn_rate", "grain": "month", "kind": "above",
            "threshold": "3", "recipients": "me"}  # fmt: skip
    answer = client_as(erik).post(URL, rule)
    assert answer.status_code == 302
    with workspace_scope(workspace.id):
        rule = AlertRule.objects.get()
    assert str(rule.threshold) == "0.030000"  # 3 % as a fraction, like a target
    listed = client_as(erik).get(URL).content.decode()
    assert "Above a value" in listed and "3.0" in listed


def test_a_missing_value_is_said_next_to_its_field_and_nothing_is_stored(
    client_as, erik, workspace
):
    answer = client_as(erik).post(URL, {"kpi_key": "mrr", "grain": "month", "kind": "below",
                                        "recipients": "none"})  # fmt: skip
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert errors["threshold"] == ["Enter the value that sets the alert off."]
    assert errors["webhook_url"] == ["Without an email, the alert needs a webhook address."]
    with workspace_scope(workspace.id):
        assert not AlertRule.objects.exists()


def test_viewers_see_the_page_but_cannot_set_up_alerts(client_as, vera, workspace):
    assert client_as(vera).get(URL).status_code == 200
    assert "Set up an alert" not in client_as(vera).get(URL).content.decode()
    refused = client_as(vera).post(URL, {"kpi_key": "mrr", "grain": "month", "kind": "anomaly",
                                         "recipients": "me"})  # fmt: skip
    assert refused.status_code == 403


def test_a_value_that_is_not_a_number_gets_one_message(client_as, erik, workspace):
    answer = client_as(erik).post(URL, {"kpi_key": "mrr", "grain": "month", "kind": "above",
                                        "threshold": "viel", "recipients": "me"})  # fmt: skip
    assert answer.status_code == 400
    assert answer.context["form"].errors["threshold"] == ["Enter a number."]
