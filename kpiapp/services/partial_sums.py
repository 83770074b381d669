"""Storing the partial sums per bucket of accounts (`kpiapp.kpis.partials`) of the workspace in
scope. Only the recompute reads and writes them, in its swap transaction for the writes (which
holds the workspace's recompute lock, so writers never interleave)."""

from __future__ import annotations

import hashlib
import zlib

from kpiapp.kpis import partials
from kpiapp.kpis.partials import StoredSums
from kpiapp.models import PartialSums

# The kinds of data the sums are made of (besides the rates and months their basis names):
# a change of them that a recompute does not fold into the sums leaves the sums stale.
INPUT_KINDS = frozenset(
    {"accounts", "subscriptions", "subscription_amounts", "leads", "usage", "exchange_rates"}
)


def sums_load(*, buckets: list[int]) -> StoredSums | None:
    """The stored sums of all accounts and of `buckets`, or None when any is missing or of
    another version."""
    rows = {
        bucket: (basis, generation, payload)
        for bucket, basis, generation, payload in PartialSums.objects.filter(
            bucket__in=[PartialSums.TOTAL, *buckets]
        ).values_list("bucket", "basis", "generation", "payload")
    }
    if PartialSums.TOTAL not in rows or not set(buckets) <= rows.keys():
        return None
    basis_text, generation, payload = rows.pop(PartialSums.TOTAL)
    basis = partials.Basis.from_text(basis_text)
    if basis is None or any(
        partials.Basis.from_text(text) != basis for text, _, _ in rows.values()
    ):
        return None
    return StoredSums(
        basis,
        _sums_of(payload),
        {bucket: _sums_of(payload) for bucket, (_, _, payload) in rows.items()},
        complete=False,
        generation=generation,
    )


def sums_store(sums: StoredSums, *, workspace_id: int) -> None:
    """Store sums a recompute made: all buckets' (rows whose sums did not change stay as
    they are), or an update of some buckets and the total, which is dropped, with every
    stored row, when another recompute wrote since these were read (they no longer add up
    with what is stored)."""
    basis = sums.basis.text()
    stored = dict(PartialSums.objects.values_list("bucket", "digest"))
    current = (
        PartialSums.objects.filter(bucket=PartialSums.TOTAL)
        .values_list("generation", flat=True)
        .first()
    )
    if not sums.complete and current != sums.generation:
        sums_forget()
        return
    texts = {bucket: partials.to_json(found) for bucket, found in sums.buckets.items()}
    texts[PartialSums.TOTAL] = partials.to_json(sums.total)
    digests = {bucket: _digest(basis, text) for bucket, text in texts.items()}
    changed = [bucket for bucket, digest in digests.items() if stored.get(bucket) != digest]
    gone = set(stored) - set(texts) if sums.complete else set()
    if not changed and not gone:
        return
    PartialSums.objects.filter(bucket__in=[*changed, *gone]).delete()
    generation = (current or 0) + 1
    PartialSums.objects.bulk_create(
        PartialSums(
            workspace_id=workspace_id,
            bucket=bucket,
            basis=basis,
            generation=generation if bucket == PartialSums.TOTAL else 0,
            payload=zlib.compress(texts[bucket].encode(), COMPRESSION),
            digest=digests[bucket],
        )
        for bucket in changed
    )
    if PartialSums.TOTAL not in changed:  # the total's generation counts every write
        PartialSums.objects.filter(bucket=PartialSums.TOTAL).update(generation=generation)


def sums_forget() -> None:
    PartialSums.objects.all().delete()


# zlib's fastest level: a bucket's JSON (440 kB on the bench workspace) to a fifth in 3 ms.
COMPRESSION = 1


def payload_text(payload: bytes | memoryview) -> str:
    """The JSON a stored row holds."""
    return zlib.decompress(payload).decode()


def _sums_of(payload: bytes | memoryview) -> partials.FamilySums:
    return partials.from_json(payload_text(payload))


def _digest(basis: str, text: str) -> str:
    return hashlib.sha256(f"{basis}\n{text}".encode()).hexdigest()
