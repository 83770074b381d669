"""Reads that run beside the engine's compute, so that PostgreSQL works on them while Python
computes (the machine has more than one core; PostgreSQL is its own process).

A read started here runs on a thread of its own, with its own database connection (closed
when the read ends) and the caller's workspace scope. It is only used on PostgreSQL outside a
transaction: inside one (a test's, or a caller's atomic block) a second connection would not
see the caller's uncommitted rows, so there the read simply runs when it is asked for.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from django.db import connection, connections

T = TypeVar("T")


def enabled() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class Later(Generic[T]):
    """A read's result: read aside once begun (`Reads.begin`), else in line when first asked."""

    def __init__(self, read: Callable[[], T]) -> None:
        self.read = read
        self.future: Future[T] | None = None

    def get(self) -> T:
        if self.future is None:
            self.future = Future()
            self.future.set_result(self.read())
        return self.future.result()


def _on_own_connection(read: Callable[[], T]) -> T:
    try:
        return read()
    finally:
        connections.close_all()  # this thread's connections only


class Reads:
    """Plans reads (`later`) and begins the wanted ones aside, in order (`begin`); use as a
    context manager so its threads end with the compute."""

    def __init__(self) -> None:
        self._pool = (
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="kpi-read") if enabled() else None
        )

    def later(self, read: Callable[..., T], *args: Any, **kwargs: Any) -> Later[T]:
        return Later(lambda: read(*args, **kwargs))

    def begin(self, *planned: tuple[Later[Any], bool]) -> None:
        """Start the reads that are wanted (the others are read only if asked for after all)."""
        if self._pool is None:
            return
        for later, wanted in planned:
            if wanted and later.future is None:
                context = contextvars.copy_context()  # the workspace scope goes along
                later.future = self._pool.submit(context.run, _on_own_connection, later.read)

    def __enter__(self) -> Reads:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
