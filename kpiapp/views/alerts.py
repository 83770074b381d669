"""/w/<slug>/alerts/: the workspace's alerts and what they fired; editors set them up."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.forms.alerts import AlertRuleForm
from kpiapp.models import AlertRule
from kpiapp.selectors.alerts import alert_history, alert_rules
from kpiapp.selectors.targets import kpi_facts
from kpiapp.services.alerts import (
    alert_rule_create,
    alert_rule_delete,
    alert_rule_set_active,
    webhook_secret,
)


@workspace_view(min_role=Role.VIEWER, post_role=Role.EDITOR)
def alerts(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    membership = request.membership
    form = AlertRuleForm(facts=kpi_facts())
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("delete", "pause", "resume"):
            rule = get_object_or_404(AlertRule.objects, pk=request.POST.get("rule"))
            if action == "delete":
                alert_rule_delete(membership=membership, rule=rule)
                messages.success(request, _("The alert was deleted."))
            else:
                active = action == "resume"
                alert_rule_set_active(membership=membership, rule=rule, active=active)
                if active:
                    messages.success(request, _("The alert is active again."))
                else:
                    messages.success(request, _("The alert is paused: it fires nothing."))
            return redirect("kpiapp:alerts", workspace.slug)
        form = AlertRuleForm(request.POST, facts=kpi_facts())
        if form.is_valid():
            try:
                alert_rule_create(membership=membership, values=form.rule_values())
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The alert is set up."))
                return redirect("kpiapp:alerts", workspace.slug)
    page, events = alert_history(workspace, request.GET.get("page"))
    can_edit = membership.has_role(Role.EDITOR)
    context = {
        "nav": "alerts",
        "rules": alert_rules(),
        "page": page,
        "events": events,
        "form": form,
        "can_edit": can_edit,
        "secret": webhook_secret() if membership.has_role(Role.ADMIN) else None,
    }
    return render(request, "kpiapp/alerts.html", context, status=400 if form.errors else 200)
