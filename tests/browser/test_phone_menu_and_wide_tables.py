"""On a phone (390 px) the workspace navigation is a menu that reaches every section, and wide
tables (MRR movements, cohorts) scroll inside their card with the first column fixed; in both
languages (issue 19)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in, workspace_with_one_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MENU = {"en": "Menu", "de": "Menü"}
SECTIONS = {"en": ["Dashboard", "KPIs", "Data", "Settings"],
            "de": ["Übersicht", "Kennzahlen", "Daten", "Einstellungen"]}  # fmt: skip
SHOTS = os.environ.get("KZ_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_phone_menu_reaches_every_section(live_server, page, language):
    workspace_with_one_customer(language)
    page.set_viewport_size({"width": 390, "height": 800})
    errors = sign_in(page, live_server.url, "lead@example.com", lands_on="/w/acme/")
    page.wait_for_load_state("load")
    nav, toggle = page.locator("nav.mainnav"), page.locator("button.nav-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_contain_text(MENU[language])
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    hrefs = nav.locator("a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    names = nav.locator("a").all_inner_texts()
    assert all(name in names for name in SECTIONS[language]), names

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert toggle.get_attribute("aria-controls") == nav.get_attribute("id")
    for link in nav.locator("a").all():  # every section on the screen, none cut off
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, link.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, f"phone-menu-{language}")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(toggle).to_be_focused()

    for href in hrefs:  # each section opens from the menu
        toggle.click()
        nav.locator(f"a[href='{href}']").click()
        page.wait_for_url(f"{live_server.url}{href}")
        page.wait_for_load_state("load")
        expect(page.locator("button.nav-toggle")).to_have_attribute("aria-expanded", "false")

    page.set_viewport_size({"width": 1280, "height": 800})  # wide: no menu, every link shown
    expect(toggle).to_be_hidden()
    expect(nav).to_be_visible()
    for link in nav.locator("a").all():
        box = link.bounding_box()
        assert box["x"] + box["width"] <= 1280, link.inner_text()
    assert errors == []


def _columns(page, table: str) -> tuple[float, float]:
    """The x of the first column's header and of the third's."""
    first = page.locator(f"{table} thead th").nth(0).bounding_box()["x"]
    third = page.locator(f"{table} thead th").nth(2).bounding_box()["x"]
    return first, third


@pytest.mark.parametrize("language", ["en", "de"])
def test_wide_tables_scroll_in_their_card_with_the_first_column_fixed(live_server, page, language):
    workspace_with_one_customer(language)
    errors = sign_in(page, live_server.url, "lead@example.com", lands_on="/w/acme/")
    for width, path in [(390, "/w/acme/mrr/"), (1280, "/w/acme/cohorts/")]:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        wrap = page.locator(".table-wide").first
        sizes = wrap.evaluate("(w) => [w.scrollWidth, w.clientWidth]")
        assert sizes[0] > sizes[1], (path, sizes)  # wider than its card: it scrolls inside
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # not the page
        expect(page.locator(".scroll-hint").first).to_be_visible()
        _shot(page, f"wide-{path.strip('/').replace('/', '-')}-{language}-{width}")
        first, third = _columns(page, ".table-wide table")
        wrap.evaluate("(w) => { w.scrollLeft = 300; }")
        page.wait_for_timeout(100)
        first_after, third_after = _columns(page, ".table-wide table")
        assert first_after == pytest.approx(first, abs=1)  # the first column stays
        assert third_after < third - 100  # the others moved
        row_head = page.locator(".table-wide tbody th").first.bounding_box()
        assert row_head["x"] == pytest.approx(first, abs=1)
        _shot(page, f"wide-scrolled-{path.strip('/').replace('/', '-')}-{language}-{width}")
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ("/w/acme/kpis/mrr/", "/w/acme/kpis/win_rate/", "/w/acme/funnel/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    assert errors == []
