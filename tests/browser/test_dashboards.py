"""The dashboard in a real browser, in both languages: a tile (anywhere on it, and by
keyboard) opens its KPI page, the MRR chart is drawn from the page's data, a new dashboard
is made, its tiles reordered with the buttons, and the tabs switch between dashboards."""

from django.utils import translation

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, month_index, period_name, today_in
from kpiapp.services import dashboard as service
from tests.browser.helpers import sign_in, workspace_with_one_customer
from tests.conftest import membership_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"arr": "ARR", "manage": "Manage dashboards", "create": "Create dashboard",
           "down": "Move MRR down", "show": "Show this dashboard"},
    "de": {"arr": "ARR", "manage": "Dashboards verwalten", "create": "Dashboard anlegen",
           "down": "MRR nach unten verschieben", "show": "Dieses Dashboard anzeigen"},
}  # fmt: skip
CHART = """() => {
    const chart = Chart.getChart('mrr-chart');
    return {labels: chart.data.labels, kinds: chart.data.datasets.map((d) => d.type),
            mrr: chart.data.datasets[5].data, newMrr: chart.data.datasets[0].data};
}"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_tiles_link_the_mrr_chart_draws_and_dashboards_switch_and_reorder(
    live_server, page, language
):
    user, workspace = workspace_with_one_customer(language)
    text = TEXT[language]
    base = f"{live_server.url}/w/acme"
    errors = sign_in(page, live_server.url, user.email, lands_on="/w/acme/")
    page.wait_for_selector("body[data-charts-ready='1']")

    # The MRR chart: the last twelve months in words, five stacked movements and the MRR line.
    month = month_index(today_in(workspace.time_zone))
    drawn = page.evaluate(CHART)
    with translation.override(language):
        months = [period_name(Period("month", m)) for m in range(month - 11, month + 1)]
    assert drawn["labels"] == months
    assert drawn["kinds"] == ["bar"] * 5 + ["line"]
    assert drawn["mrr"] == [5000] * 12  # one customer paying 5,000 € a month since 2020
    assert drawn["newMrr"] == [0] * 12

    # A click anywhere on a tile (here its value) opens the KPI's page.
    box = page.locator("article.tile[data-kpi=arr] .tile-value").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"{base}/kpis/arr/?grain=month")
    page.go_back()
    # By keyboard: the tile's link takes the focus and Enter follows it.
    page.locator("article.tile[data-kpi=mrr] a.tile-link").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/kpis/mrr/?grain=month")

    # A new dashboard, its first two tiles swapped with the buttons (no script needed).
    page.goto(f"{base}/")
    page.get_by_role("link", name=text["manage"]).click()
    page.fill("#new-dashboard-name", "Vertrieb")
    page.get_by_role("button", name=text["create"]).click()
    page.wait_for_url(f"{base}/dashboards/*/edit/")
    first_two = page.locator(".dashboard-tile-list .tile-title")
    assert first_two.nth(0).inner_text() == "MRR"
    page.get_by_role("button", name=text["down"]).click()
    expect(first_two.nth(1)).to_have_text("MRR")
    assert first_two.nth(0).inner_text() == text["arr"]

    # Its page shows the new order; the tabs switch between the two dashboards.
    page.get_by_role("link", name=text["show"]).click()
    tiles = page.locator("article.tile")
    assert tiles.nth(0).get_attribute("data-kpi") == "arr"
    assert tiles.nth(1).get_attribute("data-kpi") == "mrr"
    tabs = page.locator("nav.dashboard-tabs")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Vertrieb")
    # The first dashboard is named in the workspace's language (English), not the reader's.
    tabs.get_by_role("link", name="Overview").click()
    page.wait_for_url(f"{base}/")
    expect(tabs.locator("[aria-current=page]")).to_have_text("Overview")
    assert tiles.nth(0).get_attribute("data-kpi") == "mrr"
    assert errors == []


DRAG = {
    "en": {"hint": "Drag a KPI to its place, or use the buttons.",
           "saved": "The new order is saved.", "up": "Move MRR up"},
    "de": {"hint": "Ziehen Sie eine Kennzahl an ihren Platz oder nutzen Sie die Schaltflächen.",
           "saved": "Die neue Reihenfolge ist gespeichert.", "up": "MRR nach oben verschieben"},
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_tile_dragged_above_another_keeps_its_place_after_a_reload(live_server, page, language):
    user, workspace = workspace_with_one_customer(language)
    text = DRAG[language]
    with workspace_scope(workspace.id):
        board = service.dashboard_create(membership=membership_of(user, workspace), name="Vertrieb")
        board.kpis = ["mrr", "arr", "leads", "win_rate"]
        board.save(update_fields=["kpis"])
    edit = f"{live_server.url}/w/acme/dashboards/{board.pk}/edit/"
    errors = sign_in(page, live_server.url, user.email)
    page.goto(edit)
    expect(page.locator(".tile-order-hint")).to_have_text(text["hint"])
    rows = page.locator(".dashboard-tile-list li")
    order = lambda: rows.evaluate_all("(items) => items.map((i) => i.dataset.kpi)")  # noqa: E731

    # "leads" dropped on the upper half of "mrr": it lands first, and the server's list says so.
    target = rows.nth(0)
    box = target.bounding_box()
    rows.nth(2).drag_to(target, target_position={"x": box["width"] / 2, "y": 3})
    expect(page.locator(".tile-order-status")).to_have_text(text["saved"])
    assert order() == ["leads", "mrr", "arr", "win_rate"]
    expect(rows.nth(0).locator(".tile-position")).to_have_text("1.")
    page.reload()
    assert order() == ["leads", "mrr", "arr", "win_rate"]
    board.refresh_from_db()
    assert board.kpis == ["leads", "mrr", "arr", "win_rate"]

    # "mrr" dropped on the lower half of the last tile: it goes last.
    last = rows.nth(3)
    box = last.bounding_box()
    rows.nth(1).drag_to(last, target_position={"x": box["width"] / 2, "y": box["height"] - 3})
    expect(page.locator(".tile-order-status")).to_have_text(text["saved"])
    page.reload()
    assert order() == ["leads", "arr", "win_rate", "mrr"]

    # The buttons still work beside it, and the dashboard shows the saved order.
    page.get_by_role("button", name=text["up"]).click()
    expect(rows.nth(2)).to_have_attribute("data-kpi", "mrr")
    assert order() == ["leads", "arr", "mrr", "win_rate"]
    page.goto(f"{live_server.url}/w/acme/dashboards/{board.pk}/")
    tiles = page.locator("article.tile").evaluate_all("(t) => t.map((i) => i.dataset.kpi)")
    assert tiles == ["leads", "arr", "mrr", "win_rate"]
    assert errors == []


BOARD = {
    "en": {"hint": "Drag a tile to its place to change the order.",
           "saved": "The new order is saved."},
    "de": {"hint": "Ziehen Sie eine Kachel an ihren Platz, um die Reihenfolge zu ändern.",
           "saved": "Die neue Reihenfolge ist gespeichert."},
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_tile_dragged_before_another_on_the_dashboard_keeps_its_place(
    live_server, page, language
):
    user, workspace = workspace_with_one_customer(language)
    text = BOARD[language]
    with workspace_scope(workspace.id):
        board = service.dashboard_create(membership=membership_of(user, workspace), name="Vertrieb")
        board.kpis = ["mrr", "arr", "leads", "win_rate"]
        board.save(update_fields=["kpis"])
    shown = f"{live_server.url}/w/acme/dashboards/{board.pk}/"
    errors = sign_in(page, live_server.url, user.email)
    page.goto(shown)
    page.wait_for_selector("body[data-charts-ready='1']")
    expect(page.locator(".tile-order-hint")).to_have_text(text["hint"])
    tiles = page.locator("article.tile")
    order = lambda: tiles.evaluate_all("(items) => items.map((i) => i.dataset.kpi)")  # noqa: E731

    # "leads" dropped on the left half of "mrr" (tiles stand side by side): it comes first.
    target = tiles.nth(0)
    box = target.bounding_box()
    tiles.nth(2).drag_to(target, target_position={"x": 5, "y": box["height"] / 2})
    expect(page.locator(".tile-order-status")).to_have_text(text["saved"])
    assert order() == ["leads", "mrr", "arr", "win_rate"]
    page.reload()
    page.wait_for_selector("body[data-charts-ready='1']")
    assert order() == ["leads", "mrr", "arr", "win_rate"]
    board.refresh_from_db()
    assert board.kpis == ["leads", "mrr", "arr", "win_rate"]

    # A click on a tile still opens its KPI page.
    box = tiles.nth(1).locator(".tile-value").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"{live_server.url}/w/acme/kpis/mrr/?grain=month")
    assert errors == []


def test_viewers_get_no_dragging_on_the_dashboard(live_server, page):
    user, workspace = workspace_with_one_customer("en")
    with workspace_scope(workspace.id):
        board = service.dashboard_create(membership=membership_of(user, workspace), name="Vertrieb")
        Membership.objects.filter(user=user).update(role=Role.VIEWER)
    sign_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/w/acme/dashboards/{board.pk}/")
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.locator("[data-tile-order], .tile-order-hint").count() == 0
    assert page.locator("article.tile[draggable=true]").count() == 0


def test_on_a_narrow_screen_the_tiles_stand_in_a_column_and_the_upper_half_means_before(
    live_server, page
):
    user, workspace = workspace_with_one_customer("en")
    with workspace_scope(workspace.id):
        board = service.dashboard_create(membership=membership_of(user, workspace), name="Vertrieb")
        board.kpis = ["mrr", "arr", "leads", "win_rate"]
        board.save(update_fields=["kpis"])
    # A phone's width; tall enough that nothing scrolls while dragging (Playwright's drag
    # does not scroll the page in the middle of a native drag).
    page.set_viewport_size({"width": 390, "height": 1800})
    errors = sign_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/w/acme/dashboards/{board.pk}/")
    page.wait_for_selector("body[data-charts-ready='1']")
    tiles = page.locator("article.tile")
    assert tiles.nth(0).bounding_box()["x"] == tiles.nth(1).bounding_box()["x"]  # one column
    # "mrr" dropped on the lower half of "arr": it lands second.
    box = tiles.nth(1).bounding_box()
    tiles.nth(0).drag_to(
        tiles.nth(1), target_position={"x": box["width"] / 2, "y": box["height"] - 5}
    )
    expect(page.locator(".tile-order-status")).to_have_text(BOARD["en"]["saved"])
    page.reload()
    order = tiles.evaluate_all("(items) => items.map((i) => i.dataset.kpi)")
    assert order == ["arr", "mrr", "leads", "win_rate"]
    assert errors == []


def test_a_drop_the_server_refuses_says_why_and_shows_the_saved_list(live_server, page):
    user, workspace = workspace_with_one_customer("de")
    membership = membership_of(user, workspace)
    with workspace_scope(workspace.id):
        board = service.dashboard_create(membership=membership, name="Vertrieb")
        board.kpis = ["mrr", "arr", "leads"]
        board.save(update_fields=["kpis"])
    errors = sign_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/w/acme/dashboards/{board.pk}/edit/")
    rows = page.locator(".dashboard-tile-list li")
    expect(rows).to_have_count(3)
    with workspace_scope(workspace.id):  # another editor takes "leads" off meanwhile
        service.dashboard_tile_remove(membership=membership, dashboard=board, key="leads")
    box = rows.nth(0).bounding_box()
    rows.nth(2).drag_to(rows.nth(0), target_position={"x": box["width"] / 2, "y": 3})
    expect(page.locator(".tile-order-status")).to_have_text(
        "Diese Kennzahl ist nicht im Dashboard."
    )
    assert rows.evaluate_all("(items) => items.map((i) => i.dataset.kpi)") == ["mrr", "arr"]
    assert errors == []
