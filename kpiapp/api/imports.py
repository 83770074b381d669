"""CSV imports through the API: upload a file with a mapping (or a preset), then poll the job;
the whole file is checked first, and an import of a file checked without errors is started
with `…/start/`. The same jobs, checks and Celery tasks as the import pages."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import Role
from kpiapp.api.base import WorkspaceViewSet
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.imports.presets import PRESETS
from kpiapp.imports.reading import MAX_UPLOAD_BYTES, ImportFileError
from kpiapp.models import ImportJob
from kpiapp.services import imports as service


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="phase, done and total while it runs")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "filename",
            "preset",
            "header",
            "columns",
            "values",
            "status",
            "result",
            "progress",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, job: ImportJob) -> dict[str, Any]:
        return service.import_progress(job.pk)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="UTF-8 CSV with a header row, at most 20 MB")
    kind = serializers.ChoiceField(choices=sorted(DATA_KINDS))
    preset = serializers.ChoiceField(choices=sorted(PRESETS), required=False, allow_blank=True)
    columns = serializers.CharField(
        required=False,
        help_text='JSON: {"source column": "field" or "-" to ignore}; default: the proposal',
    )
    values = serializers.CharField(
        required=False, help_text='JSON: {"field": {"source value": "stored value"}}'
    )

    def _json(self, text: str, name: str) -> dict:
        try:
            value = json.loads(text)
        except ValueError:
            raise serializers.ValidationError({name: [_("Send a JSON object.")]}) from None
        if not isinstance(value, dict):
            raise serializers.ValidationError({name: [_("Send a JSON object.")]})
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("preset") and data["kind"] not in PRESETS[data["preset"]]:
            raise serializers.ValidationError(
                {"preset": [_("This preset is for other kinds of data.")]}
            )
        for name in ("columns", "values"):
            if name in data:
                data[name] = self._json(data[name], name)
        return data


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]
    read_role = Role.EDITOR  # as the import pages

    def scoped_queryset(self) -> QuerySet:
        return ImportJob.objects.defer("data").order_by("-created_at", "-pk")

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer, 413: None},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = request.FILES.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            return Response(
                {"detail": _("The file is larger than 20 MB; split it into parts.")},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        given = ImportUploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        with transaction.atomic():  # a refused mapping keeps nothing
            try:
                job = service.import_job_create(
                    membership=self.membership,
                    kind=data["kind"],
                    filename=data["file"].name,
                    data=data["file"].read(),
                    preset=data.get("preset") or "",
                )
            except ImportFileError as error:
                raise exceptions.ValidationError({"file": [str(error)]}) from None
            columns = {**job.columns, **data.get("columns", {})}
            unknown = ", ".join(sorted(set(columns) - set(job.header)))
            if unknown:
                raise exceptions.ValidationError(
                    {"columns": [_("Not in the file: %(columns)s.") % {"columns": unknown}]}
                )
            values = data.get("values", job.values)
            job = service.import_job_set_mapping(job=job, columns=columns, values=values)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"], parser_classes=[])
    def start(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Import a file whose check found no errors."""
        job = self.get_object()
        try:
            job = service.import_job_start(job=job, actor=self.caller)
        except service.ImportRequestError as error:
            raise exceptions.ValidationError({"status": [str(error)]}) from None
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"], parser_classes=[])
    def retry(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Check a failed job's file again; once the check finds no errors, `…/start/`."""
        job = self.get_object()
        try:
            job = service.import_job_retry(job=job)
        except service.ImportRequestError as error:
            raise exceptions.ValidationError({"status": [str(error)]}) from None
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
