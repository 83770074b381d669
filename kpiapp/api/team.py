"""The workspace's people and keys: members (admins change roles and remove), invitations
(admins send and revoke) and API tokens (each member their own; admins see all)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services
from accounts.models import ApiToken, Invitation, Membership
from accounts.roles import Role
from accounts.tenancy import current_workspace_id
from kpiapp.api.base import WorkspaceViewSet


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "created_at"]
        read_only_fields = ["id", "created_at"]


class MemberViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """Everyone sees the team; admins change roles (owners appoint owners) and remove."""

    serializer_class = MemberSerializer
    write_role = Role.ADMIN
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet:
        members = Membership.objects.filter(workspace_id=current_workspace_id())
        return members.select_related("user").order_by("user__email")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        given = MemberSerializer(membership, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        role = given.validated_data.get("role", membership.role)
        services.membership_change_role(actor=self.membership, membership=membership, role=role)
        membership.refresh_from_db()
        return Response(MemberSerializer(membership).data)

    def perform_destroy(self, instance: Membership) -> None:
        services.membership_remove(actor=self.membership, membership=instance)


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at", "status"]
        read_only_fields = ["id", "created_at", "expires_at", "status"]

    def get_status(self, invitation: Invitation) -> str:
        return str(invitation.status())


class InvitationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """Admins invite by email (a link by mail, valid for days) and revoke pending ones."""

    serializer_class = InvitationSerializer
    read_role = Role.ADMIN
    write_role = Role.ADMIN

    def scoped_queryset(self) -> QuerySet:
        return Invitation.objects.filter(workspace_id=current_workspace_id()).order_by(
            "-created_at"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = InvitationSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        sent = services.invitation_send(
            actor=self.membership,
            email=given.validated_data["email"],
            role=given.validated_data.get("role", Role.VIEWER),
        )
        return Response(InvitationSerializer(sent.invitation).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Invitation) -> None:
        services.invitation_revoke(actor=self.membership, invitation=instance)


class TokenSerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "owner", "created_at", "last_used_at"]
        read_only_fields = ["id", "prefix", "owner", "created_at", "last_used_at"]


class NewTokenSerializer(TokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown this once; only its hash is kept.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]


class TokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """A member's own API tokens (admins: everyone's). Create shows the key once; delete
    revokes."""

    serializer_class = TokenSerializer
    write_role = Role.VIEWER  # everyone may hold tokens for their own role

    def scoped_queryset(self) -> QuerySet:
        tokens = ApiToken.objects.filter(workspace_id=current_workspace_id(), revoked_at=None)
        membership = getattr(self, "membership", None)
        if membership is None or not membership.has_role(Role.ADMIN):
            tokens = self.own_rows(tokens)
        return tokens.select_related("user").order_by("-created_at", "-pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = TokenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        created = services.api_token_create(
            membership=self.membership, name=given.validated_data["name"]
        )
        body = NewTokenSerializer(created.token).data | {"key": created.key}
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        services.api_token_revoke(actor=self.membership, token=instance)
