"""The C allocator of the processes that recompute, tuned for the engine's large arrays.

A recompute allocates and frees numpy arrays of a few MB (accounts × periods) dozens of times.
By default glibc serves blocks that large with mmap and returns freed memory to the system, so
each new array page-faults its memory in again. Serving blocks up to 32 MB (glibc's ceiling)
from the heap, and keeping up to 256 MB of freed heap in the process, spares those faults
(the figures are in the README, beside `bench/recompute.py`). The price: a worker keeps up to
256 MB it no longer uses, which its next recompute needs anyway.

Applied where recomputes run: Celery workers (`kpiapp/celery.py`), the embedded default's
recompute thread (`services/recompute_thread.py`), `recompute_kpis` and the benchmark. No
Django imports (the Celery app connects it before Django is set up). A no-op on a C library
without `mallopt` (macOS, musl)."""

from __future__ import annotations

import ctypes
import logging

from celery.signals import worker_init, worker_process_init

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # the largest glibc accepts on 64-bit machines
TRIM_THRESHOLD = 256 * 1024 * 1024

_tuned = False


def keep_freed_memory() -> bool:
    """Tune this process's allocator (once); whether it is tuned."""
    global _tuned
    if _tuned:
        return True
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    if not _tuned:
        log.warning("mallopt refused the engine's allocator settings")
    return _tuned


def tune_worker(**kwargs: object) -> None:
    keep_freed_memory()


def worker_memory_connect() -> None:
    """Workers: the main process (solo and threads pools run tasks there) and each prefork
    child."""
    worker_init.connect(tune_worker, weak=False)
    worker_process_init.connect(tune_worker, weak=False)
