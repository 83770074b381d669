"""Callbacks that apps built on `accounts` register, so `accounts` never imports them.

`kpiapp` registers a recompute of the KPIs when a setting they use changes.
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import Workspace

SettingsChanged = Callable[[Workspace, set[str]], None]
_settings_changed: list[SettingsChanged] = []


def on_workspace_settings_changed(callback: SettingsChanged) -> SettingsChanged:
    if callback not in _settings_changed:
        _settings_changed.append(callback)
    return callback


def workspace_settings_changed(workspace: Workspace, fields: set[str]) -> None:
    for callback in _settings_changed:
        callback(workspace, fields)
