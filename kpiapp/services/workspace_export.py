"""An owner exports the whole workspace (DSGVO Art. 20): every record kind as CSV in the
columns the importer reads (`exports.records`, so the files import back), plus the workspace's
own KPIs and targets, and a manifest, in one ZIP file written by a background job."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership
from accounts.roles import Role
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.exports.csv_dialect import csv_lines, neutralise
from kpiapp.exports.records import export_csv_lines, export_queryset
from kpiapp.models import (
    Annotation,
    CustomKpi,
    Dashboard,
    ExportStatus,
    LeadScoringRule,
    Segment,
    Target,
    WorkspaceExport,
)

# Not import kinds, but the workspace's own data.
EXTRA_FILES = (
    "custom_kpis",
    "targets",
    "lead_scoring_rules",
    "dashboards",
    "annotations",
    "segments",
)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class _File:
    name: str
    lines: Iterator[str]


def workspace_export_request(*, membership: Membership) -> WorkspaceExport:
    """Queue an export of the workspace (owners only); a running one is returned instead of
    starting a second."""
    if not membership.has_role(Role.OWNER):
        raise PermissionDenied("Only owners export the whole workspace.")
    with transaction.atomic():
        running = WorkspaceExport.objects.filter(
            status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING)
        ).first()
        if running is not None:
            return running
        export = WorkspaceExport.objects.create(
            requested_by=membership.user, total=len(DATA_KINDS) + len(EXTRA_FILES)
        )
        audit_record(
            workspace=membership.workspace,
            actor=membership.user,
            action=AuditAction.WORKSPACE_EXPORTED,
            subject=f"#{export.pk}",
        )
        transaction.on_commit(lambda: _enqueue(export))
    return export


def _enqueue(export: WorkspaceExport) -> None:
    from kpiapp.tasks import export_workspace

    export_workspace.delay(export.workspace_id, export.pk)


def workspace_export_run(*, export_id: int) -> None:
    """Write the ZIP file (inside the workspace's scope). Claims the export first, so a
    duplicate delivery does nothing; a failure marks it failed and can be started again."""
    claimed = WorkspaceExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING
    )
    if claimed != 1:
        return
    export = WorkspaceExport.objects.select_related("workspace").get(pk=export_id)
    try:
        data, manifest = _write_zip(export)
    except Exception:
        WorkspaceExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, finished_at=timezone.now()
        )
        raise
    WorkspaceExport.objects.filter(pk=export_id).update(
        status=ExportStatus.DONE,
        data=data,
        size=len(data),
        manifest=manifest,
        done=export.total,
        finished_at=timezone.now(),
    )


def _write_zip(export: WorkspaceExport) -> tuple[bytes, dict]:
    workspace = export.workspace
    language = workspace.language
    counts: dict[str, int] = {}
    # Spooled: a large workspace's file goes to disk while it is written, not into memory.
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for done, file in enumerate(_files(language), start=1):
                counted = _Counter(file.lines)
                with archive.open(f"{file.name}.csv", "w") as member:
                    for line in counted:
                        member.write(line.encode("utf-8"))
                counts[file.name] = counted.rows
                WorkspaceExport.objects.filter(pk=export.pk).update(done=done)
            manifest = _manifest(export, counts, language)
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        buffer.seek(0)
        return buffer.read(), manifest


class _Counter:
    """Passes CSV lines through and counts the data rows (lines after the header)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = lines
        self.rows = 0

    def __iter__(self) -> Iterator[str]:
        header_seen = False
        for line in self._lines:
            if line == "\ufeff":  # the German files' byte order mark
                yield line
                continue
            if header_seen:
                self.rows += 1
            header_seen = True
            yield line


def _files(language: str) -> Iterator[_File]:
    for kind in DATA_KINDS:
        records = export_queryset(kind).iterator(chunk_size=2000)
        yield _File(kind, export_csv_lines(kind, records, language=language))
    yield _File("custom_kpis", csv_lines(_custom_kpi_rows(), language=language))
    yield _File("targets", csv_lines(_target_rows(language), language=language))
    yield _File("lead_scoring_rules", csv_lines(_scoring_rule_rows(), language=language))
    yield _File("dashboards", csv_lines(_dashboard_rows(), language=language))
    yield _File("annotations", csv_lines(_annotation_rows(), language=language))
    yield _File("segments", csv_lines(_segment_rows(), language=language))


def _custom_kpi_rows() -> Iterator[list[str]]:
    yield ["key", "name", "unit", "direction", "aggregation"]
    for kpi in CustomKpi.objects.order_by("key"):
        yield [kpi.key, neutralise(kpi.name), kpi.unit, kpi.direction, kpi.aggregation]


def _scoring_rule_rows() -> Iterator[list[str]]:
    yield ["kind", "label", "points", "value", "minimum", "maximum"]
    for rule in LeadScoringRule.objects.order_by("kind", "id"):
        low, high = rule.minimum, rule.maximum
        yield [rule.kind, neutralise(rule.label), str(rule.points), neutralise(rule.value),
               "" if low is None else str(low), "" if high is None else str(high)]  # fmt: skip


def _dashboard_rows() -> Iterator[list[str]]:
    """One row per dashboard: its tiles' KPI keys in order, separated by spaces."""
    yield ["name", "default", "kpis"]
    for dashboard in Dashboard.objects.order_by("id"):
        kpis = " ".join(str(k) for k in dashboard.kpis or [])
        yield [neutralise(dashboard.name), "1" if dashboard.is_default else "0", kpis]


def _annotation_rows() -> Iterator[list[str]]:
    """One row per annotation; an empty KPI means the whole workspace."""
    yield ["date", "kpi", "text"]
    for note in Annotation.objects.order_by("day", "id"):
        yield [note.day.isoformat(), note.kpi_key, neutralise(note.text)]


def _segment_rows() -> Iterator[list[str]]:
    """One row per saved segment: its conditions as the address carries them."""
    yield ["name", "conditions"]
    for segment in Segment.objects.order_by("id"):
        yield [neutralise(segment.name), neutralise(segment.text)]


def _target_rows(language: str) -> Iterator[list[str]]:
    comma = language.startswith("de")
    yield ["kpi", "quarter", "dimension", "dimension_value", "value", "note"]
    for target in Target.objects.order_by("quarter_start", "kpi_key", "dimension_value"):
        start = target.quarter_start
        value = format(target.value.normalize(), "f")
        yield [
            target.kpi_key,
            f"{start.year}-Q{(start.month - 1) // 3 + 1}",
            target.dimension,
            neutralise(target.dimension_value),
            value.replace(".", ",") if comma else value,
            neutralise(target.note),
        ]


def _manifest(export: WorkspaceExport, counts: dict[str, int], language: str) -> dict:
    workspace = export.workspace
    german = language.startswith("de")
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "workspace": {
            "name": workspace.name,
            "slug": workspace.slug,
            "currency": workspace.currency,
            "time_zone": workspace.time_zone,
            "language": workspace.language,
        },
        "requested_by": export.requested_by.email if export.requested_by else None,
        "kinds": {name: {"file": f"{name}.csv", "rows": rows} for name, rows in counts.items()},
        "format": {
            "encoding": "UTF-8" + (" with BOM" if german else ""),
            "delimiter": ";" if german else ",",
            "decimal_separator": "," if german else ".",
            "dates": "YYYY-MM-DD; months YYYY-MM",
            "money": f"major units of the record's currency (workspace: {workspace.currency})",
            "notes": "The files of the import kinds have the columns the CSV import reads, "
            "so they import back unchanged. KPI values are computed from these records and "
            "are not exported.",
        },
    }


def workspace_export_download(*, membership: Membership, export: WorkspaceExport) -> bytes:
    """The ZIP file of a finished export (owners only); audited."""
    if not membership.has_role(Role.OWNER):
        raise PermissionDenied("Only owners download workspace exports.")
    if export.status != ExportStatus.DONE:
        raise ValueError(_("This export is not ready."))
    action = AuditAction.WORKSPACE_EXPORT_DOWNLOADED
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=action,
        subject=f"#{export.pk}",
    )
    return bytes(export.data)


def export_progress_text(export: WorkspaceExport) -> str:
    """What the progress bar means, in words: "8 of 12 files written"."""
    if export.status == ExportStatus.DONE:
        return ngettext(
            "Ready: %(total)s file in the ZIP.", "Ready: %(total)s files in the ZIP.", export.total
        ) % {"total": export.total}
    if not export.total:
        return str(export.get_status_display())
    return ngettext(
        "%(done)s of %(total)s file written…", "%(done)s of %(total)s files written…", export.total
    ) % {"done": export.done, "total": export.total}


def export_status(export: WorkspaceExport) -> dict[str, object]:
    return {
        "id": export.pk,
        "status": export.status,
        "label": str(export.get_status_display()),
        "text": export_progress_text(export),
        "done": export.done,
        "total": export.total,
        "size": export.size,
    }
