"""Lead scoring rules: editors add, change and delete them (audited); a new workspace starts
with `DEFAULT_RULES` (README, "Lead scoring")."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.models import AuditAction, Membership, Workspace
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from kpiapp.models import LeadScoringRule, ScoringRuleKind, TouchpointType
from kpiapp.models.scoring import VALUE_KINDS

FIELDS = ("kind", "label", "points", "value", "minimum", "maximum")

# (kind, label, points, value, minimum, maximum): the rules every new workspace starts with.
# Fit favours the mid-sized DACH companies a B2B SaaS usually sells to; engagement rewards a
# demo, recent activity and a referral. All of them together reach more than 100, so a lead
# that does everything scores the full 100.
DEFAULT_RULES: tuple[tuple[str, Any, int, str, int | None, int | None], ...] = (
    ("company_size", gettext_lazy("50 to 1,000 employees"), 20, "", 50, 1000),
    ("company_size", gettext_lazy("Fewer than 10 employees"), -10, "", None, 9),
    ("country", gettext_lazy("Based in Germany"), 10, "DE", None, None),
    ("country", gettext_lazy("Based in Austria"), 5, "AT", None, None),
    ("country", gettext_lazy("Based in Switzerland"), 5, "CH", None, None),
    ("recent_touchpoints", gettext_lazy("Active in the last 30 days"), 10, "", 1, None),
    ("recent_touchpoints", gettext_lazy("3 or more touchpoints in 30 days"), 15, "", 3, None),
    ("touchpoint_type", gettext_lazy("Asked for a demo"), 30, "demo", None, None),
    ("touchpoint_type", gettext_lazy("Came through a referral"), 10, "referral", None, None),
)


def _normalised(values: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the kind uses; country codes in capitals; a type must exist."""
    kind = values.get("kind")
    clean = {name: values.get(name) for name in FIELDS}
    clean["label"] = " ".join(str(clean["label"] or "").split())
    clean["value"] = " ".join(str(clean["value"] or "").split())
    if kind not in VALUE_KINDS:
        clean["value"] = ""
    if kind not in (ScoringRuleKind.COMPANY_SIZE, ScoringRuleKind.RECENT_TOUCHPOINTS):
        clean["minimum"] = None
    if kind != ScoringRuleKind.COMPANY_SIZE:
        clean["maximum"] = None
    if kind == ScoringRuleKind.COUNTRY and clean["value"]:
        clean["value"] = clean["value"].upper()
        if len(clean["value"]) != 2 or not clean["value"].isalpha():
            raise ValidationError(
                {"value": _("Enter the country as its two-letter code, e.g. DE.")}
            )
    if kind == ScoringRuleKind.TOUCHPOINT_TYPE and clean["value"]:
        clean["value"] = _touchpoint_type(clean["value"])
    return clean


def _touchpoint_type(text: str) -> str:
    """A type by its key or its name in the active language ("demo", "Demo", "Anzeigenklick")."""
    wanted = text.casefold()
    for value, label in TouchpointType.choices:
        if wanted in (value, str(label).casefold()):
            return value
    raise ValidationError({"value": _("Choose one of the touchpoint types.")})


def _check_editor(membership: Membership) -> None:
    if not membership.has_role(Role.EDITOR):
        raise PermissionDenied


@transaction.atomic
def scoring_rule_create(*, membership: Membership, values: dict[str, Any]) -> LeadScoringRule:
    """An editor adds a rule; bad values raise ValidationError and store nothing."""
    _check_editor(membership)
    rule = LeadScoringRule(workspace_id=membership.workspace_id, **_normalised(values))
    rule.full_clean(exclude=["workspace"])
    rule.save()
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.SCORING_RULE_CREATED,
        subject=rule.label,
        points=rule.points,
    )
    return rule


@transaction.atomic
def scoring_rule_update(
    *, membership: Membership, rule: LeadScoringRule, values: dict[str, Any]
) -> LeadScoringRule:
    _check_editor(membership)
    before = {"name": rule.label, "points": rule.points}
    for name, value in _normalised(values).items():
        setattr(rule, name, value)
    rule.full_clean(exclude=["workspace"])
    rule.save()
    after = {"name": rule.label, "points": rule.points}
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.SCORING_RULE_CHANGED,
        subject=rule.label,
        name=changed.get("name"),
        points=changed.get("points"),
    )
    return rule


@transaction.atomic
def scoring_rule_delete(*, membership: Membership, rule: LeadScoringRule) -> None:
    _check_editor(membership)
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.SCORING_RULE_DELETED,
        subject=rule.label,
        points=rule.points,
    )
    rule.delete()


def scoring_rules_add_defaults(*, workspace: Workspace) -> list[LeadScoringRule]:
    """The suggested rules, named in the workspace's language. Part of creating a workspace,
    so not audited on their own."""
    with workspace_scope(workspace.pk), translation.override(workspace.language):
        rules = [
            LeadScoringRule(
                workspace_id=workspace.pk,
                kind=kind,
                label=str(label),
                points=points,
                value=value,
                minimum=minimum,
                maximum=maximum,
            )
            for kind, label, points, value, minimum, maximum in DEFAULT_RULES
        ]
        return LeadScoringRule.objects.bulk_create(rules)


def workspace_created(workspace: Workspace) -> None:
    """accounts' hook: a new workspace starts with the suggested rules."""
    scoring_rules_add_defaults(workspace=workspace)


@transaction.atomic
def scoring_rules_suggest(*, membership: Membership) -> list[LeadScoringRule]:
    """An editor of a workspace without rules (one made before lead scoring) takes the
    suggested rules; a workspace that has rules keeps them."""
    _check_editor(membership)
    if LeadScoringRule.objects.exists():
        return []
    rules = scoring_rules_add_defaults(workspace=membership.workspace)
    for rule in rules:
        audit_record(
            workspace=membership.workspace,
            actor=membership.user,
            action=AuditAction.SCORING_RULE_CREATED,
            subject=rule.label,
            points=rule.points,
        )
    return rules
