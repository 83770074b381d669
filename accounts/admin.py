from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import (
    ApiToken,
    AuditEvent,
    DeletedWorkspaceRecord,
    Invitation,
    Membership,
    User,
    Workspace,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "language", "is_staff", "date_joined")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "language")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "currency", "time_zone", "language", "created_at")
    search_fields = ("name", "slug")
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "workspace",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("workspace",)
    search_fields = ("email",)
    exclude = ("token_hash",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "workspace", "last_used_at", "revoked_at")
    list_filter = ("workspace",)
    search_fields = ("name", "user__email")
    exclude = ("key_hash",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "workspace", "actor_label", "action", "subject")
    list_filter = ("workspace", "action")
    search_fields = ("subject", "actor_label")


@admin.register(DeletedWorkspaceRecord)
class DeletedWorkspaceRecordAdmin(admin.ModelAdmin):
    list_display = ("requested_at", "name", "slug", "deleted_by_label", "finished_at")
    search_fields = ("name", "slug", "deleted_by_label")
    readonly_fields = ("rows_deleted",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "workspace", "role", "created_at")
    list_filter = ("workspace", "role")
    search_fields = ("user__email", "workspace__name")
    raw_id_fields = ("user",)
