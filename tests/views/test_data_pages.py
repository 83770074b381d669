"""The data pages: lists, records, forms and the browser import, by role."""

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Deal, DealStageChange, ImportJob, Subscription
from tests.imports.conftest import dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    # Import tasks are queued on commit, which a test transaction never reaches.
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _import_in_browser(client, workspace, kind, data, on_commit, preset=""):
    from django.core.files.uploadedfile import SimpleUploadedFile

    base = f"/w/{workspace.slug}/data/{kind}/import/"
    response = client.post(base, {"file": SimpleUploadedFile("f.csv", data), "preset": preset})
    assert response.status_code == 302, response.content.decode()[:2000]
    job_url = response["Location"]
    page = client.get(job_url)
    form = page.context["form"]
    mapping = {name: form[name].initial or form.fields[name].initial for name in form.fields}
    mapping = {k: ("" if v is None else v) for k, v in mapping.items()}
    with on_commit():
        checked = client.post(job_url, mapping)
    assert checked.status_code == 302, checked.content.decode()[:3000]
    return job_url


@pytest.mark.slow
def test_maven_imports_in_the_browser_with_its_preset(client_as, erik, workspace, on_commit):
    client = client_as(erik)
    for kind, name in (("accounts", "accounts.csv"), ("deals", "sales_pipeline.csv")):
        job_url = _import_in_browser(
            client,
            workspace,
            kind,
            dataset("maven-crm-sales-opportunities", name),
            on_commit,
            preset="maven-crm",
        )
        page = client.get(job_url).content.decode()
        assert "rows are valid" in page, page[:3000]
        with on_commit():
            client.post(job_url + "start/")
        assert "Imported" in client.get(job_url).content.decode()
    with workspace_scope(workspace.id):
        assert Account.objects.count() == 85
        assert Deal.objects.count() == 8800
        assert ImportJob.objects.filter(status="done").count() == 2


def test_ravenstack_imports_in_the_browser(client_as, erik, workspace, on_commit):
    client = client_as(erik)
    for kind, name in (
        ("accounts", "ravenstack_accounts.csv"),
        ("subscriptions", "ravenstack_subscriptions.csv"),
    ):
        job_url = _import_in_browser(
            client,
            workspace,
            kind,
            dataset("ravenstack-saas", name),
            on_commit,
            preset="ravenstack",
        )
        with on_commit():
            client.post(job_url + "start/")
    with workspace_scope(workspace.id):
        assert Subscription.objects.count() == 5000


def test_a_bad_file_is_checked_and_nothing_is_imported(client_as, erik, workspace, on_commit):
    client = client_as(erik)
    job_url = _import_in_browser(
        client, workspace, "accounts", b"name,employees\nAlpha,10\nBeta,lots\n", on_commit
    )
    page = client.get(job_url).content.decode()
    assert "1 problem found: nothing was imported" in page
    assert "lots" in page
    response = client.post(job_url + "start/", follow=True)
    assert "Only a file checked without errors" in response.content.decode()
    with workspace_scope(workspace.id):
        assert Account.objects.count() == 0


def test_an_unreadable_upload_is_refused_on_the_form(client_as, erik, workspace):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_as(erik).post(
        f"/w/{workspace.slug}/data/accounts/import/",
        {"file": SimpleUploadedFile("f.csv", "name\nMüller\n".encode("latin-1"))},
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    with workspace_scope(workspace.id):
        assert ImportJob.objects.count() == 0


def test_lists_search_filter_sort_and_page(client_as, vera, workspace, run_import, scoped):
    rows = "\n".join(
        f"D{i:03d},{'won' if i % 2 else 'lost'},2025-01-{1 + i % 28:02d},{i}" for i in range(120)
    )
    assert run_import("deals", "external_id,stage,created_at,amount\n" + rows).ok
    client = client_as(vera)
    page = client.get(f"/w/{workspace.slug}/data/deals/?stage=won&sort=-amount_cents")
    listing = page.context["listing"]
    assert listing.total == 60
    assert [d.external_id for d in listing.page.object_list[:2]] == ["D119", "D117"]
    assert listing.page.paginator.num_pages == 2
    found = client.get(f"/w/{workspace.slug}/data/deals/?q=D00").context["listing"]
    assert found.total == 10
    ignored = client.get(f"/w/{workspace.slug}/data/deals/?sort=password&stage=nope")
    assert ignored.context["listing"].total == 120


def test_editors_create_edit_and_delete_and_stage_changes_are_recorded(
    client_as, erik, vera, workspace, scoped
):
    client = client_as(erik)
    base = f"/w/{workspace.slug}/data/deals/"
    data = {
        "external_id": "D1",
        "stage": "demo",
        "kind": "new",
        "currency": "EUR",
        "created_at": "2025-03-01",
        "amount": "12000.50",
    }
    response = client.post(base + "new/", data)
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert deal.amount_cents == 1_200_050
    assert client.post(base + "new/", data).status_code == 400  # the same external id
    response = client.post(
        f"{base}{deal.pk}/edit/", {**data, "stage": "won", "closed_at": "2025-04-01"}
    )
    assert response.status_code == 302
    change = DealStageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.changed_by) == ("demo", "won", erik)
    assert client_as(vera).post(f"{base}{deal.pk}/delete/").status_code == 403
    assert client.post(f"{base}{deal.pk}/delete/").status_code == 302
    assert Deal.objects.count() == 0


def test_a_record_in_use_cannot_be_deleted(client_as, erik, workspace, run_import, scoped):
    run_import("accounts", "external_id,name\nA1,Alpha\n")
    run_import("deals", "external_id,stage,created_at,account\nD1,won,2025-01-01,A1\n")
    account = Account.objects.get()
    response = client_as(erik).post(
        f"/w/{workspace.slug}/data/accounts/{account.pk}/delete/", follow=True
    )
    assert "still used by other records" in response.content.decode()
    assert Account.objects.count() == 1


def test_a_form_refuses_another_workspaces_records(
    client_as, erik, workspace, other_workspace, run_import
):
    from kpiapp.services.imports import data_import

    data_import(workspace=other_workspace, kind="accounts", data=b"external_id,name\nX1,Theirs\n")
    with workspace_scope(other_workspace.id):
        foreign = Account.objects.get()
    response = client_as(erik).post(
        f"/w/{workspace.slug}/data/deals/new/",
        {
            "external_id": "D1",
            "stage": "won",
            "kind": "new",
            "currency": "EUR",
            "created_at": "2025-01-01",
            "account": foreign.pk,
        },
    )
    assert response.status_code == 400
    with workspace_scope(workspace.id):
        assert Deal.objects.count() == 0
    assert (
        client_as(erik).get(f"/w/{workspace.slug}/data/accounts/{foreign.pk}/").status_code == 404
    )


def test_an_accounts_page_tells_its_story(client_as, vera, workspace, run_import, scoped):
    run_import("accounts", "external_id,name\nA1,Alpha\n")
    run_import(
        "subscriptions",
        "external_id,account,amount,interval,started_at,quantity\nS1,A1,1200,year,2025-01-15,2\n",
    )
    account = Account.objects.get()
    page = client_as(vera).get(f"/w/{workspace.slug}/data/accounts/{account.pk}/")
    assert page.status_code == 200
    timeline = page.context["story"]["mrr_timeline"]
    assert timeline[0].mrr_cents == 20_000  # 1,200 × 2 / 12 months
    assert "mrr-chart-data" in page.content.decode()


def test_an_upload_over_20_mb_is_refused_on_the_form(client_as, erik, workspace):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = b"name\n" + b"x" * (20 * 1024 * 1024 + 1)
    response = client_as(erik).post(
        f"/w/{workspace.slug}/data/accounts/import/", {"file": SimpleUploadedFile("big.csv", big)}
    )
    assert response.status_code == 400
    assert "at most 20 MB" in response.content.decode()
    with workspace_scope(workspace.id):
        assert ImportJob.objects.count() == 0


def test_viewers_see_data_but_cannot_import_or_edit(client_as, vera, workspace):
    client = client_as(vera)
    page = client.get(f"/w/{workspace.slug}/data/deals/").content.decode()
    assert "/import/" not in page
    assert client.get(f"/w/{workspace.slug}/data/deals/import/").status_code == 403
    assert client.get(f"/w/{workspace.slug}/data/deals/new/").status_code == 403
