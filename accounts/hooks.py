"""Callbacks that apps built on `accounts` register, so `accounts` never imports them.

`kpiapp` registers a recompute of the KPIs when a setting they use changes, and the parts of
a person's data export that live in its tables (reports, comments, digests, uploads).
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import User, Workspace

SettingsChanged = Callable[[Workspace, set[str]], None]
_settings_changed: list[SettingsChanged] = []


def on_workspace_settings_changed(callback: SettingsChanged) -> SettingsChanged:
    if callback not in _settings_changed:
        _settings_changed.append(callback)
    return callback


def workspace_settings_changed(workspace: Workspace, fields: set[str]) -> None:
    for callback in _settings_changed:
        callback(workspace, fields)


# A person's own data in one workspace, for their data export: section name -> rows.
UserDataSections = Callable[[User, Workspace], dict[str, list[dict[str, object]]]]
_user_data: list[UserDataSections] = []


def on_user_data_export(callback: UserDataSections) -> UserDataSections:
    if callback not in _user_data:
        _user_data.append(callback)
    return callback


def user_data_sections(user: User, workspace: Workspace) -> dict[str, list[dict[str, object]]]:
    """Called inside the workspace's scope."""
    sections: dict[str, list[dict[str, object]]] = {}
    for callback in _user_data:
        sections.update(callback(user, workspace))
    return sections


# The audit log in words (kpiapp.selectors.audit_text): events -> entries with `action`,
# `subject`, `details`. Without a registered presenter (accounts alone), no entries.
AuditWords = Callable[[Workspace, list], list]
_audit_words: list[AuditWords] = []


def on_audit_words(callback: AuditWords) -> AuditWords:
    if callback not in _audit_words:
        _audit_words.append(callback)
    return callback


def audit_words(workspace: Workspace, events: list) -> list:
    for callback in _audit_words[-1:]:
        return callback(workspace, events)
    return []
