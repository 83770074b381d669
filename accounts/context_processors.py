from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.models import Membership


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The workspace switcher and footer links, for every page."""
    context: dict[str, Any] = {
        "impressum_url": settings.IMPRESSUM_URL,
        "datenschutz_url": settings.DATENSCHUTZ_URL,
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": getattr(request, "membership", None),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["my_memberships"] = lambda: list(
            Membership.objects.filter(user=user, workspace__deleting_since__isnull=True)
            .select_related("workspace")
            .order_by("workspace__name")
        )
    return context
