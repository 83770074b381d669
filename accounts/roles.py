"""Roles of a workspace member, from least to most powerful."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    ADMIN = "admin", _("Admin")
    OWNER = "owner", _("Owner")


_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3, Role.OWNER: 4}


def role_rank(role: str) -> int:
    return _RANK[Role(role)]


def role_at_least(role: str, minimum: str) -> bool:
    return role_rank(role) >= role_rank(minimum)


ROLE_DESCRIPTIONS = {
    Role.VIEWER: _("Reads KPIs and reports, comments and subscribes to digests."),
    Role.EDITOR: _("Also changes data, targets and reports."),
    Role.ADMIN: _("Also manages members and workspace settings."),
    Role.OWNER: _("Also deletes the workspace and appoints owners."),
}
