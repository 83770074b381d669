"""The annotation services: editors only, a change that changes nothing is not audited, a
custom KPI's key is accepted, and the audit log words each event without keys or codes."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.formats import date_format

import pytest

from accounts.models import AuditEvent
from accounts.tenancy import workspace_scope
from kpiapp.models import Annotation
from kpiapp.selectors.audit_text import AuditPresenter
from kpiapp.services.annotations import annotation_create, annotation_update
from kpiapp.services.custom_kpis import custom_kpi_create, custom_kpi_delete
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db


def test_a_viewer_cannot_add_an_annotation(vera, workspace):
    with workspace_scope(workspace.id), pytest.raises(PermissionDenied):
        annotation_create(membership=membership_of(vera, workspace), day=date(2025, 1, 1),
                          text="Nein")  # fmt: skip
    with workspace_scope(workspace.id):
        assert not Annotation.objects.exists()


def test_saving_an_unchanged_annotation_writes_no_audit_event(erik, workspace):
    member = membership_of(erik, workspace)
    with workspace_scope(workspace.id):
        note = annotation_create(membership=member, day=date(2025, 1, 1), text="  Start \n ")
        assert note.text == "Start"  # one line: it is a label on a chart
        annotation_update(membership=member, annotation=note, day=note.day, text="Start",
                          kpi_key="")  # fmt: skip
        assert AuditEvent.objects.filter(action__startswith="annotation").count() == 1


def test_an_annotation_may_belong_to_an_own_kpi(erik, alice, workspace):
    with workspace_scope(workspace.id):
        kpi = custom_kpi_create(membership=membership_of(alice, workspace), name="Demos",
                                unit="number", direction="up", aggregation="sum")  # fmt: skip
        note = annotation_create(membership=membership_of(erik, workspace),
                                 day=date(2025, 2, 1), text="Messe", kpi_key=kpi.key)  # fmt: skip
        assert note.kpi_key == kpi.key


def test_the_audit_log_words_the_annotation_with_its_date_and_kpi(erik, workspace):
    member = membership_of(erik, workspace)
    day = date(2025, 3, 14)
    with workspace_scope(workspace.id):
        note = annotation_create(membership=member, day=day, text="Preisliste", kpi_key="mrr")
        annotation_update(membership=member, annotation=note, day=day, text="Preise",
                          kpi_key="mrr")  # fmt: skip
        events = list(AuditEvent.objects.order_by("id"))
        with translation.override("de"):
            presenter = AuditPresenter(workspace)
            added, changed = (presenter.present(e) for e in events)
            shown_day = date_format(day, "DATE_FORMAT")
            assert added.subject == f"{shown_day}: Preisliste"
            assert added.details == ["Kennzahl: MRR"]
            assert changed.details == ["Kennzahl: MRR", "vorher: Preisliste"]
            assert "annotation" not in added.text and "mrr" not in added.text


def test_an_annotation_of_a_deleted_own_kpi_can_still_be_changed(erik, alice, workspace):
    owner, editor = membership_of(alice, workspace), membership_of(erik, workspace)
    with workspace_scope(workspace.id):
        kpi = custom_kpi_create(membership=owner, name="Demos", unit="number", direction="up",
                                aggregation="sum")  # fmt: skip
        note = annotation_create(membership=editor, day=date(2025, 2, 1), text="Messe",
                                 kpi_key=kpi.key)  # fmt: skip
        key = kpi.key
        custom_kpi_delete(membership=owner, kpi=kpi)
        annotation_update(membership=editor, annotation=note, day=note.day, text="Messe Köln",
                          kpi_key=key)  # fmt: skip
        note.refresh_from_db()
        assert (note.text, note.kpi_key) == ("Messe Köln", key)
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            annotation_create(membership=editor, day=date(2025, 2, 1), text="x", kpi_key=key)
        assert refused.value.message_dict == {"kpi_key": ["There is no such KPI."]}  # none anew
