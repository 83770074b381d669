"""Workspace settings pages, mounted under /w/<slug>/settings/."""

from django.urls import path

from accounts.views import members, tokens, two_factor, workspaces

app_name = "settings"

urlpatterns = [
    path("", workspaces.workspace_settings, name="general"),
    path("delete/", workspaces.workspace_delete, name="delete"),
    path("two-factor/", two_factor.workspace_requirement, name="two_factor"),
    path("members/", members.members, name="members"),
    path("members/invite/", members.invite, name="invite"),
    path("members/leave/", members.leave, name="leave"),
    path("members/<int:membership_id>/role/", members.change_role, name="change_role"),
    path("members/<int:membership_id>/remove/", members.remove_member, name="remove_member"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        members.revoke_invitation,
        name="revoke_invitation",
    ),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.revoke_token, name="revoke_token"),
]
