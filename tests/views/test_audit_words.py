"""The audit log reads in words, in the reader's language: labels instead of field names,
roles, on/off, KPI names, periods, money in the workspace currency, local times; the same on
the audit page, the members page's recent changes, the CSV and the API's description."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from accounts import two_factor
from accounts.audit import audit_record
from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.models import CustomKpi

pytestmark = pytest.mark.django_db
PAGE = "/w/acme/settings/audit/"
RAW = ("require_two_factor", "False", "True", "'link'", "{", "mrr", "2026-Q4", "275000.5", "viewer")


@pytest.fixture
def events(cast, workspace):
    """What a person met in the browser: raw settings, a role, a share link, a target."""
    workspace.currency = "EUR"
    workspace.save()
    owner = cast["owner"]

    def at(day: int, **kwargs):
        event = audit_record(workspace=workspace, actor=owner, **kwargs)
        with workspace_scope(workspace.id):
            AuditEvent.objects.filter(pk=event.pk).update(
                created_at=datetime(2026, 12, day, 9, tzinfo=UTC)
            )

    at(1, action="workspace.updated", require_two_factor=["False", "True"])
    at(2, action="member.added", subject="erik@example.com", role="viewer")
    # as the share-link service wrote it before: the detail nested under "data"
    at(
        3,
        action="share_link.created",
        subject="Investor update",
        data={"link": "kzs__NcchM", "expires_at": "2027-01-05T00:00:00+01:00"},
    )
    at(4, action="target.set", subject="mrr 2026-Q4", old=None, new="275000.5")
    at(
        5,
        action="workspace.updated",
        gross_margin=["0.800", "0.750"],
        stage_probabilities=[str({"lead": "0.05"}), str({"lead": "0.10"})],
    )
    with workspace_scope(workspace.id):
        CustomKpi.objects.create(
            key="custom_audit_pass_rate",
            name="Audit-Quote",
            unit="percent",
            direction="up",
            aggregation="last",
        )
    at(6, action="target.changed", subject="custom_audit_pass_rate 2026-Q1", old="90", new="92.5")
    at(7, action="workspace.pinned_kpis", old=[], new=["mrr", "custom_audit_pass_rate"])


def _german(user):
    user.language = "de"
    user.save()
    return user


def _rows(client) -> str:
    body = client.get(PAGE).content.decode()
    return body.split("<tbody>")[1].split("</tbody>")[0]


def test_the_page_shows_details_in_german_words(client_as, cast, events):
    body = _rows(client_as(_german(cast["owner"])))
    assert "Zwei-Faktor-Anmeldung verlangen: aus → an" in body
    assert "Rolle: Betrachter" in body
    assert "Link: kzs__NcchM…" in body and "gültig bis 4. Januar 2027" in body
    assert "MRR, Q4 2026" in body and "275.000,50\u00a0€" in body
    assert "Bruttomarge: 80\u00a0% → 75\u00a0%" in body
    assert "Lead 5\u00a0% → Lead 10\u00a0%" in body
    assert "Audit-Quote, Q1 2026" in body and "90\u00a0% → 92,5\u00a0%" in body
    assert "die Standardauswahl → MRR, Audit-Quote" in body
    for raw in RAW:
        assert raw not in body, raw


def test_the_page_shows_details_in_english_words(client_as, cast, events):
    body = _rows(client_as(cast["owner"]))
    assert "Require two-factor login: off → on" in body
    assert "Role: Viewer" in body and "valid until Jan. 4, 2027" in body
    assert "MRR, Q4 2026" in body and "€275,000.50" in body
    for raw in RAW:
        assert raw not in body, raw


def test_the_members_page_recent_changes_read_in_words(client_as, cast, events):
    body = client_as(_german(cast["owner"])).get("/w/acme/settings/members/").content.decode()
    recent = body.split('class="plain-list audit"')[1].split("</ul>")[0]
    assert "hat ein Mitglied hinzugefügt: erik@example.com" in recent
    assert "hat ein Ziel gesetzt: MRR, Q4 2026" in recent
    assert " :" not in recent and "mrr" not in recent


def test_the_action_filter_offers_titles_that_start_with_a_capital(client_as, cast, events):
    body = client_as(_german(cast["owner"])).get(PAGE).content.decode()
    select = body.split('name="action"')[1].split("</select>")[0]
    assert ">Arbeitsbereich angelegt</option>" in select
    assert ">Mitglied hinzugefügt</option>" in select
    assert "hat " not in select
    english = client_as(cast["admin"]).get(PAGE).content.decode()
    assert ">Member added</option>" in english.split('name="action"')[1]


def test_the_german_csv_has_german_headers_and_words(client_as, cast, events):
    response = client_as(_german(cast["owner"])).get(PAGE + "export.csv")
    lines = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert lines[0] == "Zeit;Person;Aktion;Objekt;Details;IP-Adresse;Aktionsschlüssel"
    target = next(line for line in lines if "target.set" in line)
    # 9:00 UTC is 10:00 in Berlin, the workspace's time zone
    assert target.startswith("2026-12-04T10:00:00+01:00;alice@example.com;Hat ein Ziel gesetzt;")
    assert "MRR, Q4 2026;275.000,50\u00a0€" in target
    assert "{" not in "".join(lines)


def test_the_api_keeps_the_raw_detail_and_adds_a_description(cast, events):
    client = APIClient()
    client.force_authenticate(cast["owner"])
    results = client.get("/api/v1/workspaces/acme/audit/").json()["results"]
    target = next(e for e in results if e["action"] == "target.set")
    assert target["detail"] == {"old": None, "new": "275000.5"}
    assert target["description"] == "Set a target: MRR, Q4 2026 (€275,000.50)"


def test_turning_own_two_factor_login_on_and_off_is_recorded_in_every_workspace(
    rf, cast, workspace, other_workspace
):
    from accounts.models import Membership

    alice = cast["owner"]
    Membership.all_workspaces.create(user=alice, workspace=other_workspace, role="viewer")
    device = two_factor.setup_device(alice)
    from django_otp.oath import totp

    request = rf.post("/")
    request.session = {}
    code = f"{totp(device.bin_key):06d}"
    assert two_factor.confirm_setup(request, alice, code) is not None
    two_factor.disable(alice)
    two_factor.disable(alice)  # already off: nothing more to record
    for ws in (workspace, other_workspace):
        with workspace_scope(ws.id):
            actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
        assert actions[-2:] == ["member.two_factor_on", "member.two_factor_off"]
        assert actions.count("member.two_factor_off") == 1


@pytest.mark.parametrize(
    ("language", "month", "quarter"),
    [("de", "Dez. 2026", "Q4 2026"), ("en", "Dec. 2026", "Q4 2026")],
)
def test_periods_read_in_words(language, month, quarter):
    from django.utils import translation

    from kpiapp.kpis.periods import Period
    from kpiapp.selectors.audit_text import period_words

    with translation.override(language):
        assert period_words(Period("month", 2026 * 12 + 11)) == month
        assert period_words(Period("quarter", 2026 * 12 + 9)) == quarter
        assert period_words(Period("year", 2026 * 12)) == "2026"
