"""Destructive actions ask first (static/js/app.js reads `data-confirm` on the form): removing
a member, leaving, revoking an API token or a share link, removing a target, and requiring
two-factor login, which says how many members will be sent to set it up."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import api_token_create
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import Period, today_in
from kpiapp.services.reports import report_create
from kpiapp.services.share_links import share_link_create
from kpiapp.services.targets import target_set
from tests.accounts.two_factor_steps import turn_on
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db
REPORT = {
    "title": "Board",
    "visibility": "shared",
    "grain": "month",
    "range_kind": "last_closed_month",
    "comparison": "previous",
    "sections": [{"kpi": "mrr"}],
}


def _questions(body: str, action_part: str = "") -> list[str]:
    """The confirmation questions of the page's forms (whose tag contains `action_part`)."""
    return [
        html.unescape(question)
        for tag in re.findall(r"<form[^>]*>", body)
        if action_part in tag
        for question in re.findall(r'data-confirm="([^"]*)"', tag)
    ]


def _german(user):
    user.language = "de"
    user.save()
    return user


def test_removing_a_member_and_leaving_ask_first(client_as, cast, workspace):
    body = client_as(_german(cast["owner"])).get("/w/acme/settings/members/").content.decode()
    removals = _questions(body, "/remove")
    assert (
        "Erik Editor aus dem Arbeitsbereich entfernen? Zugang und API-Tokens dieser Person "
        "enden sofort." in removals
    )
    assert _questions(body, "leave") == [
        "Diesen Arbeitsbereich verlassen? Um zurückzukommen, brauchen Sie eine neue Einladung."
    ]


def test_revoking_a_token_asks_first(client_as, cast, workspace):
    api_token_create(membership=membership_of(cast["owner"], workspace), name="Data <warehouse>")
    body = client_as(cast["owner"]).get("/w/acme/settings/tokens/").content.decode()
    assert _questions(body, "revoke") == [
        "Revoke the API token “Data <warehouse>”? Scripts that use it stop working at once."
    ]


def test_revoking_a_share_link_and_removing_a_target_ask_first(client_as, cast, workspace):
    owner = membership_of(cast["owner"], workspace)
    with workspace_scope(workspace.id):
        report = report_create(membership=owner, data=REPORT)
        share_link_create(membership=owner, report=report)
        quarter = Period.of_start("quarter", today_in(workspace.time_zone))
        target_set(membership=owner, kpi_key="mrr", quarter=quarter, value=Decimal(5000))
    client = client_as(_german(cast["owner"]))
    body = client.get(f"/w/acme/reports/{report.pk}/share-links/").content.decode()
    assert _questions(body, "revoke") == [
        "Diesen Freigabelink widerrufen? Wer ihn hat, kann den Bericht danach nicht mehr öffnen."
    ]
    body = client.get("/w/acme/targets/").content.decode()
    assert _questions(body) == [
        "Dieses Ziel für MRR entfernen? Unten bei den Änderungen können Sie das rückgängig machen."
    ]


def test_requiring_two_factor_login_says_how_many_members_will_set_it_up(
    client_as, cast, workspace
):
    owner = client_as(_german(cast["owner"]))
    turn_on(owner, cast["owner"])
    TOTPDevice.objects.create(user=cast["admin"], name="app", confirmed=False)  # not set up
    body = owner.get("/w/acme/settings/").content.decode()
    tag = next(
        t for t in re.findall(r"<form[^>]*>", body) if "two-factor" in t or "two_factor" in t
    )
    assert 'data-confirm-when="require_two_factor"' in tag
    # adam, erik and vera have it off; alice, the owner, has it on
    assert _questions(tag) == [
        "Zwei-Faktor-Anmeldung für alle Mitglieder verlangen? 3 Mitglieder haben sie noch nicht "
        "eingeschaltet und müssen sie einrichten, bevor sie diesen Arbeitsbereich wieder öffnen "
        "können."
    ]
    workspace.require_two_factor = True
    workspace.save()
    body = owner.get("/w/acme/settings/").content.decode()
    assert "data-confirm-when" not in body  # turning it off needs no question
