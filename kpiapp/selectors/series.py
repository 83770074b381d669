"""A KPI's values over a range of periods: the API series endpoint and `kpi_series` (PRODUCT.md).

Reads snapshots only. Values are decimal strings (money in major units with 2 decimals, rates
and ratios with 6, counts as integers) or null with a reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import Workspace
from kpiapp.kpis.attributed import ATTRIBUTED_KEYS, attribution_dimension
from kpiapp.kpis.attribution import DEFAULT_MODEL, MODELS, Model
from kpiapp.kpis.periods import Period, is_grain, parse_period, periods_between
from kpiapp.kpis.registry import KPI_BY_KEY, decimals_for
from kpiapp.models import KpiSnapshot
from kpiapp.plausibility import DATE_WINDOW, month_in_window
from kpiapp.selectors.kpi_lookup import workspace_kpi


class SeriesRequestError(ValueError):
    """A bad request for a series; `field` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _format(value: Decimal | None, places: int) -> str | None:
    if value is None:
        return None
    return f"{value:.{places}f}"


def _plain(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def kpi_series(
    *,
    workspace: Workspace,
    key: str,
    start: str,
    end: str,
    grain: str = "month",
    dimension: str | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    kpi = workspace_kpi(key)
    if kpi is None:
        raise SeriesRequestError("kpi", _("There is no KPI “%(key)s”.") % {"key": key})
    unit, custom_unit = kpi.unit, None if key in KPI_BY_KEY else kpi.unit
    if not is_grain(grain):
        raise SeriesRequestError("grain", _("Use month, quarter or year."))
    if dimension and dimension not in kpi.dimensions:
        allowed = ", ".join(kpi.dimensions) or _("none")
        raise SeriesRequestError(
            "dimension",
            _("“%(key)s” does not break down by “%(dimension)s” (it does by: %(allowed)s).")
            % {"key": key, "dimension": dimension, "allowed": allowed},
        )
    chosen = _model(key, model)
    try:
        first = Period.containing(grain, parse_period(start)[1])
        last_grain, last_first = parse_period(end)
        last = Period.containing(grain, Period(last_grain, last_first).last_month)
    except ValueError as error:
        raise SeriesRequestError("start", str(error)) from None
    for field, month in (("start", first.first_month), ("end", last.last_month)):
        if not month_in_window(month):
            raise SeriesRequestError(field, str(DATE_WINDOW))
    if last.first_month < first.first_month:
        raise SeriesRequestError("end", _("The end lies before the start."))
    periods = periods_between(grain, first.first_month, last.last_month)
    snapshots = KpiSnapshot.objects.filter(
        kpi_key=key,
        grain=grain,
        period_start__gte=periods[0].start,
        period_start__lte=periods[-1].start,
        dimension=attribution_dimension(dimension, chosen) if dimension else "",
    ).order_by("period_start", "dimension_value")
    places = decimals_for(key, custom_unit)
    points = [
        {
            "period": Period.of_start(grain, s.period_start).label,
            "dimension": dimension or None,
            "dimension_value": s.dimension_value if s.dimension else None,
            "value": _format(s.value, places),
            "numerator": _plain(s.numerator),
            "denominator": _plain(s.denominator),
            "reason": s.reason or None,
            "partial": s.partial,
        }
        for s in snapshots.only(
            "period_start",
            "dimension",
            "dimension_value",
            "value",
            "numerator",
            "denominator",
            "reason",
            "partial",
        )
    ]
    body: dict[str, Any] = {
        "kpi": key,
        "grain": grain,
        "unit": unit,
        "currency": workspace.currency,
        "points": points,
    }
    if key in ATTRIBUTED_KEYS:
        body["model"] = chosen
    return body


def _model(key: str, model: str | None) -> Model:
    """The attribution model asked for (KPIS.md 7): only the attributed KPIs take one."""
    if model is None:
        return DEFAULT_MODEL
    if key not in ATTRIBUTED_KEYS:
        raise SeriesRequestError(
            "model",
            _("Only the attributed KPIs (%(keys)s) take an attribution model.")
            % {"keys": ", ".join(ATTRIBUTED_KEYS)},
        )
    for known in MODELS:
        if model == known:
            return known
    raise SeriesRequestError(
        "model",
        _("Unknown attribution model “%(model)s”; use one of %(models)s.")
        % {"model": model, "models": ", ".join(MODELS)},
    )
