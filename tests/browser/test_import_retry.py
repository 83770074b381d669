"""A real browser: an import whose worker died is shown as failed with its message, and the
person tries it again, checks it and imports it (issue 15, item 13)."""

from datetime import timedelta

from django.utils import timezone

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import Account, ImportJob, ImportStatus
from kpiapp.services import imports as service
from kpiapp.services.import_sweeper import stale_imports_fail
from tests.browser.helpers import sign_in
from tests.conftest import make_user, make_workspace, membership_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = b"external_id,name\nA1,Alpha GmbH\nA2,Beta AG\n"
TEXT = {
    "en": {
        "retry": "Try again",
        "stalled": "stopped responding",
        "import": "Import now",
        "done": "Imported",
        "valid": "All 2 rows are valid",
    },
    "de": {
        "retry": "Erneut versuchen",
        "stalled": "reagiert nicht mehr",
        "import": "Jetzt importieren",
        "done": "Importiert",
        "valid": "Alle 2 Zeilen",
    },
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_failed_import_is_tried_again_and_imported(live_server, page, language):
    from django.utils import translation

    user = make_user("erika@example.com", "Erika Editor")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    with workspace_scope(workspace.id), translation.override(language):
        job = service.import_job_create(
            membership=membership_of(user, workspace), kind="accounts", filename="k.csv", data=CSV
        )
        service.import_job_set_mapping(job=job, columns=job.columns, values={})
        # Started, and its worker died: no heartbeat since long ago; the sweeper fails it.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.IMPORTING, heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        assert stale_imports_fail() == 1
    errors = sign_in(page, live_server.url, "erika@example.com", lands_on="/w/acme/")
    text = TEXT[language]

    page.goto(f"{live_server.url}/w/acme/data/accounts/import/{job.pk}/")
    assert text["stalled"] in page.locator("[role=status]").inner_text()
    page.click(f"button:has-text('{text['retry']}')")
    page.locator(f"button:has-text('{text['import']}')").wait_for()
    assert text["valid"] in page.locator("[role=status]").inner_text()
    page.click(f"button:has-text('{text['import']}')")
    page.locator(f"h2:has-text('{text['done']}')").wait_for()
    with workspace_scope(workspace.id):
        assert Account.objects.count() == 2
    assert errors == []
