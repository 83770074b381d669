"""/w/<slug>/attribution/ and /w/<slug>/attribution/journeys/<account_id>/: new customers and
new MRR attributed to channels and campaigns by a chosen model, the order volume by channel,
and each won customer's journey (KPIS.md section 7)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.kpis.attribution import DEFAULT_MODEL, MODELS, Model
from kpiapp.kpis.periods import Period, month_index, parse_period, period_name, today_in
from kpiapp.kpis.registry import dimension_value_name
from kpiapp.models import Grain
from kpiapp.selectors.attribution import (
    Attribution,
    attribution,
    journey_of,
)
from kpiapp.views.live import versioned_page
from kpiapp.views.params import grain_param, recent_periods

MODEL_NAMES = {
    "first_touch": _("First touch"),
    "last_touch": _("Last touch"),
    "linear": _("Linear"),
    "position_based": _("Position-based (40/20/40)"),
}
BY_NAMES = {"channel": _("Channel"), "campaign": _("Campaign")}
PERIODS_OFFERED = {"month": 12, "quarter": 8, "year": 3}


def _model(request: WorkspaceRequest) -> Model:
    asked = request.GET.get("model", "")
    return next((m for m in MODELS if m == asked), DEFAULT_MODEL)


def _period(request: WorkspaceRequest, offered: list[Period]) -> Period:
    """`?period=` when it is one of the periods offered; else the last complete one."""
    try:
        asked = Period(*parse_period(request.GET.get("period", "")))
    except ValueError:
        asked = None
    if asked in offered:
        return asked
    return offered[1]  # [0] is the current, partial period


@workspace_view(min_role=Role.VIEWER)
@versioned_page
def attribution_page(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    grain = grain_param(request)
    today = today_in(workspace.time_zone)
    # the running period and the complete ones before it
    offered = recent_periods(grain, month_index(today), PERIODS_OFFERED[grain] + 1)
    period = _period(request, offered)
    by = "campaign" if request.GET.get("by") == "campaign" else "channel"
    data = attribution(workspace=workspace, period=period, model=_model(request), by=by)
    return render(
        request,
        "kpiapp/attribution.html",
        {
            "nav": "kpis",
            "data": data,
            "grain": grain,
            "grain_choices": Grain.choices,
            "periods": [(p.label, period_name(p)) for p in offered],
            "models": list(MODEL_NAMES.items()),
            "by_choices": list(BY_NAMES.items()),
            "chart": _chart(data),
        },
    )


def _chart(data: Attribution) -> dict[str, object]:
    return {
        "labels": [
            dimension_value_name("customers_new_attributed", data.by, r.label) for r in data.rows
        ],
        "customers": [None if r.customers is None else float(r.customers) for r in data.rows],
        "mrr": [None if r.mrr is None else float(r.mrr) for r in data.rows],
    }


@workspace_view(min_role=Role.VIEWER)
def journey_page(request: WorkspaceRequest, account_id: int) -> HttpResponse:
    journey = journey_of(workspace=request.workspace, account_id=account_id)
    return render(request, "kpiapp/journey.html", {"nav": "kpis", "journey": journey})
