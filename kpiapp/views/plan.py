"""/w/<slug>/plan/: the quarter's plan backwards from a goal, with a what-if.

The page is its own preview: a GET with the form's fields (`goal_kind`, `goal_value`,
`share.<channel>` in percent, `o.<input>.<channel>` with rates in percent) computes the plan
with them, so the what-if works without script (a "Calculate" button) and `static/js/plan.js`
only fetches the same page and swaps the computed parts. A POST saves (editors), or with
`action=calculate` only computes (an editor's button without script)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.kpis.periods import Period, period_name, today_in
from kpiapp.kpis.plan import RATE_INPUTS
from kpiapp.models import GoalKind, Plan
from kpiapp.selectors.plan_display import (
    STEP_NAMES,
    channel_display,
    mix_problem,
    window_text,
)
from kpiapp.selectors.plans import (
    basis_month_for,
    plan_of_quarter,
    plan_pacing,
)
from kpiapp.services.plans import CheckedPlan, incomplete, plan_check, plan_compute, plan_save
from kpiapp.views.params import quarter_param


def _percent(text: str) -> str:
    """A percent from the page ("30", "30,5") as the fraction the service takes."""
    try:
        return format(Decimal(text.strip().replace(",", ".")) / 100, "f")
    except (InvalidOperation, ValueError):
        return text  # the check says it is not a number


def _given(data: QueryDict) -> dict[str, Any]:
    """The page's fields as the service's arguments (rates and shares as fractions)."""
    shares: dict[str, str] = {}
    overrides: dict[str, dict[str, str]] = {}
    for name in data:
        value = data.get(name, "")
        if not value.strip():
            continue
        if name.startswith("share."):
            shares[name[len("share.") :]] = _percent(value)
        elif name.startswith("o.") and name.count(".") >= 2:
            _, key, channel = name.split(".", 2)
            number = _percent(value) if key in RATE_INPUTS else value.strip()
            overrides.setdefault(channel, {})[key] = number
    return {
        "goal_kind": data.get("goal_kind", ""),
        "goal_value": data.get("goal_value", "").strip(),
        "shares": shares,
        "overrides": overrides,
    }


def _stored(plan: Plan) -> dict[str, Any]:
    return {
        "goal_kind": plan.goal_kind,
        "goal_value": str(plan.goal_value),
        "shares": dict(plan.shares),
        "overrides": {c: dict(v) for c, v in plan.overrides.items()},
    }


def _check_leniently(given: dict[str, Any]) -> tuple[CheckedPlan | None, dict[str, list[str]]]:
    """Check; on errors, check again without the fields in error, so the preview still shows
    the plan for everything that is valid (and the messages beside the fields)."""
    checked, errors = plan_check(**given)
    if not errors:
        return checked, {}
    shares = {c: v for c, v in given["shares"].items() if f"shares.{c}" not in errors}
    overrides = {
        c: {k: v for k, v in inputs.items() if f"overrides.{c}.{k}" not in errors}
        for c, inputs in given["overrides"].items()
        if f"overrides.{c}" not in errors
    }
    retry, _errors = plan_check(
        goal_kind=given["goal_kind"], goal_value=given["goal_value"], shares=shares,
        overrides=overrides,
    )  # fmt: skip
    return retry, errors


def _field_value(given: dict[str, Any], channel: str, key: str) -> str:
    raw = given["overrides"].get(channel, {}).get(key, "")
    if raw and key in RATE_INPUTS:
        try:
            return format((Decimal(raw) * 100).normalize(), "f")
        except InvalidOperation:
            return raw
    return raw


def _share_value(given: dict[str, Any], channel: str) -> str:
    raw = given["shares"].get(channel, "")
    try:
        return format((Decimal(raw) * 100).normalize(), "f") if raw else ""
    except InvalidOperation:
        return raw


@workspace_view(min_role=Role.VIEWER, post_role=Role.EDITOR)
def plan_page(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    membership = request.membership
    today = today_in(workspace.time_zone)
    current = Period.of_start("quarter", today)
    quarter = quarter_param(request, current)
    plan = plan_of_quarter(quarter)
    here = f"{reverse('kpiapp:plan', args=[workspace.slug])}?quarter={quarter.label}"
    data = request.POST if request.method == "POST" else request.GET
    editing = "goal_value" in data
    if editing:
        given = _given(data)
    elif plan is not None:
        given = _stored(plan)
    else:
        given = {"goal_kind": "mrr_new", "goal_value": "", "shares": {}, "overrides": {}}
    checked, errors = _check_leniently(given) if given["goal_value"] else (None, {})
    saving = request.method == "POST" and data.get("action") == "save"
    if saving and checked is not None and not errors:
        try:
            plan_save(membership=membership, quarter=quarter, checked=checked, today=today,
                      plan=plan)  # fmt: skip
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                errors.setdefault(field, []).extend(problems)
        else:
            messages.success(
                request,
                _("The plan for %(quarter)s was saved with its targets.")
                % {"quarter": period_name(quarter)},
            )
            return redirect(here)
    basis_month = plan.basis_month if plan else basis_month_for(quarter, today)
    result = plan_compute(checked, quarter, basis_month) if checked else None
    channels: list[dict[str, Any]] = []
    if result is not None:
        for index, channel in enumerate(result.channels, start=1):
            channels.append(
                {
                    "index": index,
                    "view": channel_display(channel, result, workspace.currency),
                    "share_field": _share_value(given, channel.name),
                    "fields": {
                        key: _field_value(given, channel.name, key) for key in channel.inputs
                    },
                }
            )
    pacing = plan_pacing(plan, today) if plan is not None else None
    for row in channels:
        name = row["view"].name
        row["errors"] = {key: errors.get(f"overrides.{name}.{key}", []) for key in row["fields"]}
        row["share_errors"] = errors.get(f"shares.{name}", [])
        row["pacing"] = {
            step: p
            for (step, channel), p in (pacing.by_step.items() if pacing else [])
            if channel == name
        }
    context = {
        "nav": "plan",
        "quarter": quarter,
        "is_current": quarter == current,
        "previous": quarter.previous(),
        "next": Period("quarter", quarter.first_month + 3),
        "plan": plan,
        "given": given,
        "goal_kinds": GoalKind.choices,
        "result": result,
        "channels": channels,
        "errors": errors,
        "error_list": [(f, m) for f, ms in errors.items() for m in ms],
        "mix_problem": mix_problem(result) if result else "",
        "cannot_save": incomplete(result) if result else [],
        "window": window_text(result) if result else "",
        "pacing": pacing,
        "bottleneck_step": STEP_NAMES[pacing.bottleneck[0]] if pacing and pacing.bottleneck else "",
        "can_edit": membership.has_role(Role.EDITOR),
        "step_names": STEP_NAMES,
    }
    status = 400 if saving or (errors and request.method == "POST") else 200
    return render(request, "kpiapp/plan.html", context, status=status)
