"""/w/<slug>/customers/ (the list, its CSV, the customers behind one MRR movement) and
/w/<slug>/customers/<id>/ (one customer's MRR history with its movements and records)."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.exports.csv_dialect import csv_lines, neutralise, number_text, uses_decimal_comma
from kpiapp.kpis.periods import Period, month_index, parse_period, period_name, today_in
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.models import Account, KpiSnapshot
from kpiapp.selectors.customer_profile import customer_profile
from kpiapp.selectors.customers import (
    MOVEMENT_KEYS,
    STATUS_NAMES,
    CustomerFilters,
    CustomerListing,
    MovementList,
    customer_listing,
)
from kpiapp.selectors.segment_points import shown_snapshots
from kpiapp.selectors.segments import ActiveSegment, active_segment
from kpiapp.views.live import versioned_page

PER_PAGE = 50


def _filters(request: HttpRequest) -> CustomerFilters:
    status = request.GET.get("status", "")
    return CustomerFilters(
        status=status if status in STATUS_NAMES else "",
        plan=request.GET.get("plan", ""),
        channel=request.GET.get("channel", ""),
        country=request.GET.get("country", ""),
        search=request.GET.get("q", "").strip()[:200],
    )


def _movement_period(request: WorkspaceRequest) -> tuple[str, Period | None, str]:
    """`?movement=mrr_new&period=2026-10` (or 2026-Q4, 2026): the movement, its period, and a
    message when either is not one the page can show."""
    key = request.GET.get("movement", "")
    if not key:
        return "", None, ""
    if key not in MOVEMENT_KEYS:
        return "", None, _("There is no such MRR movement; all customers are shown.")
    try:
        grain, first = parse_period(request.GET.get("period", ""))
    except ValueError:
        return "", None, _("This period could not be read; all customers are shown.")
    if first > month_index(today_in(request.workspace.time_zone)):
        return "", None, _("This period lies in the future; all customers are shown.")
    return key, Period(grain, first), ""


def _listing(request: WorkspaceRequest, segment: ActiveSegment) -> CustomerListing:
    key, period, problem = _movement_period(request)
    if request.GET.get("status", "") not in ("", *STATUS_NAMES):
        problem = problem or _("There is no such status; customers of every status are shown.")
    return customer_listing(
        workspace=request.workspace,
        today=today_in(request.workspace.time_zone),
        filters=_filters(request),
        sort=request.GET.get("sort", ""),
        movement_key=key,
        period=period,
        problem=problem or segment.error,
        conditions=segment.conditions if key else (),
    )


@workspace_view(min_role=Role.VIEWER)
@versioned_page
def customer_list(request: WorkspaceRequest) -> HttpResponse:
    segment = active_segment(request)
    listing = _listing(request, segment)
    movement = listing.movement
    page = Paginator(listing.rows, PER_PAGE).get_page(request.GET.get("page"))
    shown_total = sum(
        (listing.amounts.get(r.account_id, Fraction(0)) for r in listing.rows), Fraction(0)
    )
    filtered = any(
        getattr(listing.filters, f) for f in ("status", "plan", "channel", "country", "search")
    )
    return render(
        request,
        "kpiapp/customers.html",
        {
            "nav": "customers",
            "page": page,
            "rows": [(r, listing.amounts.get(r.account_id)) for r in page.object_list],
            "count": len(listing.rows),
            "movement": movement,
            "movement_kpi": KPI_BY_KEY[movement.key] if movement else None,
            "shown_total": shown_total,
            "filtered": filtered,
            "problem": listing.problem,
            "choices": listing.choices,
            "statuses": list(STATUS_NAMES.items()),
            "filters": listing.filters,
            "sort": listing.sort,
            "query": request.GET.urlencode(),
            "columns": [
                ("name", _("Customer"), False),
                ("mrr", _("MRR"), True),
                ("arr", _("ARR"), True),
                ("plan", _("Plan"), False),
                ("status", _("Status"), False),
                ("first_paid", _("First paid month"), False),
                ("last_paid", _("Last paid month"), False),
                ("channel", _("Channel"), False),
                ("country", _("Country"), False),
            ],
            "filter_fields": [
                ("plan", _("Plan")),
                ("channel", _("Channel")),
                ("country", _("Country")),
            ],
            "snapshot": _snapshot(request, movement, segment),
            # Under a segment only the customers behind a movement are the segment's.
            "segment": segment if movement else ActiveSegment(),
        },
    )


def _snapshot(
    request: WorkspaceRequest, movement: MovementList | None, segment: ActiveSegment
) -> KpiSnapshot | None:
    """The movement's value as its KPI shows it (the segment's, under a segment)."""
    if movement is None:
        return None
    rows = shown_snapshots(
        segment,
        workspace=request.workspace,
        today=today_in(request.workspace.time_zone),
        kpis=[KPI_BY_KEY[movement.key]],
        grain=movement.period.grain,
        starts={movement.period.start},
    )
    return rows[0] if rows else None


@workspace_view(min_role=Role.VIEWER)
def customer_export(request: WorkspaceRequest) -> HttpResponse:
    """The list as shown (filters, sorting, a movement), every page, in the one CSV dialect."""
    listing = _listing(request, active_segment(request))
    language = translation.get_language() or "en"
    comma = uses_decimal_comma(language)
    movement = listing.movement
    header = [
        _("Customer"),
        _("MRR"),
        _("ARR"),
        _("Plan"),
        _("Status"),
        _("First paid month"),
        _("Last paid month"),
        _("Channel"),
        _("Country"),
    ]
    if movement is not None:
        header.append(str(KPI_BY_KEY[movement.key].name))

    def lines() -> Iterator[list[str]]:
        yield header
        for r in listing.rows:
            line = [
                neutralise(r.name),
                number_text(r.mrr, decimal_comma=comma, places=2),
                number_text(r.arr, decimal_comma=comma, places=2),
                neutralise(r.plan),
                r.status_name,
                r.first_paid.label if r.first_paid else "",
                r.last_paid.label if r.last_paid else "",
                neutralise(r.channel),
                r.country,
            ]
            if movement is not None:
                amount = listing.amounts[r.account_id]
                line.append(number_text(amount, decimal_comma=comma, places=2))
            yield line

    response = HttpResponse(
        "".join(csv_lines(lines(), language=language)), content_type="text/csv; charset=utf-8"
    )
    what = f"-{movement.key}-{movement.period.label}" if movement else ""
    filename = f"{request.workspace.slug}-customers{what}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@workspace_view(min_role=Role.VIEWER)
@versioned_page
def customer_page(request: WorkspaceRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.select_related("channel"), pk=pk)
    profile = customer_profile(
        workspace=request.workspace, account=account, today=today_in(request.workspace.time_zone)
    )
    chart = {
        "labels": [period_name(p.month) for p in profile.timeline],
        "values": [None if p.mrr is None else float(p.mrr) for p in profile.timeline],
        "name": "MRR",
    }
    return render(
        request,
        "kpiapp/customer.html",
        {
            "nav": "customers",
            "profile": profile,
            "account": account,
            "row": profile.row,
            "chart": chart,
            "movement_names": {k: KPI_BY_KEY[k].name for k in MOVEMENT_KEYS},
            "back": request.GET.get("back", ""),
        },
    )
