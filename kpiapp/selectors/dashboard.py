"""Read-side assembly of the dashboard's MRR chart: the last twelve months of MRR and its
movements, from the snapshots (the same rows as the MRR movements page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accounts.models import Workspace
from kpiapp.kpis.periods import period_name
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.selectors.analysis import MovementRow, mrr_movements
from kpiapp.selectors.segments import ActiveSegment

MONTHS_SHOWN = 12
# Stacked above the axis (MRR won) and below it (MRR lost), signed as on the movements page.
# FX impact is left out: it is no movement of a customer (its figure is on the MRR page).
CHART_MOVEMENTS = ("mrr_new", "mrr_expansion", "mrr_reactivation", "mrr_contraction", "mrr_churn")


@dataclass(frozen=True)
class MrrChart:
    rows: list[MovementRow]  # oldest first

    @property
    def names(self) -> list[tuple[str, str]]:
        return [(key, str(KPI_BY_KEY[key].name)) for key in CHART_MOVEMENTS]

    @property
    def table_rows(self) -> list[MovementRow]:
        return self.rows[::-1]

    def as_json(self) -> dict[str, object]:
        """What the chart draws; money in major units, contraction and churn negative."""
        return {
            "labels": [period_name(r.period) for r in self.rows],
            "series": [
                {"key": key, "name": name, "values": [_plain(r.values[key]) for r in self.rows]}
                for key, name in self.names
            ],
            "mrr": [_plain(r.mrr) for r in self.rows],
            "mrr_name": str(KPI_BY_KEY["mrr"].name),
        }


def _plain(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def mrr_chart(
    *, workspace: Workspace, today: date, segment: ActiveSegment | None = None
) -> MrrChart:
    """The last twelve months up to the running one (marked "to date"); months without an MRR
    snapshot are left out, and a workspace without any MRR gets no rows."""
    rows = [
        r
        for r in mrr_movements(workspace=workspace, grain="month", today=today, segment=segment)
        if r.mrr is not None
    ]
    rows = rows[-MONTHS_SHOWN:]
    if not any(r.mrr or any(r.values[key] for key in CHART_MOVEMENTS) for r in rows):
        return MrrChart(rows=[])  # e.g. only leads so far: an empty state, not a flat zero
    return MrrChart(rows=rows)
