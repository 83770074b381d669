"""The audit log in a real browser: the filter bar keeps each label with its field and fits a
phone's width; a destructive action asks first, and dismissing the question changes nothing."""

import os
from pathlib import Path

import pytest

from accounts.audit import audit_record
from accounts.models import Membership
from accounts.tenancy import workspace_scope
from tests.browser.helpers import log_in, sign_in
from tests.conftest import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FROM = {"en": "From", "de": "Von"}
# Screenshots for a person to look at: KZ_SCREENSHOTS=/some/dir ./dev test tests/browser/...
SHOTS = Path(os.environ["KZ_SCREENSHOTS"]) if os.environ.get("KZ_SCREENSHOTS") else None


def _box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_filter_bar_keeps_labels_with_fields_and_fits_the_screen(
    live_server, page, language, width, tmp_path
):
    owner = make_user("olga@example.com", "Olga Owner")
    owner.language = language
    owner.save()
    workspace = make_workspace("acme", owner, "Acme GmbH")
    audit_record(workspace=workspace, actor=owner, action="token.created", subject="Skript")
    audit_record(
        workspace=workspace,
        actor=owner,
        action="target.set",
        subject="mrr 2026-Q1",
        old="1000",
        new="275000.5",
    )
    page.set_viewport_size({"width": width, "height": 900})
    errors = sign_in(page, live_server.url, "olga@example.com")
    page.goto(f"{live_server.url}/w/acme/settings/audit/")
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"audit-{language}-{width}.png"), full_page=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    bar = _box(page, "form[role=search]")
    for name in ("action", "actor", "since", "until"):
        field = _box(page, f"form[role=search] [name={name}]")
        assert field["x"] + field["width"] <= bar["x"] + bar["width"] + 0.5, name
        label = _box(page, f"label[for=id_{name}]")
        # each label sits right above its own field, never alone at the end of a row
        assert 0 <= field["y"] - (label["y"] + label["height"]) < 12, name
        assert abs(label["x"] - field["x"]) < 2, name
    label = page.locator("label[for=id_since]").inner_text()
    assert label == FROM[language]
    if width == 1280:  # the four fields share one row
        tops = [
            _box(page, f"form[role=search] [name={n}]")["y"]
            for n in ("action", "actor", "since", "until")
        ]
        assert max(tops) - min(tops) < 2
        assert _box(page, "form[role=search] [name=since]")["width"] < 400
    card = _box(page, ".table-card")
    for cell in page.locator("#audit-log td").all():  # no cell is cut off by the card
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= card["x"] + card["width"] + 0.5
    assert errors == []


def test_removing_a_member_asks_first_and_a_dismissed_question_changes_nothing(live_server, page):
    owner = make_user("olga@example.com", "Olga Owner")
    owner.language = "de"
    owner.save()
    erik = make_user("erik@example.com", "Erik Editor")
    workspace = make_workspace("acme", owner, "Acme GmbH")
    Membership.all_workspaces.create(user=erik, workspace=workspace, role="editor")
    errors = sign_in(page, live_server.url, "olga@example.com")
    page.goto(f"{live_server.url}/w/acme/settings/members/")
    row = page.locator("tr", has_text="erik@example.com")
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    def members() -> set[str]:
        with workspace_scope(workspace.id):
            return set(Membership.objects.values_list("user__email", flat=True))

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    row.get_by_role("button", name="Entfernen").click()
    page.wait_for_timeout(300)
    assert questions[0].startswith("Erik Editor aus dem Arbeitsbereich entfernen?")
    assert "erik@example.com" in members()
    assert page.url.endswith("/w/acme/settings/members/")

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    with page.expect_navigation():
        row.get_by_role("button", name="Entfernen").click()
    assert len(questions) == 2
    assert members() == {"olga@example.com"}
    assert page.locator("tr", has_text="erik@example.com").count() == 0
    assert errors == []


def test_requiring_two_factor_login_asks_only_when_turning_it_on(live_server, page):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    owner = make_user("olga@example.com", "Olga Owner")
    owner.language = "de"
    owner.save()
    workspace = make_workspace("acme", owner, "Acme GmbH")
    erik = make_user("erik@example.com", "Erik Editor")
    Membership.all_workspaces.create(user=erik, workspace=workspace, role="editor")
    device = TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    log_in(page, live_server.url, "olga@example.com", lands_on="/accounts/login/code/")
    page.fill("input[name=code]", f"{totp(device.bin_key):06d}")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/w/acme/")
    page.goto(f"{live_server.url}/w/acme/settings/")
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    form = page.locator("#two-factor form")
    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    form.locator("input[name=require_two_factor]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_timeout(300)
    assert questions == [
        "Zwei-Faktor-Anmeldung für alle Mitglieder verlangen? 1 Mitglied hat sie noch nicht "
        "eingeschaltet und muss sie einrichten, bevor es diesen Arbeitsbereich wieder öffnen kann."
    ]
    workspace.refresh_from_db()
    assert not workspace.require_two_factor

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    workspace.refresh_from_db()
    assert workspace.require_two_factor and len(questions) == 2

    # turning it off asks nothing
    page.locator("#two-factor input[name=require_two_factor]").uncheck()
    with page.expect_navigation():
        page.locator("#two-factor button[type=submit]").click()
    workspace.refresh_from_db()
    assert not workspace.require_two_factor and len(questions) == 2
