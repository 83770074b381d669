"""Open deals carry the day they are expected to close: imported, in the API and exported
(the pipeline forecast reads it)."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.tenancy import workspace_scope
from kpiapp.exports.records import export_csv_lines, export_queryset
from kpiapp.models import Deal

pytestmark = pytest.mark.django_db
CSV = (
    "external_id,name,stage,amount,created_at,expected_close_at\n"
    "D1,Big one,proposal,12000,2025-01-10,2025-03-20\n"
)


def test_expected_close_is_imported_shown_in_the_api_and_exported(run_import, alice, workspace):
    result = run_import("deals", CSV)
    assert not result.errors, result.errors
    with workspace_scope(workspace.id):
        deal = Deal.objects.get()
        assert deal.expected_close_at == date(2025, 3, 20)
        lines = "".join(export_csv_lines("deals", export_queryset("deals"), language="en"))
    assert "expected_close_at" in lines.splitlines()[0] and "2025-03-20" in lines
    api = APIClient()
    api.force_authenticate(alice)
    answer = api.get(f"/api/v1/workspaces/acme/deals/{deal.pk}/").json()
    assert answer["expected_close_at"] == "2025-03-20"
    changed = api.patch(f"/api/v1/workspaces/acme/deals/{deal.pk}/",
                        {"expected_close_at": "2025-03-31"}, format="json")  # fmt: skip
    assert changed.status_code == 200, changed.json()
    with workspace_scope(workspace.id):
        assert Deal.objects.get().expected_close_at == date(2025, 3, 31)
