from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import workspace_view
from accounts.roles import Role
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.selectors.dashboard import team_by_role
from kpiapp.selectors.records import data_counts


@workspace_view(min_role=Role.VIEWER)
def dashboard(request: HttpRequest) -> HttpResponse:
    team = team_by_role(request.workspace)  # type: ignore[attr-defined]
    chart = {"labels": team.labels, "values": team.values}
    counts = data_counts(DATA_KINDS)
    data_kinds = [(kind, counts[slug]) for slug, kind in DATA_KINDS.items() if counts[slug]]
    return render(
        request,
        "kpiapp/dashboard.html",
        {
            "nav": "dashboard",
            "team": team,
            "team_chart": chart,
            "data_kinds": data_kinds,
        },
    )
