from decimal import Decimal

import pytest

from accounts.models import Membership, Workspace
from tests.conftest import make_workspace

NEW = {
    "name": "Nordwind Software",
    "slug": "",
    "currency": "EUR",
    "time_zone": "Europe/Berlin",
    "gross_margin": "75",
    "language": "de",
    "benchmark_segment": "mid-market",
}


@pytest.mark.django_db
def test_creating_a_workspace_makes_you_its_owner(client_as, alice):
    response = client_as(alice).post("/workspaces/new/", NEW)
    workspace = Workspace.objects.get(name="Nordwind Software")
    assert workspace.slug == "nordwind-software"
    assert response["Location"] == "/w/nordwind-software/"
    assert Membership.all_workspaces.get(user=alice, workspace=workspace).role == "owner"


@pytest.mark.django_db
def test_workspace_creation_explains_bad_input_and_creates_nothing(client_as, alice, workspace):
    bad = {**NEW, "slug": workspace.slug, "gross_margin": "150", "time_zone": "Mars/Olympus"}
    response = client_as(alice).post("/workspaces/new/", bad)
    body = response.content.decode()
    assert response.status_code == 200
    for field in ("slug", "gross_margin", "time_zone"):
        assert f'id="id_{field}_error"' in body
    assert Workspace.objects.count() == 1


@pytest.mark.django_db
def test_home_lists_several_workspaces_or_opens_the_only_one(client_as, alice):
    client = client_as(alice)
    body = client.get("/").content.decode()
    assert "not in a workspace yet" in body  # the empty state
    make_workspace("one", alice)
    assert client.get("/")["Location"] == "/w/one/"
    make_workspace("two", alice)
    body = client.get("/").content.decode()
    assert "/w/one/" in body
    assert "/w/two/" in body


@pytest.mark.django_db
def test_the_switcher_lists_only_my_workspaces(client_as, alice, workspace, other_workspace):
    make_workspace("second", alice, "Second Co")
    body = client_as(alice).get(f"/w/{workspace.slug}/").content.decode()
    assert "Second Co" in body
    assert other_workspace.name not in body


@pytest.mark.django_db
def test_admins_change_settings_viewers_only_read_them(client_as, cast, workspace):
    url = f"/w/{workspace.slug}/settings/"
    changed = {**NEW, "name": "Acme SE", "currency": "USD"}
    assert client_as(cast["viewer"]).get(url).status_code == 200
    assert client_as(cast["viewer"]).post(url, changed).status_code == 403
    workspace.refresh_from_db()
    assert workspace.name == "Acme GmbH"
    assert client_as(cast["admin"]).post(url, changed).status_code == 302
    workspace.refresh_from_db()
    assert (workspace.name, workspace.currency) == ("Acme SE", "USD")
    assert workspace.benchmark_segment == "mid-market"


@pytest.mark.django_db
def test_only_an_owner_deletes_a_workspace_after_typing_its_address(
    client_as, cast, workspace, django_capture_on_commit_callbacks
):
    url = f"/w/{workspace.slug}/settings/delete/"
    assert client_as(cast["admin"]).post(url, {"confirm": workspace.slug}).status_code == 403
    response = client_as(cast["owner"]).post(url, {"confirm": "wrong"})
    assert response.status_code == 400
    assert Workspace.objects.filter(pk=workspace.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):  # the deletion job
        assert client_as(cast["owner"]).post(url, {"confirm": workspace.slug}).status_code == 302
    assert not Workspace.objects.filter(pk=workspace.pk).exists()


@pytest.mark.django_db
def test_the_dashboard_shows_an_empty_state_and_no_chart(client_as, cast, workspace):
    response = client_as(cast["viewer"]).get(f"/w/{workspace.slug}/")
    body = response.content.decode()
    assert "Your KPIs will appear here" in body
    assert '<script id="mrr-chart-data" type="application/json">{"labels": []}' in body
    assert 'id="mrr-chart"' not in body


@pytest.mark.django_db
def test_the_dashboard_lists_the_data_brought_so_far(client_as, vera, workspace, run_import):
    run_import("accounts", "external_id,name\nA1,Alpha\nA2,Beta\n")
    page = client_as(vera).get(f"/w/{workspace.slug}/")
    assert [(k.slug, n) for k, n in page.context["data_kinds"]] == [("accounts", 2)]
    assert f"/w/{workspace.slug}/data/accounts/" in page.content.decode()


@pytest.mark.django_db
def test_admins_set_the_stage_probabilities_in_percent_and_kpis_are_recomputed(
    client_as, cast, workspace, django_capture_on_commit_callbacks
):
    url = f"/w/{workspace.slug}/settings/"
    changed = {**NEW, "name": "Acme GmbH", "stage_negotiation": "75"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client_as(cast["admin"]).post(url, changed).status_code == 302
    workspace.refresh_from_db()
    assert workspace.stage_probabilities["negotiation"] == "0.75"
    assert workspace.stage_probabilities["demo"] == "0.20"  # untouched
    enqueued = [c for c in callbacks if "pagecache" not in c.__module__]
    assert len(enqueued) == 1  # the recompute of the workspace's KPIs
    refused = client_as(cast["admin"]).post(url, {**changed, "stage_demo": "120"})
    assert refused.status_code == 400
    workspace.refresh_from_db()
    assert workspace.stage_probabilities["demo"] == "0.20"


@pytest.mark.django_db
def test_a_name_with_a_line_break_is_refused_and_changes_nothing(client_as, cast, workspace):
    url = f"/w/{workspace.slug}/settings/"
    response = client_as(cast["admin"]).post(url, {**NEW, "name": "Acme\r\nBcc: x@example.com"})
    assert response.status_code == 400
    assert "one line of text" in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.name == "Acme GmbH"


@pytest.mark.django_db
def test_an_invitation_mail_goes_out_even_if_an_old_name_has_a_line_break(
    client_as, cast, workspace, django_capture_on_commit_callbacks
):
    from django.core import mail

    Workspace.objects.filter(pk=workspace.pk).update(name="Acme\r\nGmbH")  # stored before the rule
    with django_capture_on_commit_callbacks(execute=True):
        client_as(cast["admin"]).post(
            f"/w/{workspace.slug}/settings/members/invite/",
            {"email": "new@example.com", "role": "viewer"},
        )
    (sent,) = mail.outbox
    assert "Acme GmbH" in sent.subject
    assert "\n" not in sent.subject


@pytest.mark.django_db
def test_times_on_workspace_pages_read_in_the_workspaces_time_zone(client_as, cast, workspace):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from freezegun import freeze_time

    assert workspace.time_zone == "Europe/Berlin"
    with freeze_time(datetime(2026, 12, 5, 6, 39, tzinfo=ZoneInfo("UTC"))):
        client_as(cast["admin"]).post(f"/w/{workspace.slug}/settings/tokens/", {"name": "BI"})
    page = client_as(cast["admin"]).get(f"/w/{workspace.slug}/settings/audit/").content.decode()
    assert "07:39" in page  # 06:39 UTC is 07:39 in Berlin in December
    assert "06:39" not in page


@pytest.mark.django_db
def test_the_gross_margin_reads_and_is_typed_in_percent_with_a_german_comma(
    client_as, cast, workspace
):
    admin = client_as(cast["admin"])
    workspace.language = "de"
    workspace.save(update_fields=["language"])
    page = admin.get(f"/w/{workspace.slug}/settings/").content.decode()
    assert 'name="gross_margin" value="80"' in page  # 0.800 stored
    response = admin.post(f"/w/{workspace.slug}/settings/", {**NEW, "gross_margin": "72,5"})
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.gross_margin == Decimal("0.725")
    page = admin.get(f"/w/{workspace.slug}/settings/").content.decode()
    assert 'name="gross_margin" value="72,5"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("150", "Bitte geben Sie einen Prozentsatz von 0 bis 100 ein."),
        ("-1", "Bitte geben Sie einen Prozentsatz von 0 bis 100 ein."),
        ("1000", "Bitte geben Sie einen Prozentsatz von 0 bis 100 ein."),
        ("72,55", "Bitte geben Sie höchstens eine Nachkommastelle an, etwa 72,5."),
    ],
)
def test_a_gross_margin_outside_0_to_100_percent_is_refused_on_the_field(
    client_as, cast, workspace, typed, message
):
    admin = client_as(cast["admin"])
    workspace.language = "de"
    workspace.save(update_fields=["language"])
    before = workspace.gross_margin
    response = admin.post(f"/w/{workspace.slug}/settings/", {**NEW, "gross_margin": typed})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["gross_margin"]
    assert message in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.gross_margin == before
