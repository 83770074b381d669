"""API tokens: every member manages their own; admins see and revoke all of the workspace."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.access import access_api_token
from accounts.decorators import workspace_view
from accounts.forms import ApiTokenForm
from accounts.models import ApiToken, Membership
from accounts.requests import WorkspaceRequest
from accounts.roles import Role


@workspace_view(min_role=Role.VIEWER)
def tokens(request: WorkspaceRequest) -> HttpResponse:
    actor: Membership = request.membership
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        created = services.api_token_create(membership=actor, name=form.cleaned_data["name"])
        new_key = created.key
        form = ApiTokenForm()
    listed = ApiToken.objects.filter(workspace=actor.workspace, revoked_at=None).select_related(
        "user"
    )
    if not actor.has_role(Role.ADMIN):
        listed = listed.filter(user=actor.user)
    return render(
        request,
        "accounts/settings_tokens.html",
        {
            "tab": "tokens",
            "form": form,
            "tokens": listed.order_by("-created_at"),
            "new_key": new_key,
        },
        status=400 if form.errors else 200,
    )


@workspace_view(min_role=Role.VIEWER)
@require_POST
def revoke_token(request: WorkspaceRequest, token_id: int) -> HttpResponse:
    actor: Membership = request.membership
    token = access_api_token(actor, token_id)
    try:
        services.api_token_revoke(actor=actor, token=token)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The token “%s” was revoked.") % token.name)
    return redirect("settings:tokens", slug=actor.workspace.slug)
