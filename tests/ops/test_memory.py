"""The allocator of the processes that recompute (kpiapp/ops/memory.py): freed arrays of a few
MB stay in the process, so the next ones do not page-fault their memory in again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from celery.signals import worker_init, worker_process_init

from kpiapp.ops import memory

ROOT = Path(__file__).resolve().parents[2]

# Ten rounds of six arrays of about 13 MB each (the size of an accounts × periods array of the
# bench workspace), kept alive together and freed together, as a recompute's steps do.
ROUNDS = """
import resource, sys
import numpy as np
if sys.argv[1] == "tuned":
    from kpiapp.ops.memory import keep_freed_memory
    assert keep_freed_memory()
def round_of_arrays():
    arrays = [np.ones(13 * 2**20 // 8 + i * 1000) for i in range(6)]
    return sum(a[-1] for a in arrays)
round_of_arrays()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    round_of_arrays()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", ROUNDS, mode],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1])


def test_freed_arrays_are_reused_without_page_faults():
    # Untuned, glibc maps some of the arrays anew each round: 31,000 faults on this machine.
    assert _page_faults("default") > 10_000
    assert _page_faults("tuned") < 1_000


def test_a_worker_tunes_its_main_process_and_each_pool_child(monkeypatch):
    for signal in (worker_init, worker_process_init):  # connected by kpiapp/celery.py
        assert memory.tune_worker in [receiver for _key, receiver in signal.receivers]
    monkeypatch.setattr(memory, "_tuned", False)
    memory.tune_worker(sender=None)
    assert memory._tuned is True
