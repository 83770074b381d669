from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import workspace_view
from accounts.roles import Role
from kpiapp.selectors.dashboard import team_by_role


@workspace_view(min_role=Role.VIEWER)
def dashboard(request: HttpRequest) -> HttpResponse:
    team = team_by_role(request.workspace)  # type: ignore[attr-defined]
    chart = {"labels": team.labels, "values": team.values}
    return render(request, "kpiapp/dashboard.html", {"team": team, "team_chart": chart})
