"""Locale-aware display of money and numbers: 1.234,56 € in German, €1,234.56 in English."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django import template
from django.utils import formats, translation
from django.utils.translation import pgettext

from kpiapp.kpis.change import Change
from kpiapp.kpis.periods import Period
from kpiapp.kpis.periods import period_name as words_of_period
from kpiapp.kpis.reasons import reason_text
from kpiapp.models.money import major_units

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


def _format(value: object, places: int) -> str:
    """Rounded half-up to `places` (Django's number_format cuts digits off instead)."""
    exact = _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    exact = abs(exact) if exact == 0 else exact  # no "-0,00"
    return formats.number_format(exact, places, use_l10n=True, force_grouping=True)


@register.filter
def period_name(period: Period | None) -> str:
    """A period in words ("Okt. 2026", "Q4 2026"): kpiapp.kpis.periods.period_name."""
    return words_of_period(period) if period is not None else ""


@register.filter
def kpi_reason(reason: str | None) -> str:
    """Why a value is undefined, in the reader's language (kpiapp.kpis.reasons)."""
    return reason_text(reason or "")


@register.filter
def money(cents: int | Decimal | None, currency: str = "EUR") -> str:
    if cents is None or cents == "":
        return "–"
    value = major_units(cents)
    amount = _format(value, 2)
    symbol = SYMBOLS.get(currency, currency)
    if (translation.get_language() or "en").startswith("de") or len(symbol) > 1:
        return f"{amount}\u00a0{symbol}"
    if amount.startswith("-"):  # −€17.92, not €-17.92
        return f"-{symbol}{amount.lstrip('-')}"
    return f"{symbol}{amount}"


@register.filter
def number(value: int | float | Decimal | Fraction | None, decimals: int = 0) -> str:
    if value is None or value == "":
        return "–"
    return _format(value, decimals)


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters changed (for sorting and paging links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"


@register.filter
def get_item(mapping: dict, key: str) -> object:
    return mapping.get(key, "")


@register.filter
def attr_path(record: object, path: str) -> object:
    """`record|attr_path:"account.name"`: follows attributes, empty on a missing link."""
    value: object = record
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    if hasattr(record, f"get_{path}_display"):
        return getattr(record, f"get_{path}_display")()
    return value


@register.filter
def mrr_chart_data(points: list) -> dict[str, list]:
    return {
        "labels": [period_name(Period.of_start("month", p.month)) for p in points],
        "values": [float(major_units(p.mrr_cents)) for p in points],
    }


@register.filter
def get_index(sequence: list, index: int) -> object:
    try:
        return sequence[index]
    except (IndexError, TypeError):
        return None


def _decimal(value: object) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Decimal | int | str):
        return Decimal(value)
    raise TypeError(f"Not a number: {value!r}")


def _places_needed(value: Decimal, most: int) -> int:
    """The fewest decimals (up to `most`) that show `value` rounded to `most` places."""
    rounded = value.quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_UP)
    return next(p for p in range(most + 1) if rounded == rounded.quantize(Decimal(1).scaleb(-p)))


@register.simple_tag
def kpi_value(
    value: Decimal | Fraction | float | int | None, unit: str, currency: str = "EUR"
) -> str:
    """A KPI value in its unit: money in major units, rates as percent, counts, days."""
    if value is None or value == "":
        return "–"
    value = _decimal(value)
    if unit == "money":
        return money(value * 100, currency)
    if unit == "rate":
        text = _format(value * 100, 1)
    elif unit == "count":
        text = number(value)
    elif unit == "customers":  # attributed customers: shares of a customer
        text = number(value, 2)
    elif unit in ("percent", "number"):  # a custom KPI's value (a percent is entered as 92.5)
        text = number(value, _places_needed(value, 2))
    else:
        text = number(value, 2 if unit in ("ratio", "score") else 1)
    return text + unit_suffix(unit)


def unit_suffix(unit: str) -> str:
    """What follows a shown value of `unit`: " %", " days", " Tage". A value with a decimal
    (1.0, 10.4) takes the plural in both languages, and durations are always shown so."""
    if unit in ("rate", "percent"):
        return "\u00a0%"
    if unit == "days":
        return "\u00a0" + pgettext("kpi unit", "days")
    if unit == "months":
        return "\u00a0" + pgettext("kpi unit", "months")
    return ""


@register.filter
def percent(value: object) -> str:
    """A fraction (0.25) as percent (25 %)."""
    if value is None or value == "":
        return "–"
    return f"{number(_decimal(value) * 100)}\u00a0%"


@register.filter
def signed_percent(value: object) -> str:
    """A relative change (0.032) as a signed percent (+3.2 %)."""
    if value is None or value == "":
        return "–"
    change = _decimal(value) * 100
    text = _format(abs(change), 1)
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    return f"{sign}{text}\u00a0%"


@register.simple_tag
def kpi_points(value: object) -> str:
    """A change of a rate (0.004) in percentage points (+0.4 pp, +0,4 Pp.)."""
    points = _decimal(value) * 100
    text = _format(abs(points), 1)
    sign = "+" if points > 0 else "−" if points < 0 else "±"
    unit = pgettext("percentage points", "pp")
    return f"{sign}{text}\u00a0{unit}"


@register.simple_tag
def kpi_change(moved: object, unit: str, currency: str = "EUR") -> str:
    """A tile's or report row's change (or a `Change`) as people read it (kpis/change.py):
    points for a rate, a signed percent, or from a base of 0 or below the signed difference in
    the KPI's unit (+15.500 €)."""
    if isinstance(moved, Change):
        amount, points, absolute = moved.amount, moved.in_points, moved.absolute
    else:
        amount = getattr(moved, "change", None)
        points = getattr(moved, "change_in_points", False)
        absolute = getattr(moved, "change_absolute", False)
    if amount is None:
        return "–"
    if points:
        return kpi_points(amount)
    if not absolute:
        return signed_percent(amount)
    amount = _decimal(amount)
    sign = "+" if amount > 0 else "−" if amount < 0 else "±"
    return sign + kpi_value(abs(amount), unit, currency)


@register.simple_tag
def benchmark_text(row: object, unit: str, currency: str = "EUR") -> str:
    """A benchmark row as text: ≥ 15 %, 4.4 %, 90–93 %, with the decimals its source quotes
    (5.15 %, not 5.2 %)."""

    def quoted(value: Decimal | None) -> str:
        if value is None or unit not in ("rate", "ratio", "score", "days", "months"):
            return kpi_value(value, unit, currency)
        shown = _decimal(value) * (100 if unit == "rate" else 1)
        return number(shown, _places_needed(shown, 2)) + unit_suffix(unit)

    low = quoted(getattr(row, "low", None))
    form = getattr(row, "form", "")
    if form == "band":
        return f"{low} – {quoted(getattr(row, 'high', None))}"
    return {"at_least": f"≥ {low}", "at_most": f"≤ {low}"}.get(form, low)


@register.filter
def heat(value: object) -> str:
    """A retention share as the heat map's colour step, 0 to 10 (classes heat-0 … heat-10 in
    app.css; a class, not a style attribute, so the Content Security Policy needs no inline
    styles)."""
    if value is None or value == "":
        return "0"
    return str(round(max(0.0, min(1.0, float(_decimal(value)))) * 10))
