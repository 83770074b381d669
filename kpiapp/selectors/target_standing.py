"""Where a quarterly target stands: the one helper the targets page, the dashboard tiles, reports
and the API read (value held against the target, pacing, today's milestone, forecast and the
burn-up chart's data). Reads snapshots, targets and open deals; computes nothing else."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Workspace
from accounts.tenancy import current_workspace_id
from kpiapp.kpis import forecast as fc
from kpiapp.kpis import target_rules as rules
from kpiapp.kpis.periods import Period, month_end, month_index, month_start, period_name
from kpiapp.kpis.registry import DIMENSION_NAMES, KpiDefinition, dimension_value_name
from kpiapp.kpis.targets import Pacing, pace
from kpiapp.models import Deal, ExchangeRate, KpiSnapshot, Target
from kpiapp.templatetags.kpi_format import kpi_value

MonthValue = Callable[[int], Decimal | None]  # a month's value by its index
HISTORY_MONTHS = 7  # the month before the quarter and the six before it (forecast window)
PIPELINE_KPIS = ("deals_won", "mrr_new")
OPEN_STAGES = ("lead", "qualified", "demo", "proposal", "negotiation")


def reason_words(reason: str) -> str:
    words = {
        "too_little_history": _("Too little history for a forecast yet."),
        "no_open_pipeline": _("No open deals are expected to close in the rest of the quarter."),
        "no_value_yet": _("No value yet this quarter."),
    }
    return str(words.get(reason, reason))


@dataclass(frozen=True)
class Standing:
    target: Target
    kpi: KpiDefinition
    quarter: Period
    measured_on: str
    current: Decimal | None  # what the target is held against so far
    months_counted: int  # monthly mean: defined months that counted
    reason: str  # why there is no current value
    start: Decimal | None  # a stock's value at the quarter's start
    pacing: Pacing | None
    milestone: Fraction | None  # today's: at the end of the month we are in
    milestone_month: Period | None
    forecast: fc.Outcome | None  # the one the target is judged by (pipeline where it exists)
    forecasts: list[fc.Outcome] = field(default_factory=list)  # trend, pipeline
    burnup: dict = field(default_factory=dict)

    @property
    def dimension_name(self) -> str:
        return str(DIMENSION_NAMES.get(self.target.dimension, ""))

    @property
    def dimension_value_name(self) -> str:
        t = self.target
        return dimension_value_name(t.kpi_key, t.dimension, t.dimension_value)

    @property
    def progress_percent(self) -> int | None:
        if self.pacing is None or self.pacing.progress is None:
            return None
        return max(0, min(100, round(float(self.pacing.progress) * 100)))

    @property
    def burnup_id(self) -> str:
        return f"burnup-{self.target.pk}"

    @property
    def is_stock(self) -> bool:
        return self.kpi.kind == "state"

    @property
    def compared_directly(self) -> bool:
        return rules.is_compared_directly(self.kpi.kind)

    def statement(self, currency: str) -> str:
        shown = kpi_value(self.target.value, self.kpi.unit, currency)
        if self.kpi.unit == "money" and self.target.value == int(self.target.value):
            # "280.000 €", not "280.000,00 €": a target is a round figure.
            shown = shown.replace(formats.get_format("DECIMAL_SEPARATOR") + "00", "", 1)
        text = rules.statement(name=self.kpi.name, kind=self.kpi.kind,
                               direction=self.kpi.direction,
                               rate_basis=self.target.rate_basis, shown_value=shown)  # fmt: skip
        if self.target.dimension:
            text += f" ({self.dimension_name}: {self.dimension_value_name})"
        return text

    @property
    def forecast_reason(self) -> str:
        if isinstance(self.forecast, fc.NoForecast):
            return reason_words(self.forecast.reason)
        return ""


def _key(t: Target) -> tuple[str, str, str]:
    return (t.kpi_key, t.dimension, t.dimension_value)


def _snapshots(
    targets: list[Target], grain: str, starts: Iterable[date]
) -> dict[tuple, KpiSnapshot]:
    wanted = Q()
    for t in targets:
        wanted |= Q(kpi_key=t.kpi_key, dimension=t.dimension, dimension_value=t.dimension_value)
    rows = KpiSnapshot.objects.filter(wanted, grain=grain, period_start__in=list(starts)).only(
        "kpi_key", "dimension", "dimension_value", "period_start", "value", "reason", "partial"
    )
    return {(s.kpi_key, s.dimension, s.dimension_value, s.period_start): s for s in rows}


def _days(month: int) -> int:
    return (month_end(month) - month_start(month)).days + 1


def standings(
    *,
    targets: list[Target],
    facts: dict[str, KpiDefinition],
    today: date,
    workspace: Workspace | None = None,
) -> dict[int, Standing]:
    """Each target's standing on `today`, by the target's id. One query per grain for all of
    them (plus one for open deals when a pipeline KPI has a target)."""
    targets = [t for t in targets if t.kpi_key in facts]
    if not targets:
        return {}
    months: set[date] = set()
    quarters: set[date] = set()
    for t in targets:
        q = Period.of_start("quarter", t.quarter_start)
        quarters.add(q.start)
        months.update(
            month_start(m) for m in range(q.first_month - HISTORY_MONTHS, q.last_month + 1)
        )
    monthly = _snapshots(targets, "month", months)
    quarterly = _snapshots(targets, "quarter", quarters)
    now = month_index(today)
    pipelines = _pipelines(targets, today, workspace)
    found = {}
    for t in targets:
        kpi = facts[t.kpi_key]
        q = Period.of_start("quarter", t.quarter_start)

        def month_value(m: int, t: Target = t) -> Decimal | None:
            s = monthly.get((*_key(t), month_start(m)))
            return s.value if s else None

        at_quarter = quarterly.get((*_key(t), q.start))
        found[t.pk] = _standing(t, kpi, q, today, now, month_value, at_quarter, pipelines.get(t.pk))
    return found


def _standing(
    t: Target,
    kpi: KpiDefinition,
    q: Period,
    today: date,
    now: int,
    month_value: MonthValue,
    quarter_snapshot: KpiSnapshot | None,
    pipeline: fc.Outcome | None,
) -> Standing:
    where = rules.measured_on(kpi.kind, t.rate_basis)
    start = month_value(q.first_month - 1) if kpi.kind == "state" else None
    complete = [m for m in q.months if m < now]  # months of the quarter that have ended
    begun = [m for m in q.months if m <= now]
    current: Decimal | None = None
    counted = 0
    reason = quarter_snapshot.reason if quarter_snapshot else ""
    if where == rules.MONTHLY_MEAN:
        # Complete months only; in the quarter's first month, that month to date.
        used = complete or begun
        mean, counted = rules.monthly_mean([month_value(m) for m in used])
        current = None if mean is None else Decimal(mean.numerator) / Decimal(mean.denominator)
    elif quarter_snapshot is not None:
        current = quarter_snapshot.value
    pacing = None
    if current is not None and q.start <= today:
        pacing = pace(kind=kpi.kind, direction=kpi.direction, target=t.value, current=current,
                      quarter=q, today=today, start=start or 0)  # fmt: skip
    milestone_month = None
    milestone = None
    if q.start <= today:
        position = min(3, max(1, now - q.first_month + 1))
        milestone_month = Period("month", q.first_month + position - 1)
        milestone = rules.milestone(kind=kpi.kind, target=t.value, start=start,
                                    months_ended=position)  # fmt: skip
    trend = _trend(kpi, where, q, today, now, month_value, current)
    forecasts = [o for o in (trend, pipeline) if o is not None]
    chosen = pipeline if isinstance(pipeline, fc.Forecast) else trend
    return Standing(
        target=t, kpi=kpi, quarter=q, measured_on=where, current=current,
        months_counted=counted, reason=reason, start=start, pacing=pacing,
        milestone=milestone, milestone_month=milestone_month, forecast=chosen,
        forecasts=forecasts,
        burnup=_burnup(t, kpi, q, now, month_value, start, chosen),
    )  # fmt: skip


def _trend(
    kpi: KpiDefinition,
    where: str,
    q: Period,
    today: date,
    now: int,
    month_value: MonthValue,
    current: Decimal | None,
) -> fc.Outcome:
    if today > q.end:  # the quarter has ended: the actual
        if current is None:
            return fc.NoForecast("no_value_yet")
        v = float(current)
        return fc.Forecast(v, v, v, "actual")
    last_complete = min(now, q.first_month) - 1 if today < q.start else now - 1
    if kpi.kind == "state":
        history = [(m, month_value(m)) for m in range(last_complete - 5, last_complete + 1)]
        return fc.stock_trend(history, q.last_month)
    if kpi.kind == "flow":
        sums = [(m, month_value(m), _days(m)) for m in range(last_complete - 5, last_complete + 1)]
        so_far = current if current is not None and today >= q.start else 0
        days_left = (q.end - max(today, q.start - timedelta(days=1))).days
        return fc.flow_trend(sums, so_far, days_left)
    return fc.so_far(current)


def _pipelines(targets: list[Target], today: date, workspace: Workspace | None) -> dict:
    """The pipeline forecast of each target of `deals_won` or `mrr_new` (totals only) in a
    quarter not over yet."""
    wanted = [t for t in targets if t.kpi_key in PIPELINE_KPIS and not t.dimension
              and Period.of_start("quarter", t.quarter_start).end > today]  # fmt: skip
    if not wanted:
        return {}
    if workspace is None:
        workspace = Workspace.objects.get(pk=current_workspace_id())
    probabilities = {k: float(v) for k, v in (workspace.stage_probabilities or {}).items()}
    tomorrow = today + timedelta(days=1)
    ends = {Period.of_start("quarter", t.quarter_start).end for t in wanted}
    deals = list(
        Deal.objects.filter(stage__in=OPEN_STAGES, expected_close_at__gte=tomorrow,
                            expected_close_at__lte=max(ends))
        .only("stage", "kind", "amount_cents", "currency", "expected_close_at")
    )  # fmt: skip
    rates = _latest_rates({d.currency for d in deals} - {workspace.currency})
    snapshots = _snapshots(wanted, "quarter", {t.quarter_start for t in wanted})
    found = {}
    for t in wanted:
        q = Period.of_start("quarter", t.quarter_start)
        inside = [
            d
            for d in deals
            if d.expected_close_at is not None
            and max(q.start, tomorrow) <= d.expected_close_at <= q.end
        ]
        chosen = []
        for d in inside:
            p = probabilities.get(d.stage, 0.0)
            if t.kpi_key == "deals_won":
                chosen.append(fc.OpenDeal(p, 1))
            elif d.kind == "new" and d.amount_cents is not None:
                rate = 1.0 if d.currency == workspace.currency else rates.get(d.currency)
                if rate is not None:
                    chosen.append(fc.OpenDeal(p, d.amount_cents / 100 / 12 * rate))
        s = snapshots.get((*_key(t), q.start))
        so_far = s.value if s and s.value is not None and q.start <= today else 0
        found[t.pk] = fc.pipeline(so_far, chosen)
    return found


def _latest_rates(currencies: set[str]) -> dict[str, float]:
    rates: dict[str, float] = {}
    for r in ExchangeRate.objects.filter(currency__in=currencies).order_by("currency", "-month"):
        rates.setdefault(r.currency, float(r.rate))
    return rates


def _burnup(
    t: Target,
    kpi: KpiDefinition,
    q: Period,
    now: int,
    month_value: MonthValue,
    start: Decimal | None,
    chosen: fc.Outcome,
) -> dict:
    """The burn-up chart: actual so far, the milestone line, the forecast band to the quarter's
    end and the target, at the quarter's start and each month end. Rates show their monthly
    values against the target (a flat milestone line)."""
    scale = 100 if kpi.unit == "rate" else 1
    labels = [_("Start")] + [period_name(Period("month", m)) for m in q.months]
    target = float(t.value) * scale
    milestones = [
        float(rules.milestone(kind=kpi.kind, target=t.value, start=start, months_ended=i)) * scale
        for i in range(4)
    ]
    actual: list[float | None] = [None] * 4
    running = 0.0
    for i, m in enumerate(q.months, start=1):
        if m > now:
            break
        v = month_value(m)
        if v is None:
            continue
        if kpi.kind == "flow":
            running += float(v)
            actual[i] = running * scale
        else:
            actual[i] = float(v) * scale
    if kpi.kind == "state" and start is not None:
        actual[0] = float(start) * scale
    elif kpi.kind == "flow":
        actual[0] = 0.0
    else:
        milestones[0] = target
    # The band starts at the last month that has ended (the current month is only "to date").
    ended = [i for i, m in enumerate(q.months, start=1) if m < now and actual[i] is not None]
    last = ended[-1] if ended else (0 if actual[0] is not None else None)
    band = None
    if isinstance(chosen, fc.Forecast) and chosen.method != "actual" and last is not None:
        band = {
            "from": last,
            "value": chosen.value * scale,
            "low": chosen.low * scale,
            "high": chosen.high * scale,
        }
    return {
        "labels": [str(x) for x in labels],
        "actual": actual,
        "milestones": milestones,
        "target": target,
        "forecast": band,
        "percent": kpi.unit == "rate",
        "names": {
            "actual": _("actual"),
            "milestones": _("milestones"),
            "target": _("target"),
            "forecast": _("forecast"),
        },
    }
