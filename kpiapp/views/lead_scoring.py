"""/w/<slug>/leads/scoring/: the lead scoring rules (editors add, change and delete them), the
hottest open leads with the reasons for each score, and the rules checked against history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.forms.lead_scoring import ScoringRuleForm, touchpoint_type_choices
from kpiapp.kpis.lead_scoring import SCORE_MAX, band_label
from kpiapp.kpis.periods import today_in
from kpiapp.models import LeadScoringRule
from kpiapp.selectors import lead_scoring as selectors
from kpiapp.services.lead_scoring import (
    scoring_rule_create,
    scoring_rule_delete,
    scoring_rule_update,
    scoring_rules_suggest,
)


def _rule_from(value: str | None) -> LeadScoringRule | None:
    if not value or not value.isdigit():
        return None
    return get_object_or_404(LeadScoringRule.objects, pk=int(value))


def _save(request: WorkspaceRequest, form: ScoringRuleForm, rule: LeadScoringRule | None) -> bool:
    if not form.is_valid():
        return False
    membership = request.membership
    try:
        if rule is None:
            scoring_rule_create(membership=membership, values=form.rule_values())
        else:
            scoring_rule_update(membership=membership, rule=rule, values=form.rule_values())
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


def _post(request: WorkspaceRequest) -> HttpResponse | ScoringRuleForm:
    """Handles the page's forms: a redirect when done, else the form with its errors."""
    slug = request.workspace.slug
    action = request.POST.get("action")
    rule = _rule_from(request.POST.get("rule"))
    if action == "delete" and rule is not None:
        scoring_rule_delete(membership=request.membership, rule=rule)
        messages.success(request, _("The rule was deleted."))
        return redirect("kpiapp:lead_scoring", slug)
    if action == "suggest":
        scoring_rules_suggest(membership=request.membership)
        return redirect("kpiapp:lead_scoring", slug)
    form = ScoringRuleForm(request.POST)
    if _save(request, form, rule if action == "update" else None):
        messages.success(request, _("The rule is saved; the scores below use it."))
        return redirect("kpiapp:lead_scoring", slug)
    return form


@workspace_view(min_role=Role.VIEWER, post_role=Role.EDITOR)
def lead_scoring(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    can_edit = request.membership.has_role(Role.EDITOR)
    editing = _rule_from(request.GET.get("edit")) if can_edit else None
    form = ScoringRuleForm(instance=editing) if editing else ScoringRuleForm()
    if request.method == "POST":
        handled = _post(request)
        if isinstance(handled, HttpResponse):
            return handled
        form = handled
        editing = (
            _rule_from(request.POST.get("rule")) if request.POST.get("action") == "update" else None
        )
    today = today_in(workspace.time_zone)
    page, hottest = selectors.hottest_leads(today, request.GET.get("page"))
    bands = selectors.backtest_bands(today)
    rules = selectors.scoring_rules()
    context = {
        "nav": "lead_scoring",
        "rules": [(rule, selectors.rule_condition(rule)) for rule in rules],
        "can_edit": can_edit,
        "form": form,
        "editing": editing,
        "touchpoint_types": touchpoint_type_choices(),
        "page": page,
        "hottest": hottest,
        "bands": [(band_label(band), band) for band in bands],
        "decided": sum(band.leads for band in bands),
        "chart": selectors.backtest_chart(bands),
        "score_max": SCORE_MAX,
        "decision_days": selectors.DECISION_DAYS,
    }
    return render(request, "kpiapp/lead_scoring.html", context, status=400 if form.errors else 200)
