"""A real browser logs in through the form and sees the dashboard's chart drawn."""

import pytest

from accounts.models import Membership
from accounts.roles import Role
from tests.conftest import PASSWORD, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAV_SETTINGS = {"en": "Settings", "de": "Einstellungen"}


@pytest.mark.parametrize("language", ["en", "de"])
def test_login_lands_on_the_dashboard_with_the_chart_drawn(live_server, page, language):
    user = make_user("browser@example.com", "Bea Browser")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    editor = make_user("ed@example.com")
    Membership.all_workspaces.create(user=editor, workspace=workspace, role=Role.EDITOR)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{live_server.url}/w/acme/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "browser@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")

    page.wait_for_url(f"{live_server.url}/w/acme/")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=10_000)
    assert page.get_attribute("html", "lang") == language
    assert page.locator("nav.mainnav").inner_text().count(NAV_SETTINGS[language]) == 1
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart('team-chart');
        const canvas = document.getElementById('team-chart');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        return {values: chart.data.datasets[0].data, width: canvas.width, painted};
    }""")
    assert drawn["values"] == [1, 0, 1, 0]  # owner, admin, editor, viewer
    assert drawn["width"] > 100
    assert drawn["painted"] > 1000
    assert errors == []
