"""Importing a CSV file into a workspace: the one entry point for command, pages and API."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership, User, Workspace
from accounts.tenancy import workspace_scope
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.imports.engine import ImportResult, Progress, import_csv
from kpiapp.imports.mapping import IGNORE, Mapping, suggest
from kpiapp.imports.presets import PRESETS, preset_for
from kpiapp.imports.reading import read_table
from kpiapp.models import ImportJob, ImportStatus
from kpiapp.ops import counters
from kpiapp.services.snapshots import recompute_request

log = logging.getLogger(__name__)


class ImportRequestError(ValueError):
    """The import was asked for wrongly (unknown kind or preset); nothing was read."""


def mapping_for(*, kind: str, preset: str | None, explicit: Mapping) -> Mapping:
    if kind not in DATA_KINDS:
        raise ImportRequestError(f"Unknown kind '{kind}'. Kinds: {', '.join(DATA_KINDS)}.")
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
    spec = DATA_KINDS[kind].csv
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
    job.save(update_fields=["columns", "values"])
    _queue(job, ImportStatus.CHECKING)
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob, actor: User | None = None) -> ImportJob:
    if job.status != ImportStatus.CHECKED or job.result.get("errors"):
        raise ImportRequestError(_("Only a file checked without errors can be imported."))
    _queue(job, ImportStatus.IMPORTING)
    _audit(job, AuditAction.IMPORT_STARTED, actor or job.created_by)
    return job


@transaction.atomic
def import_job_retry(*, job: ImportJob) -> ImportJob:
    """Check a failed job's file again (the data may have changed since); an import follows
    with `import_job_start` once the check finds no errors."""
    if job.status != ImportStatus.FAILED:
        raise ImportRequestError(_("Only a failed import can be tried again."))
    _queue(job, ImportStatus.CHECKING)
    return job


def _queue(job: ImportJob, status: str) -> None:
    job.status = status
    job.result = {} if status == ImportStatus.CHECKING else job.result
    job.heartbeat_at = timezone.now()
    job.attempts = 0
    job.finished_at = None
    job.save(update_fields=["status", "result", "heartbeat_at", "attempts", "finished_at"])
    _enqueue(job, check_only=status == ImportStatus.CHECKING)


def _enqueue(job: ImportJob, *, check_only: bool) -> None:
    from kpiapp.tasks import run_import

    cache.set(_progress_key(job.id), {"phase": "queued", "done": 0, "total": 0}, 3600)

    def send() -> None:
        # After commit: a broker that cannot be reached (or, with eager tasks, an error in the
        # task itself) fails the job visibly instead of answering 500 and leaving it running.
        try:
            run_import.delay(job.workspace_id, job.id, check_only)
        except Exception:
            log.exception("import %s could not be queued", job.id)
            with workspace_scope(job.workspace_id):
                import_job_fail(job_id=job.id, message=str(QUEUE_FAILED))

    transaction.on_commit(send)


MAX_ERRORS_KEPT = 500
MAX_ATTEMPTS = 3

QUEUE_FAILED = _lazy(
    "The import could not be started because the background service is not reachable. "
    "Nothing was imported; try again in a few minutes."
)
CRASHED = _lazy(
    "The import stopped because of an unexpected error. Nothing was imported; try again, and "
    "tell us if it happens again."
)
INTERRUPTED = _lazy(
    "The import was interrupted %(attempts)s times (the background service stopped while it "
    "ran). Nothing was imported; try again, or split the file into smaller parts."
)


def import_job_fail(*, job_id: int, message: str, statuses: tuple[str, ...] = ()) -> bool:
    """Mark a running job failed with `message` as its one error; only from `statuses`
    (default: checking or importing). Nothing was written: an import is all or nothing."""
    running = statuses or (ImportStatus.CHECKING, ImportStatus.IMPORTING)
    failed = ImportJob.objects.filter(pk=job_id, status__in=running).update(
        status=ImportStatus.FAILED,
        finished_at=timezone.now(),
        result={
            "rows": 0,
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "error_count": 1,
            "errors": [{"line": 0, "column": "", "value": "", "message": message}],
        },
    )
    cache.delete(_progress_key(job_id))
    return bool(failed)


def _claim(job_id: int, expected: str) -> ImportJob | None:
    """Take up a queued job: counts the attempt and beats the heart. None if the job is no
    longer waiting for this task (a duplicate delivery)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=expected).update(
        heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)
    if job.attempts > MAX_ATTEMPTS:  # redelivered after each of several worker deaths
        import_job_fail(job_id=job_id, message=str(INTERRUPTED) % {"attempts": MAX_ATTEMPTS})
        return None
    return job


def import_job_run(*, job_id: int, check_only: bool) -> None:
    """Check or import a job's file (inside its workspace scope). A duplicate delivery of the
    task does nothing; an unexpected error fails the job with a message (all or nothing: no
    row was written) instead of leaving it running. The messages are stored in the language
    of the person who uploaded the file (a worker has no request to take it from)."""
    with translation.override(import_job_language(job_id)):
        _run_job(job_id, check_only)


def import_job_language(job_id: int) -> str | None:
    """The language a job's messages are stored in: its uploader's, else the workspace's."""
    codes = (
        ImportJob.objects.filter(pk=job_id)
        .values_list("created_by__language", "workspace__language")
        .first()
    )
    return next((code for code in codes or () if code), None)


def _run_job(job_id: int, check_only: bool) -> None:
    expected = ImportStatus.CHECKING if check_only else ImportStatus.IMPORTING
    job = _claim(job_id, expected)
    if job is None:
        return
    started = time.perf_counter()
    try:
        result = import_csv(
            workspace=job.workspace,
            kind=job.kind,
            data=bytes(job.data),
            mapping=job_mapping(job),
            user=job.created_by,
            dry_run=check_only,
            progress=_progress_reporter(job.id),
        )
    except Exception:
        log.exception("import %s failed", job.id)
        import_job_fail(job_id=job.id, message=str(CRASHED), statuses=(expected,))
        return
    job.result = {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "error_count": len(result.errors),
        "errors": [asdict(e) for e in result.errors[:MAX_ERRORS_KEPT]],
        "notes": result.notes,
    }
    if not result.ok:
        job.status = ImportStatus.CHECKED if check_only else ImportStatus.FAILED
    else:
        job.status = ImportStatus.CHECKED if check_only else ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "status", "finished_at"])
    if not check_only and result.ok:
        import_observed(rows=result.rows, seconds=time.perf_counter() - started)
    if not check_only:
        _audit(job, _OUTCOMES[job.status], job.created_by, **_counts(job))
    _recompute_if_changed(result)
    cache.delete(_progress_key(job.id))


def import_observed(*, rows: int, seconds: float) -> None:
    """For /metrics: rows written and time taken, summed over imports, and the latest rate."""
    counters.count("import_rows", rows)
    counters.count("import_ms", int(seconds * 1000))
    counters.record("import_rows_per_second", round(rows / max(seconds, 1e-6), 1))


def _progress_reporter(job_id: int) -> Progress:
    """Progress for the page, in the cache; it is also the heartbeat the sweeper reads (the
    database row cannot carry it: the import writes inside one long transaction)."""

    def progress(phase: str, done: int, total: int) -> None:
        cache.set(
            _progress_key(job_id),
            {"phase": phase, "done": min(done, total), "total": total, "at": time.time()},
            3600,
        )

    return progress


def import_heartbeat(job: ImportJob) -> float | None:
    """The job's last sign of life (a Unix time), from its row or its progress."""
    beats = [job.heartbeat_at.timestamp()] if job.heartbeat_at else []
    at = import_progress(job.pk).get("at")
    if isinstance(at, int | float):
        beats.append(float(at))
    return max(beats, default=None)


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
        details=detail,
    )
