"""Bump the page versions (`selectors.page_cache`) when what every page's header or a
dashboard's team shows changes: a membership, a user's name or language, a workspace's name."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from accounts.access import memberships_of, workspace_member_ids
from accounts.models import Membership, User, Workspace
from kpiapp.selectors.page_cache import pages_changed, user_pages_changed


def _membership_changed(sender: type, instance: Membership, **kwargs: Any) -> None:
    user_pages_changed(instance.user_id)  # their workspace switcher
    pages_changed(instance.workspace_id)  # the team on the dashboard


def _user_changed(sender: type, instance: User, **kwargs: Any) -> None:
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # every login saves this, and no page shows it
    user_pages_changed(instance.pk)
    for workspace_id in memberships_of(instance).values_list("workspace_id", flat=True):
        pages_changed(workspace_id)


def _workspace_changed(sender: type, instance: Workspace, **kwargs: Any) -> None:
    pages_changed(instance.pk)
    for user_id in workspace_member_ids(instance.pk):
        user_pages_changed(user_id)


def connect() -> None:
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="kz-pages-membership")
    post_delete.connect(
        _membership_changed, sender=Membership, dispatch_uid="kz-pages-membership-d"
    )
    post_save.connect(_user_changed, sender=User, dispatch_uid="kz-pages-user")
    post_save.connect(_workspace_changed, sender=Workspace, dispatch_uid="kz-pages-workspace")
