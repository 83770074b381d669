"""What every KPI family needs to know about a workspace: its months, day boundaries and rates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np

from kpiapp.kpis import sql
from kpiapp.kpis.periods import month_end, month_index, month_start

EPOCH = date(1970, 1, 1)
RATE_SCALE = 10**10  # ExchangeRate.rate has 10 decimal places: rates are exact integers here
NO_END = 10**7  # a day number beyond any real date


def day_number(day: date) -> int:
    return (day - EPOCH).days


def from_day_number(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def months_of_days(days: np.ndarray) -> np.ndarray:
    """Month indexes (year * 12 + month - 1) of day numbers."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months + 1970 * 12


@dataclass
class Rates:
    """Monthly rates as integers (units of workspace currency per unit, × RATE_SCALE)."""

    currency: str
    by_currency: dict[str, dict[int, int]] = field(default_factory=dict)

    def get(self, currency: str, month: int) -> int | None:
        if currency == self.currency:
            return RATE_SCALE
        return self.by_currency.get(currency, {}).get(month)


@dataclass
class Context:
    workspace_id: int
    currency: str
    time_zone: str
    gross_margin: Fraction
    stage_probabilities: dict[str, Fraction]
    today: date
    first_month: int
    rates: Rates
    last_month: int = field(init=False)  # the current month
    activation_days: int = 14  # KPIS.md 7, activation_rate: first value within N days
    referral_channel: str = ""  # empty: the channel named "Referral", else "Empfehlung"

    def __post_init__(self) -> None:
        self.last_month = month_index(self.today)

    @property
    def months(self) -> range:
        return range(self.first_month, self.last_month + 1)

    @property
    def month_count(self) -> int:
        return self.last_month - self.first_month + 1

    def month_end_day(self, month: int) -> date:
        """The day a month's states are read on: its last day, or today for the current month."""
        return min(month_end(month), self.today)

    def boundaries(self) -> np.ndarray:
        """Day numbers of the state points: [0] the day before the first month, [k + 1] the
        end of month first_month + k (today for the current month)."""
        days = [day_number(month_start(self.first_month)) - 1]
        days += [day_number(self.month_end_day(m)) for m in self.months]
        return np.array(days, dtype=np.int64)

    def month_slot(self, month_number: int) -> int:
        return month_number - self.first_month


def load_rates(*, workspace_id: int, currency: str) -> Rates:
    rows = sql.fetch(
        f"SELECT {sql.month_number('month')}, currency, rate FROM kpiapp_exchangerate "
        "WHERE workspace_id = %(workspace_id)s",
        workspace_id=workspace_id,
    )
    rates = Rates(currency)
    for month, code, rate in rows:
        scaled = Decimal(rate).scaleb(10)
        rates.by_currency.setdefault(code, {})[int(month)] = int(scaled)
    return rates


FIRST_DATES = (
    ("kpiapp_subscription", "started_at"),
    ("kpiapp_deal", "created_at"),
    ("kpiapp_deal", "closed_at"),
    ("kpiapp_lead", "created_at"),
    ("kpiapp_spend", "month"),
    ("kpiapp_traffic", "month"),
    ("kpiapp_npsresponse", "responded_at"),
    ("kpiapp_usage", "month"),
    ("kpiapp_customkpivalue", "month"),
)


def first_data_month(*, workspace_id: int) -> int | None:
    """The month of the earliest business date in any table (one query)."""
    parts = [
        f"SELECT MIN({column}) AS d FROM {table} WHERE workspace_id = %(workspace_id)s"
        for table, column in FIRST_DATES
    ]
    rows = sql.fetch(
        f"SELECT MIN(d) FROM ({' UNION ALL '.join(parts)}) firsts",
        workspace_id=workspace_id,
    )
    first = rows[0][0]
    if first is None:
        return None
    if isinstance(first, str):  # SQLite returns the text it stored
        first = date.fromisoformat(first[:10])
    return month_index(first)
