"""Bump the page versions (`pagecache.versions`) when what every page's header shows
changes: a membership, a user's name or language, a workspace's name.
`accounts` services announce those changes through `accounts.hooks`; apps.py registers this."""

from __future__ import annotations

from kpiapp.pagecache.versions import pages_changed, user_pages_changed


def account_pages_changed(workspace_ids: set[int], user_ids: set[int]) -> None:
    for workspace_id in workspace_ids:
        pages_changed(workspace_id)
    for user_id in user_ids:
        user_pages_changed(user_id)
