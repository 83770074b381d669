"""/w/<slug>/aarrr/: the five AARRR stages over time and the bottleneck of a period."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.kpis.periods import Grain, Period, month_index, parse_period, today_in
from kpiapp.pagecache.decorator import cached_page
from kpiapp.plausibility import month_in_window
from kpiapp.selectors.aarrr import aarrr_view
from kpiapp.selectors.tiles import last_complete_period
from kpiapp.views.live import versioned_page
from kpiapp.views.params import period_choices

GRAINS: tuple[tuple[Grain, object], ...] = (("month", _("Month")), ("quarter", _("Quarter")))


@cached_page(reads=("grain", "period"))
@workspace_view(min_role=Role.VIEWER)
@versioned_page
def aarrr_page(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    today = today_in(workspace.time_zone)
    grain: Grain = "quarter" if request.GET.get("grain") == "quarter" else "month"
    asked = request.GET.get("period", "").strip()
    chosen = _period(asked, grain, month_index(today))
    period = chosen or last_complete_period(grain, today)
    view = aarrr_view(workspace=workspace, grain=grain, period=period, today=today)
    context = {
        "nav": "kpis",
        "aarrr": view,
        "grain": grain,
        "grain_choices": GRAINS,
        "period_problem": asked if asked and chosen is None else "",
        "period_choices": period_choices(grain, month_index(today), view.period),
    }
    return render(request, "kpiapp/aarrr.html", context)


def _period(text: str, grain: Grain, now: int) -> Period | None:
    """`?period=` at the page's grain ("2026-10", "2026-Q4", or a month of that quarter), if it
    has begun; else None (the last complete period)."""
    try:
        asked, first = parse_period(text)
    except ValueError:
        return None
    if asked == "year" or first > now or not month_in_window(first):
        return None
    return Period.containing(grain, first)
