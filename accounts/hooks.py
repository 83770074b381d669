"""Callbacks that apps built on `accounts` register, so `accounts` never imports them.

`kpiapp` registers a recompute of the KPIs when a setting they use changes, and the parts of
a person's data export that live in its tables (reports, comments, digests, uploads).
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.access import memberships_of, workspace_member_ids
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


# What every page's header or a dashboard's team shows has changed: a membership, a user's
# name or language, a workspace's name. kpiapp bumps the versions of its cached pages.
PagesChanged = Callable[[set[int], set[int]], None]  # workspace ids, user ids
_pages_changed: list[PagesChanged] = []


def on_account_pages_changed(callback: PagesChanged) -> PagesChanged:
    if callback not in _pages_changed:
        _pages_changed.append(callback)
    return callback


def account_pages_changed(*, workspace_ids: set[int], user_ids: set[int]) -> None:
    for callback in _pages_changed:
        callback(workspace_ids, user_ids)


def membership_changed(*, workspace_id: int, user_id: int) -> None:
    """A member came, went or has another role: their workspace switcher, the team."""
    account_pages_changed(workspace_ids={workspace_id}, user_ids={user_id})


def user_changed(user: User) -> None:
    """A user's name or language: their own pages and those of every workspace they are in."""
    workspaces = set(memberships_of(user).values_list("workspace_id", flat=True))
    account_pages_changed(workspace_ids=workspaces, user_ids={user.pk})


def workspace_changed(workspace: Workspace) -> None:
    """A workspace's name or settings: its pages, and every member's workspace switcher."""
    members = set(workspace_member_ids(workspace.pk))
    account_pages_changed(workspace_ids={workspace.pk}, user_ids=members)


# A workspace was just created (inside its creation's transaction): kpiapp gives it the
# suggested lead scoring rules.
WorkspaceCreated = Callable[[Workspace], None]
_workspace_created: list[WorkspaceCreated] = []


def on_workspace_created(callback: WorkspaceCreated) -> WorkspaceCreated:
    if callback not in _workspace_created:
        _workspace_created.append(callback)
    return callback


def workspace_created(workspace: Workspace) -> None:
    for callback in _workspace_created:
        callback(workspace)
