from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import workspace_view
from accounts.roles import Role
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.kpis.periods import GRAINS, Period, month_index, parse_period, today_in
from kpiapp.models import Grain
from kpiapp.selectors.dashboard import team_by_role
from kpiapp.selectors.records import data_counts
from kpiapp.selectors.tiles import available_periods, dashboard_tiles, last_complete_period

COMPARISONS = ("previous", "last_year")


def _period(request: HttpRequest, grain: str, choices: list[Period], today) -> Period:
    """The period asked for if it is of the grain and has data; else the last complete one."""
    try:
        asked_grain, first = parse_period(request.GET.get("period", ""))
    except ValueError:
        asked_grain, first = grain, -1
    asked = Period(grain, first) if asked_grain == grain else None  # type: ignore[arg-type]
    if asked in choices:
        return asked
    default = last_complete_period(grain, today)  # type: ignore[arg-type]
    return default if default in choices or not choices else choices[0]


@workspace_view(min_role=Role.VIEWER)
def dashboard(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    today = today_in(workspace.time_zone)
    grain = request.GET.get("grain") if request.GET.get("grain") in GRAINS else "month"
    compare = (
        request.GET.get("compare") if request.GET.get("compare") in COMPARISONS else "previous"
    )
    choices = available_periods(grain, today)  # type: ignore[arg-type]
    period = _period(request, grain, choices, today)
    tiles = dashboard_tiles(workspace=workspace, period=period, compare=compare, today=today)
    tiles = tiles if choices else []
    team = team_by_role(workspace)
    counts = data_counts(DATA_KINDS)
    data_kinds = [(kind, counts[slug]) for slug, kind in DATA_KINDS.items() if counts[slug]]
    return render(
        request,
        "kpiapp/dashboard.html",
        {
            "nav": "dashboard",
            "tiles": tiles,
            "grain": grain,
            "period": period,
            "compare": compare,
            "other_period": period.previous() if compare == "previous" else period.same_last_year(),
            "choices": choices,
            "grain_choices": Grain.choices,
            "partial_label": Period.containing(grain, month_index(today)).label,  # type: ignore[arg-type]
            "team": team,
            "team_chart": {"labels": team.labels, "values": team.values},
            "data_kinds": data_kinds,
        },
    )
