"""Saved reports over the API: the reports the caller may see, their live content, comments,
share links (the creator and admins) and the caller's own email digests. The same services
and rules as the pages: `selectors.reports.access_report` decides who sees and changes what."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, filters, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Role
from kpiapp.api.base import WorkspaceViewSet
from kpiapp.api.filters import IdFilter
from kpiapp.kpis.periods import today_in
from kpiapp.kpis.registry import KPI_BY_KEY, decimals_for
from kpiapp.models import (
    Cadence,
    Comparison,
    DigestSubscription,
    RangeKind,
    Report,
    ReportComment,
    ShareLink,
    Visibility,
)
from kpiapp.selectors.reports import (
    ReportContent,
    access_report,
    can_edit_report,
    report_content,
    visible_reports,
)
from kpiapp.selectors.targets import kpi_facts
from kpiapp.services.digests import digest_subscribe, digest_unsubscribe
from kpiapp.services.reports import (
    REPORT_TEMPLATES,
    comment_add,
    comment_delete,
    report_create,
    report_delete,
    report_duplicate,
    report_update,
    template_values,
)
from kpiapp.services.share_links import share_link_create, share_link_revoke


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class SectionSerializer(serializers.Serializer):
    kpi = serializers.CharField(max_length=60)
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ReportSerializer(serializers.ModelSerializer):
    """A report's settings. On create, `template` (monthly, quarterly, annual) fills every
    field not given; `range` is the period range as PRODUCT.md writes it (read-only)."""

    owner = PersonSerializer(read_only=True, allow_null=True)
    sections = SectionSerializer(many=True, required=False)
    range = serializers.CharField(source="range_code", read_only=True)
    can_edit = serializers.SerializerMethodField()
    visibility = serializers.ChoiceField(Visibility.choices, required=False)
    language = serializers.ChoiceField([("de", "Deutsch"), ("en", "English")], required=False)
    grain = serializers.ChoiceField(["month", "quarter", "year"], required=False)
    range_kind = serializers.ChoiceField(RangeKind.choices, required=False)
    comparison = serializers.ChoiceField(Comparison.choices, required=False)
    template = serializers.ChoiceField(
        [("", ""), *((k, k) for k in REPORT_TEMPLATES)], required=False, allow_blank=True
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "title",
            "owner",
            "visibility",
            "language",
            "grain",
            "range",
            "range_kind",
            "range_months",
            "start_period",
            "end_period",
            "dimension",
            "dimension_value",
            "segment",
            "comparison",
            "include_targets",
            "sections",
            "template",
            "created_at",
            "updated_at",
            "can_edit",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"title": {"required": False}}

    def get_can_edit(self, report: Report) -> bool:
        membership = self.context.get("membership")
        return membership is not None and can_edit_report(membership, report)


class RowSerializer(serializers.Serializer):
    period = serializers.CharField()
    value = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    # DRF's metaclass takes declared fields off the class: this is not `Serializer.partial`.
    partial = serializers.BooleanField()  # type: ignore[assignment]  # a field
    compare_period = serializers.CharField(allow_null=True)
    compare_value = serializers.CharField(allow_null=True)
    change = serializers.CharField(
        allow_null=True,
        help_text="relative, points for rates, or the difference in the KPI's unit from a base "
        "of 0 or below (change_absolute)",
    )
    change_in_points = serializers.BooleanField()
    change_absolute = serializers.BooleanField()
    target = serializers.CharField(allow_null=True)


class ContentSectionSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    note = serializers.CharField()
    filtered = serializers.BooleanField()
    missing = serializers.CharField(
        help_text="why a segment of several conditions cannot show this KPI (else empty)"
    )
    partly = serializers.CharField(
        help_text="under several conditions: the one this KPI shows (else empty)"
    )
    status = serializers.CharField(allow_null=True, help_text="the last quarter against target")
    rows = RowSerializer(many=True)


class ContentSerializer(serializers.Serializer):
    report = serializers.IntegerField()
    today = serializers.DateField()
    grain = serializers.CharField()
    currency = serializers.CharField()
    periods = serializers.ListField(child=serializers.CharField())
    sections = ContentSectionSerializer(many=True)
    missing_kpis = serializers.ListField(child=serializers.CharField())


def _decimal(value: Any, places: int) -> str | None:
    return None if value is None else f"{value:.{places}f}"


def content_json(content: ReportContent) -> dict[str, Any]:
    """The content as the series endpoint writes values: decimal strings, null with a reason."""
    sections = []
    for section in content.sections:
        kpi = section.kpi
        places = decimals_for(kpi.key, None if kpi.key in KPI_BY_KEY else kpi.unit)
        rows = [
            {
                "period": r.period.label,
                "value": _decimal(r.value, places),
                "reason": r.reason or None,
                "partial": r.partial,
                "compare_period": r.compare_period.label if r.compare_period else None,
                "compare_value": _decimal(r.compare_value, places),
                "change": _decimal(r.change, 6),
                "change_in_points": r.change_in_points,
                "change_absolute": r.change_absolute,
                "target": _decimal(r.target, places),
            }
            for r in section.rows
        ]
        sections.append(
            {
                "kpi": kpi.key,
                "name": str(kpi.name),
                "unit": kpi.unit,
                "note": section.note,
                "filtered": section.filtered,
                "missing": section.missing,
                "partly": section.partly,
                "status": section.pacing.status if section.pacing else None,
                "rows": rows,
            }
        )
    return {
        "report": content.report.pk,
        "today": content.today,
        "grain": content.report.grain,
        "currency": content.workspace.currency,
        "periods": [p.label for p in content.periods],
        "sections": sections,
        "missing_kpis": content.missing_kpis,
    }


class CommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True, allow_null=True)
    can_delete = serializers.SerializerMethodField()

    class Meta:
        model = ReportComment
        fields = ["id", "author", "body", "created_at", "can_delete"]
        read_only_fields = ["id", "created_at"]

    def get_can_delete(self, comment: ReportComment) -> bool:
        membership = self.context.get("membership")
        if membership is None:
            return False
        return comment.author_id == membership.user_id or membership.has_role(Role.ADMIN)


class ShareLinkSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()
    has_password = serializers.BooleanField(read_only=True)
    expires_on = serializers.DateField(
        source="last_day",
        required=False,
        allow_null=True,
        help_text="The last day the link works, in the workspace's time zone (default: 30 days).",
    )
    password = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = ShareLink
        fields = [
            "id",
            "label",
            "prefix",
            "expires_at",
            "expires_on",
            "password",
            "has_password",
            "allow_records",
            "revoked_at",
            "view_count",
            "last_viewed_at",
            "active",
        ]
        read_only_fields = [
            "id",
            "prefix",
            "expires_at",
            "revoked_at",
            "view_count",
            "last_viewed_at",
        ]
        extra_kwargs = {
            "expires_at": {
                "help_text": "The moment the link stops working: the midnight after expires_on in "
                "the workspace's time zone.",
            }
        }

    def get_active(self, link: ShareLink) -> bool:
        return link.is_active()


class NewShareLinkSerializer(ShareLinkSerializer):
    token = serializers.CharField(
        read_only=True, help_text="Shown this once; only its hash is kept."
    )
    url = serializers.CharField(read_only=True)

    class Meta(ShareLinkSerializer.Meta):
        fields = [*ShareLinkSerializer.Meta.fields, "token", "url"]


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Reports: shared ones and the caller's own private ones. Editors create and duplicate;
    the creator and admins change and delete; everyone comments; `…/content/` has the live
    values; `…/share-links/` (the creator and admins) the read-only links."""

    serializer_class = ReportSerializer
    write_role = Role.VIEWER  # comments by viewers; each write checks its own rule
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, filters.OrderingFilter]
    # The owner by id, not a choice among every user (which would read and reveal them).
    filterset_class = type(
        "ReportFilter",
        (django_filters.FilterSet,),
        {
            "owner": IdFilter(field_name="owner_id"),
            "Meta": type("Meta", (), {"model": Report, "fields": ["visibility"]}),
        },
    )
    search_fields = ["title"]
    ordering_fields = ["updated_at", "title", "created_at"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet:
        membership = getattr(self, "membership", None)
        if membership is None:
            return Report.objects.none()
        return visible_reports(membership).order_by("-updated_at", "-id")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "membership": getattr(self, "membership", None)}

    def _given(self, request: Request, *, partial: bool) -> dict[str, Any]:
        given = ReportSerializer(data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        if "sections" in data:
            data["sections"] = [dict(s) for s in data["sections"]]
        return data

    def _answer(self, report: Report, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(report).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.membership.has_role(Role.EDITOR):
            raise exceptions.PermissionDenied("Editors create reports.")
        data = self._given(request, partial=False)
        template = data.get("template")
        if template:
            data = template_values(template, language=self.workspace.language) | data
        report = report_create(membership=self.membership, data=data)
        return self._answer(report, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = access_report(self.membership, self.get_object().pk, for_write=True)
        data = self._given(request, partial=kwargs.get("partial", False))
        report = report_update(membership=self.membership, report=report, data=data)
        return self._answer(report)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = access_report(self.membership, self.get_object().pk, for_write=True)
        report_delete(membership=self.membership, report=report)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def duplicate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A private copy for the caller (editors)."""
        if not self.membership.has_role(Role.EDITOR):
            raise exceptions.PermissionDenied("Editors duplicate reports.")
        copy = report_duplicate(membership=self.membership, report=self.get_object())
        return self._answer(copy, status.HTTP_201_CREATED)

    @extend_schema(responses=ContentSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def content(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The report's values today: money in major units, rates as fractions."""
        workspace = self.workspace
        content = report_content(
            report=self.get_object(),
            workspace=workspace,
            today=today_in(workspace.time_zone),
            kpis=kpi_facts(),
        )
        return Response(ContentSerializer(content_json(content)).data)

    @extend_schema(methods=["GET"], responses=CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def comments(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        context = {"membership": self.membership}
        if request.method == "GET":
            comments = ReportComment.objects.filter(report=report).select_related("author")
            page = self.paginate_queryset(comments.order_by("created_at", "id"))
            return self.get_paginated_response(
                CommentSerializer(page, many=True, context=context).data
            )
        given = CommentSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        comment = comment_add(
            membership=self.membership, report=report, body=given.validated_data["body"]
        )
        return Response(
            CommentSerializer(comment, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"comments/(?P<comment_id>[0-9]+)",
        filter_backends=[],
    )
    def comment(self, request: Request, *args: Any, comment_id: str, **kwargs: Any) -> Response:
        """Remove a comment (its author or an admin)."""
        report = self.get_object()
        comment = get_object_or_404(ReportComment.objects, pk=int(comment_id), report=report)
        comment_delete(membership=self.membership, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=ShareLinkSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=ShareLinkSerializer, responses={201: NewShareLinkSerializer}
    )
    @action(detail=True, methods=["get", "post"], url_path="share-links", filter_backends=[])
    def share_links(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The creator and admins list links and create one; its token is shown once."""
        report = access_report(self.membership, self.get_object().pk, for_write=True)
        if request.method == "GET":
            page = self.paginate_queryset(
                ShareLink.objects.filter(report=report).select_related("workspace").order_by("-id")
            )
            return self.get_paginated_response(ShareLinkSerializer(page, many=True).data)
        given = ShareLinkSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        created = share_link_create(
            membership=self.membership,
            report=report,
            label=values.get("label", ""),
            expires_on=values.get("last_day"),
            password=values.get("password", ""),
            allow_records=values.get("allow_records", False),
        )
        body = NewShareLinkSerializer(created.link).data | {
            "token": created.token,
            "url": created.url,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"share-links/(?P<link_id>[0-9]+)",
        filter_backends=[],
    )
    def share_link(self, request: Request, *args: Any, link_id: str, **kwargs: Any) -> Response:
        """Revoke a link: it answers 404 from then on; the row stays for the record."""
        report = access_report(self.membership, self.get_object().pk, for_write=True)
        link = get_object_or_404(ShareLink.objects, pk=int(link_id), report=report)
        share_link_revoke(membership=self.membership, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DigestSerializer(serializers.ModelSerializer):
    report = serializers.IntegerField(source="report_id")
    report_title = serializers.CharField(source="report.title", read_only=True)
    cadence = serializers.ChoiceField(Cadence.choices)

    class Meta:
        model = DigestSubscription
        fields = ["id", "report", "report_title", "cadence", "created_at"]
        read_only_fields = ["id", "created_at"]


class DigestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """The caller's own email digests: a report (with a relative range) weekly, monthly or
    quarterly. Viewers subscribe too."""

    serializer_class = DigestSerializer
    write_role = Role.VIEWER
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet:
        mine = self.own_rows(DigestSubscription.objects.all())
        return mine.select_related("report").order_by("id")

    def _subscribe(self, request: Request, report_id: int, cadence: str) -> DigestSubscription:
        report = visible_reports(self.membership).filter(pk=report_id).first()
        if report is None:
            raise exceptions.ValidationError({"report": ["There is no such report."]})
        return digest_subscribe(membership=self.membership, report=report, cadence=cadence)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = DigestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        subscription = self._subscribe(request, values["report_id"], values["cadence"])
        return Response(DigestSerializer(subscription).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        subscription = self.get_object()
        given = DigestSerializer(subscription, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        cadence = given.validated_data.get("cadence", subscription.cadence)
        subscription = self._subscribe(request, subscription.report_id, cadence)
        return Response(DigestSerializer(subscription).data)

    def perform_destroy(self, instance: DigestSubscription) -> None:
        digest_unsubscribe(subscription=instance)
