"""The audit log in words: one presenter turns an event into what a person reads, in their
language and the workspace's currency and time zone. The audit page, the members page's
recent changes, the CSV export and the API's `description` all use it, so no page shows a
field name, a code, a KPI key, a period code or Python data."""

from __future__ import annotations

import ast
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from accounts.models import (
    AuditAction,
    AuditEvent,
    BenchmarkSegment,
    Language,
    Workspace,
    audit_action_label,
)
from accounts.roles import Role
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.kpis.benchmark_words import reference_label
from kpiapp.kpis.benchmarks import library
from kpiapp.kpis.periods import Period, parse_period
from kpiapp.kpis.registry import KPI_BY_KEY
from kpiapp.models import AlertRule, CustomKpi
from kpiapp.models.alerts import AlertComparison, AlertKind, AlertRecipients, WebhookFormat
from kpiapp.models.custom_kpis import Aggregation, CustomKpiUnit
from kpiapp.models.deals import DealStage
from kpiapp.templatetags.kpi_format import kpi_value, number, percent

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # str or a lazy translation

# What the action filter offers: a noun-like title per action ("Member added"); the log's
# sentences use the verb phrases of `AuditAction` ("added a member").
ACTION_TITLES: dict[str, Promise] = {
    AuditAction.WORKSPACE_CREATED: gettext_lazy("Workspace created"),
    AuditAction.WORKSPACE_UPDATED: gettext_lazy("Workspace settings changed"),
    AuditAction.WORKSPACE_PINNED_KPIS: gettext_lazy("Dashboard KPIs chosen"),
    AuditAction.DASHBOARD_CREATED: gettext_lazy("Dashboard created"),
    AuditAction.DASHBOARD_RENAMED: gettext_lazy("Dashboard renamed"),
    AuditAction.DASHBOARD_DELETED: gettext_lazy("Dashboard deleted"),
    AuditAction.DASHBOARD_DEFAULT: gettext_lazy("Default dashboard chosen"),
    AuditAction.DASHBOARD_TILES: gettext_lazy("Dashboard KPIs changed"),
    AuditAction.SEGMENT_CREATED: gettext_lazy("Segment saved"),
    AuditAction.SEGMENT_DELETED: gettext_lazy("Segment deleted"),
    AuditAction.WORKSPACE_REQUIRE_2FA: gettext_lazy("Two-factor login rule changed"),
    AuditAction.WORKSPACE_EXPORTED: gettext_lazy("Workspace exported"),
    AuditAction.WORKSPACE_EXPORT_DOWNLOADED: gettext_lazy("Workspace export downloaded"),
    AuditAction.MEMBER_ADDED: gettext_lazy("Member added"),
    AuditAction.MEMBER_ROLE_CHANGED: gettext_lazy("Role changed"),
    AuditAction.MEMBER_REMOVED: gettext_lazy("Member removed"),
    AuditAction.MEMBER_LEFT: gettext_lazy("Workspace left"),
    AuditAction.ACCOUNT_DELETED: gettext_lazy("Login deleted"),
    AuditAction.MEMBER_TWO_FACTOR_ON: gettext_lazy("Own two-factor login turned on"),
    AuditAction.MEMBER_TWO_FACTOR_OFF: gettext_lazy("Own two-factor login turned off"),
    AuditAction.INVITATION_SENT: gettext_lazy("Invitation sent"),
    AuditAction.INVITATION_ACCEPTED: gettext_lazy("Invitation accepted"),
    AuditAction.INVITATION_REVOKED: gettext_lazy("Invitation revoked"),
    AuditAction.TOKEN_CREATED: gettext_lazy("API token created"),
    AuditAction.TOKEN_REVOKED: gettext_lazy("API token revoked"),
    AuditAction.REPORT_DELETED: gettext_lazy("Report deleted"),
    AuditAction.SHARE_LINK_CREATED: gettext_lazy("Share link created"),
    AuditAction.SHARE_LINK_REVOKED: gettext_lazy("Share link revoked"),
    AuditAction.TARGET_SET: gettext_lazy("Target set"),
    AuditAction.TARGET_CHANGED: gettext_lazy("Target changed"),
    AuditAction.TARGET_REMOVED: gettext_lazy("Target deleted"),
    AuditAction.BENCHMARK_SET: gettext_lazy("Team benchmark set"),
    AuditAction.BENCHMARK_DELETED: gettext_lazy("Team benchmark deleted"),
    AuditAction.BENCHMARK_PICKED: gettext_lazy("Reference picked"),
    AuditAction.CUSTOM_KPI_CREATED: gettext_lazy("Own KPI defined"),
    AuditAction.CUSTOM_KPI_CHANGED: gettext_lazy("Own KPI changed"),
    AuditAction.CUSTOM_KPI_DELETED: gettext_lazy("Own KPI deleted"),
    AuditAction.IMPORT_STARTED: gettext_lazy("Import started"),
    AuditAction.IMPORT_FINISHED: gettext_lazy("Import finished"),
    AuditAction.IMPORT_FAILED: gettext_lazy("Import failed"),
    AuditAction.RECORD_DELETED: gettext_lazy("Record deleted"),
    AuditAction.SCORING_RULE_CREATED: gettext_lazy("Lead scoring rule added"),
    AuditAction.SCORING_RULE_CHANGED: gettext_lazy("Lead scoring rule changed"),
    AuditAction.SCORING_RULE_DELETED: gettext_lazy("Lead scoring rule deleted"),
    AuditAction.ALERT_CREATED: gettext_lazy("Alert set up"),
    AuditAction.ALERT_PAUSED: gettext_lazy("Alert paused"),
    AuditAction.ALERT_RESUMED: gettext_lazy("Alert resumed"),
    AuditAction.ALERT_DELETED: gettext_lazy("Alert deleted"),
    AuditAction.ANNOTATION_ADDED: gettext_lazy("Annotation added"),
    AuditAction.ANNOTATION_CHANGED: gettext_lazy("Annotation changed"),
    AuditAction.ANNOTATION_DELETED: gettext_lazy("Annotation deleted"),
}


def action_choices() -> list[tuple[str, Promise | str]]:
    return [(action, ACTION_TITLES.get(action, label)) for action, label in AuditAction.choices]


# The words for the detail keys the services write (model fields use their verbose_name).
DETAIL_LABELS: dict[str, StrOrPromise] = {
    "require_two_factor": Workspace._meta.get_field("require_two_factor").verbose_name,
    "role": gettext_lazy("Role"),
    "link": gettext_lazy("Link"),
    "name": gettext_lazy("Name"),
    "points": gettext_lazy("Points"),
    "unit": CustomKpi._meta.get_field("unit").verbose_name,
    "aggregation": CustomKpi._meta.get_field("aggregation").verbose_name,
    "recipients": AlertRule._meta.get_field("recipients").verbose_name,
    "webhook_format": AlertRule._meta.get_field("webhook_format").verbose_name,
}
_CHOICE_LABELS: dict[str, dict[str, StrOrPromise]] = {
    "role": dict(Role.choices),
    "language": dict(Language.choices),
    "benchmark_segment": dict(BenchmarkSegment.choices),
    "unit": dict(CustomKpiUnit.choices),
    "aggregation": dict(Aggregation.choices),
    "recipients": dict(AlertRecipients.choices),
    "webhook_format": dict(WebhookFormat.choices),
}
_TARGET_SUBJECT = re.compile(r"^(\S+) (\d{4}-Q[1-4])(?: \((.*)\))?$")
_BENCHMARK_SUBJECT = re.compile(r"^(\S+) \((month|quarter|year)\)$")
_GRAINS = {
    "month": gettext_lazy("per month"),
    "quarter": gettext_lazy("per quarter"),
    "year": gettext_lazy("per year"),
}


def on_off(value: object) -> str:
    return (
        pgettext("switch", "on")
        if value in (True, "True", "true", "on", 1)
        else pgettext("switch", "off")
    )


def period_words(period: Period) -> str:
    """A period as people say it: "Dez. 2026" / "Dec. 2026", "Q4 2026", "2026" (the one
    place that turns a period into words; its `label` is the code scripts use)."""
    if period.grain == "month":
        return date_format(period.start, "N Y")
    if period.grain == "quarter":
        return _("Q%(n)s %(year)s") % {
            "n": (period.start.month - 1) // 3 + 1,
            "year": period.start.year,
        }
    return str(period.start.year)


@dataclass
class AuditEntry:
    event: AuditEvent
    action: str  # the verb phrase: "changed a role"
    subject: str  # what it was done to, in words ("" if nothing)
    details: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Action, subject and details as one line (the CSV and the API's description)."""
        line = f"{self.action}: {self.subject}" if self.subject else self.action
        return f"{line} ({'; '.join(self.details)})" if self.details else line


class AuditPresenter:
    """Presents the events of one workspace (call inside its scope: own KPIs are read)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.zone = zoneinfo.ZoneInfo(workspace.time_zone)
        self._custom: dict[str, CustomKpi] | None = None

    # --- words for values ---------------------------------------------------------------

    def _customs(self) -> dict[str, CustomKpi]:
        if self._custom is None:
            self._custom = {k.key: k for k in CustomKpi.objects.all()}
        return self._custom

    def kpi_name(self, key: str) -> str:
        if key in KPI_BY_KEY:
            return str(KPI_BY_KEY[key].name)
        custom = self._customs().get(key)
        return custom.name if custom is not None else key

    def kpi_unit(self, key: str) -> str:
        if key in KPI_BY_KEY:
            return KPI_BY_KEY[key].unit
        custom = self._customs().get(key)
        return custom.unit if custom is not None else "number"

    def kpi_amount(self, key: str, value: object) -> str:
        if value in (None, ""):
            return "–"
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return kpi_value(amount, self.kpi_unit(key), self.workspace.currency)

    def moment(self, value: object) -> str:
        when = _as_datetime(value)
        if when is None:
            return str(value)
        return date_format(when.astimezone(self.zone), "SHORT_DATETIME_FORMAT")

    def value(self, key: str, value: object) -> str:
        """One detail value in words; never a repr."""
        if value in (None, "", [], {}):
            return "–"
        if key == "require_two_factor" or isinstance(value, bool):
            return on_off(value)
        special = self._special(key, value)
        if special is not None:
            return special
        if isinstance(value, list):
            return ", ".join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{self.label(k)}: {self.value(k, v)}" for k, v in value.items())
        if isinstance(value, int | float | Decimal):
            return number(value, 0 if float(value).is_integer() else 2)
        return str(value)

    def _special(self, key: str, value: object) -> str | None:
        """Values whose key says how to read them (a role, a share, a data kind, a time)."""
        if key in _CHOICE_LABELS:
            return str(_CHOICE_LABELS[key].get(str(value), value))
        if key == "gross_margin":
            try:
                return number(Decimal(str(value)) * 100, 0) + "\u00a0%"
            except InvalidOperation:
                return str(value)
        if key == "stage_probabilities":
            return self._stages(value)
        if key == "kind":
            kind = DATA_KINDS.get(str(value))
            return str(kind.label_plural) if kind else str(value)
        if key.endswith("_at"):
            return self.moment(value)
        return None

    def _stages(self, value: object) -> str:
        stages = _as_dict(value)
        if stages is None:
            return "–"
        labels = dict(DealStage.choices)
        return ", ".join(
            f"{labels.get(stage, stage)} {number(Decimal(str(p)) * 100, 0)}\u00a0%"
            for stage, p in stages.items()
        )

    def label(self, key: str) -> str:
        if key in DETAIL_LABELS:
            return capfirst(str(DETAIL_LABELS[key]))
        try:
            setting = Workspace._meta.get_field(key)
        except FieldDoesNotExist:  # an unknown key is shown as it is
            setting = None
        if isinstance(setting, models.Field):
            return capfirst(str(setting.verbose_name))
        return capfirst(key.replace("_", " "))

    # --- events -------------------------------------------------------------------------

    def present(self, event: AuditEvent) -> AuditEntry:
        data = dict(event.data or {})
        if isinstance(data.get("data"), dict):  # early share-link events nested their detail
            data.update(data.pop("data"))
        action = audit_action_label(event.action)
        kind = event.action.split(".", 1)[0]
        handler = getattr(self, f"_{kind}", None)
        if handler is not None:
            subject, details = handler(event, data)
        else:
            subject, details = event.subject, self._generic(data)
        return AuditEntry(event=event, action=action, subject=subject, details=details)

    def _generic(self, data: dict[str, object]) -> list[str]:
        parts = []
        if "old" in data or "new" in data:
            old, new = data.pop("old", None), data.pop("new", None)
            parts.append(f"{self.value('', old)} → {self.value('', new)}")
        for key, value in data.items():
            if isinstance(value, list) and len(value) == 2:  # a setting: [before, after]
                before, after = self.value(key, value[0]), self.value(key, value[1])
                parts.append(f"{self.label(key)}: {before} → {after}")
            elif value not in (None, "", [], {}):
                parts.append(f"{self.label(key)}: {self.value(key, value)}")
        return parts

    def _workspace(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        if event.action == AuditAction.WORKSPACE_PINNED_KPIS:

            def names(keys: Iterable[object] | None) -> str:
                if not keys:
                    return _("the standard selection")
                return ", ".join(self.kpi_name(str(k)) for k in keys)

            return event.subject, [f"{names(data.get('old'))} → {names(data.get('new'))}"]
        if event.action in (
            AuditAction.WORKSPACE_EXPORTED,
            AuditAction.WORKSPACE_EXPORT_DOWNLOADED,
        ):
            subject = event.subject.lstrip("#")
            return (_("export no. %(n)s") % {"n": subject} if subject else ""), []
        return event.subject, self._generic(data)

    def _dashboard(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        if event.action == AuditAction.DASHBOARD_TILES:

            def names(keys: Iterable[object] | None) -> str:
                if not keys or not isinstance(keys, list):
                    return _("the standard selection")
                return ", ".join(self.kpi_name(str(k)) for k in keys)

            return event.subject, [f"{names(data.get('old'))} → {names(data.get('new'))}"]
        return event.subject, self._generic(data)

    def _member(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        if event.action == AuditAction.MEMBER_ROLE_CHANGED:
            old, new = self.value("role", data.get("old")), self.value("role", data.get("new"))
            return event.subject, [f"{self.label('role')}: {old} → {new}"]
        return event.subject, self._generic(data)

    _invitation = _member

    def _target(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        key, quarter, dimension_value = data.pop("kpi", None), data.pop("quarter", None), ""
        dimension_value = str(data.pop("dimension_value", "") or "")
        found = _TARGET_SUBJECT.match(event.subject)
        if key is None and found:
            key, quarter, dimension_value = found[1], found[2], found[3] or ""
        if key is None:
            return event.subject, self._generic(data)
        subject = self.kpi_name(str(key))
        if quarter:
            grain, first = parse_period(str(quarter))
            subject += f", {period_words(Period(grain, first))}"
        if dimension_value:
            subject += f" ({dimension_value})"
        old, new = data.get("old"), data.get("new")
        if old in (None, "") and new in (None, ""):
            return subject, []
        if event.action == AuditAction.TARGET_REMOVED:
            return subject, [_("was %(value)s") % {"value": self.kpi_amount(str(key), old)}]
        if old in (None, ""):
            return subject, [self.kpi_amount(str(key), new)]
        return subject, [f"{self.kpi_amount(str(key), old)} → {self.kpi_amount(str(key), new)}"]

    def _benchmark(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        found = _BENCHMARK_SUBJECT.match(event.subject)
        if not found:
            return event.subject, self._generic(data)
        key = found[1]
        subject = f"{self.kpi_name(key)}, {_GRAINS[found[2]]}"
        if event.action == AuditAction.BENCHMARK_PICKED:
            row = next((r for r in library() if r.ref == data.get("ref")), None)
            return subject, [reference_label(row) if row else _("the default reference")]
        low, high = data.get("low"), data.get("high")
        if low in (None, ""):
            return subject, []
        if high in (None, ""):
            return subject, [self.kpi_amount(key, low)]
        return subject, [f"{self.kpi_amount(key, low)} – {self.kpi_amount(key, high)}"]

    def _custom_kpi(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        name = str(data.pop("name", "") or "") or self.kpi_name(event.subject)
        details = [
            f"{self.label(k)}: {self.value(k, data[k])}"
            for k in ("unit", "aggregation")
            if data.get(k)
        ]
        return name, details

    def _share_link(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        details = []
        if data.get("link"):
            details.append(f"{self.label('link')}: {data['link']}…")
        ends = _as_datetime(data.get("expires_at"))
        if ends is not None:  # the midnight after the last day the link lasts through
            last_day = (ends.astimezone(self.zone) - timedelta(microseconds=1)).date()
            details.append(
                _("valid until %(date)s") % {"date": date_format(last_day, "DATE_FORMAT")}
            )
        return event.subject, details

    def _import(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        details = []
        if data.get("kind"):
            details.append(self.value("kind", data["kind"]))
        words = {
            "rows": lambda n: ngettext("%(n)s row", "%(n)s rows", n),
            "created": lambda n: ngettext("%(n)s new", "%(n)s new", n),
            "updated": lambda n: ngettext("%(n)s updated", "%(n)s updated", n),
            "error_count": lambda n: ngettext("%(n)s error", "%(n)s errors", n),
        }
        for key, word in words.items():
            if isinstance(data.get(key), int):
                details.append(word(data[key]) % {"n": number(data[key])})
        return event.subject, details

    def _alert(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        key = data.get("kpi")
        if not key:
            return event.subject, self._generic(data)
        subject = self.kpi_name(str(key))
        if data.get("dimension_value"):
            subject += f" ({data['dimension_value']})"
        details = [self._alert_condition(str(key), data)]
        details += [
            f"{self.label(k)}: {self.value(k, data[k])}"
            for k in ("recipients", "webhook_format")
            if data.get(k)
        ]
        return subject, details

    def _alert_condition(self, key: str, data: dict) -> str:
        """The condition in words: “Above a value 10.000 €”, “Changes by more than 20 %
        (against the previous period)”, “Target at risk”."""
        kind = str(data.get("alert_kind") or "")
        words = str(dict(AlertKind.choices).get(kind, kind))
        if kind in (AlertKind.ABOVE, AlertKind.BELOW) and data.get("threshold") not in (None, ""):
            return f"{words} {self.kpi_amount(key, data['threshold'])}"
        if kind == AlertKind.CHANGE and data.get("change") not in (None, ""):
            against = dict(AlertComparison.choices).get(str(data.get("compare_with") or ""))
            words = f"{words} {percent(Decimal(str(data['change'])))}"
            if against:
                words += " (" + _("against %(c)s") % {"c": against} + ")"
        return words

    def _annotation(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        """“14. März 2026: Preiserhöhung”, with its KPI or “all charts”, and the old text."""
        try:
            day = date_format(date.fromisoformat(str(data.get("day"))), "DATE_FORMAT")
        except ValueError:
            day = ""
        subject = f"{day}: {event.subject}" if day else event.subject
        key = str(data.get("kpi") or "")
        details = [
            f"{_('KPI')}: {self.kpi_name(key)}" if key else _("on every chart"),
        ]
        if data.get("old_text"):
            details.append(_("before: %(text)s") % {"text": data["old_text"]})
        return subject, details

    def _record(self, event: AuditEvent, data: dict) -> tuple[str, list[str]]:
        kind = DATA_KINDS.get(event.object_type)
        subject = f"{kind.label}: {event.subject}" if kind and event.subject else event.subject
        return subject, self._generic(data)


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _as_dict(value: object) -> dict | None:
    """A stored setting: a dict, or (older events) its text."""
    if isinstance(value, dict):
        return value
    try:
        parsed = ast.literal_eval(str(value))
    except (ValueError, SyntaxError):
        return None
    return parsed if isinstance(parsed, dict) else None
