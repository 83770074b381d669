"""Importing a CSV file into a workspace: the one entry point for command, pages and API."""

from __future__ import annotations

from dataclasses import asdict

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership, User, Workspace
from accounts.tenancy import workspace_scope
from kpiapp.imports.engine import ImportResult, Progress, import_csv
from kpiapp.imports.kinds import KINDS
from kpiapp.imports.mapping import IGNORE, Mapping, suggest
from kpiapp.imports.presets import PRESETS, preset_for
from kpiapp.imports.reading import read_table
from kpiapp.models import ImportJob, ImportStatus
from kpiapp.services.snapshots import recompute_request


class ImportRequestError(ValueError):
    """The import was asked for wrongly (unknown kind or preset); nothing was read."""


def mapping_for(*, kind: str, preset: str | None, explicit: Mapping) -> Mapping:
    if kind not in KINDS:
        raise ImportRequestError(f"Unknown kind '{kind}'. Kinds: {', '.join(KINDS)}.")
    if not preset:
        return explicit
    try:
        return preset_for(preset, kind).merged(explicit)
    except KeyError:
        raise ImportRequestError(
            f"Unknown preset '{preset}'. Presets: {', '.join(PRESETS)}."
        ) from None
    except LookupError:
        raise ImportRequestError(
            f"The preset '{preset}' has no mapping for {kind}; it knows "
            f"{', '.join(PRESETS[preset])}."
        ) from None


def data_import(
    *,
    workspace: Workspace,
    kind: str,
    data: bytes,
    preset: str | None = None,
    mapping: Mapping | None = None,
    user: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate and import a file: all rows or none (see `kpiapp.imports.engine`)."""
    full = mapping_for(kind=kind, preset=preset, explicit=mapping or Mapping())
    with workspace_scope(workspace.id):
        result = import_csv(
            workspace=workspace,
            kind=kind,
            data=data,
            mapping=full,
            user=user,
            dry_run=dry_run,
            progress=progress,
        )
        _recompute_if_changed(result)
    return result


def _recompute_if_changed(result: ImportResult) -> None:
    if result.ok and not result.dry_run and (result.created or result.updated):
        recompute_request(kinds={result.kind})


# --- imports in the browser, as jobs ------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def import_progress(job_id: int) -> dict[str, object]:
    return cache.get(_progress_key(job_id)) or {}


def import_job_create(
    *, membership: Membership, kind: str, filename: str, data: bytes, preset: str = ""
) -> ImportJob:
    """Keep an uploaded file and propose a mapping for it. A file that cannot be read at all
    (encoding, size, no header) raises ImportFileError and nothing is kept."""
    table = read_table(data)
    base = mapping_for(kind=kind, preset=preset or None, explicit=Mapping())
    spec = KINDS[kind]
    columns = {}
    for column in table.header:
        target = base.columns.get(column) or suggest(column, spec)
        columns[column] = target or (IGNORE if base.ignore_unknown else "")
    return ImportJob.objects.create(
        kind=kind,
        filename=filename[:255],
        data=data,
        header=table.header,
        sample=[cells for _line, cells in table.rows[:3]],
        preset=preset,
        columns=columns,
        values=base.values,
        created_by=membership.user,
    )


def job_mapping(job: ImportJob) -> Mapping:
    base = mapping_for(kind=job.kind, preset=job.preset or None, explicit=Mapping())
    return Mapping(
        columns={c: t for c, t in job.columns.items() if t},
        values=job.values,
        ignore_unknown=False,
        defaults=base.defaults,
    )


@transaction.atomic
def import_job_set_mapping(
    *, job: ImportJob, columns: dict[str, str], values: dict[str, dict[str, str]]
) -> ImportJob:
    """Store the user's mapping and queue a check (a dry run) of the whole file."""
    job.columns = columns
    job.values = values
    job.status = ImportStatus.CHECKING
    job.result = {}
    job.save(update_fields=["columns", "values", "status", "result"])
    _enqueue(job, check_only=True)
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob, actor: User | None = None) -> ImportJob:
    if job.status != ImportStatus.CHECKED or job.result.get("errors"):
        raise ImportRequestError("Only a file checked without errors can be imported.")
    job.status = ImportStatus.IMPORTING
    job.save(update_fields=["status"])
    _audit(job, AuditAction.IMPORT_STARTED, actor or job.created_by)
    _enqueue(job, check_only=False)
    return job


def _enqueue(job: ImportJob, *, check_only: bool) -> None:
    from kpiapp.tasks import run_import

    cache.set(_progress_key(job.id), {"phase": "queued", "done": 0, "total": 0}, 3600)
    transaction.on_commit(lambda: run_import.delay(job.workspace_id, job.id, check_only))


MAX_ERRORS_KEPT = 500


def import_job_run(*, job_id: int, check_only: bool) -> None:
    """Check or import a job's file (inside its workspace scope). Claims the job first, so a
    duplicate delivery of the task does nothing."""
    expected = ImportStatus.CHECKING if check_only else ImportStatus.IMPORTING
    job = ImportJob.objects.filter(pk=job_id, status=expected).first()
    if job is None:
        return

    def progress(phase: str, done: int, total: int) -> None:
        cache.set(
            _progress_key(job.id), {"phase": phase, "done": min(done, total), "total": total}, 3600
        )

    result = import_csv(
        workspace=job.workspace,
        kind=job.kind,
        data=bytes(job.data),
        mapping=job_mapping(job),
        user=job.created_by,
        dry_run=check_only,
        progress=progress,
    )
    job.result = {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "error_count": len(result.errors),
        "errors": [asdict(e) for e in result.errors[:MAX_ERRORS_KEPT]],
    }
    if not result.ok:
        job.status = ImportStatus.CHECKED if check_only else ImportStatus.FAILED
    else:
        job.status = ImportStatus.CHECKED if check_only else ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "status", "finished_at"])
    if not check_only:
        _audit(job, _OUTCOMES[job.status], job.created_by, **_counts(job))
    _recompute_if_changed(result)
    cache.delete(_progress_key(job.id))


# --- the audit trail of imports -----------------------------------------------------------

_OUTCOMES = {
    ImportStatus.DONE: AuditAction.IMPORT_FINISHED,
    ImportStatus.FAILED: AuditAction.IMPORT_FAILED,
}


def _counts(job: ImportJob) -> dict[str, object]:
    return {k: job.result.get(k) for k in ("rows", "created", "updated", "error_count")}


def _audit(job: ImportJob, action: str, actor: User | None, **detail: object) -> None:
    audit_record(
        workspace=job.workspace,
        actor=actor,
        action=action,
        subject=job.filename,
        kind=job.kind,
        **detail,
    )
