"""CSV import in the browser: upload → map columns → check (every error named) → import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_view
from accounts.requests import WorkspaceRequest
from accounts.roles import Role
from kpiapp.data_kinds import DATA_KINDS, DataKind
from kpiapp.forms.choices import choice_field
from kpiapp.imports.mapping import IGNORE, ImportFileError, parse_options
from kpiapp.imports.presets import PRESET_LABELS, PRESETS
from kpiapp.imports.reading import MAX_UPLOAD_BYTES
from kpiapp.models import ImportJob, ImportStatus
from kpiapp.services import imports as service


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8, comma or semicolon separated, with a header row; at most 20 MB."
        ),
    )
    preset = forms.ChoiceField(label=gettext_lazy("Preset"), required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "preset").choices = [("", _("None: map the columns myself"))] + [
            (name, PRESET_LABELS[name]) for name, kinds in PRESETS.items() if kind in kinds
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most 20 MB can be imported at once.")
                % {"size": round(upload.size / 1024 / 1024, 1)}
            )
        return upload


def _mapping_form(job: ImportJob, data: Any = None) -> forms.Form:
    spec = DATA_KINDS[job.kind].csv
    # Labels in the reader's language; the value stays the column's technical name.
    choices = [("", _("— choose —")), (IGNORE, _("Ignore this column"))] + [
        (f.name, f"{spec.label(f.name)} *" if f.required else str(spec.label(f.name)))
        for f in spec.fields
    ]
    form = forms.Form(data)
    for index, column in enumerate(job.header):
        form.fields[f"col_{index}"] = forms.ChoiceField(
            label=column,
            choices=choices,
            required=True,
            initial=job.columns.get(column, ""),
            error_messages={"required": _("Choose a field or “Ignore”.")},
        )
    lines = [
        f"{field}:{src}={dest}"
        for field, table in job.values.items()
        for src, dest in table.items()
    ]
    example = str(spec.value_example)
    attrs: dict[str, Any] = {"rows": 4}
    if example:
        attrs["placeholder"] = example
    form.fields["values"] = forms.CharField(
        label=_("Value mapping"),
        required=False,
        initial="\n".join(lines),
        widget=forms.Textarea(attrs=attrs),
        help_text=(
            _("One per line, FIELD:VALUE IN FILE=VALUE, e.g. %(example)s.") % {"example": example}
            if example
            else _("One per line, FIELD:VALUE IN FILE=VALUE.")
        ),
    )
    return form


def _examples(job: ImportJob) -> list[list[str]]:
    """Per column, its values in the first rows ("" for an empty cell)."""
    return [
        [row[i].strip() if i < len(row) else "" for row in job.sample]
        for i in range(len(job.header))
    ]


def _job(kind: DataKind, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, kind=kind.slug).first()
    if job is None:
        raise Http404("No such import.")
    return job


@workspace_view(min_role=Role.EDITOR)
def upload(request: WorkspaceRequest, kind: DataKind) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, kind=kind.slug)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            job = service.import_job_create(
                membership=request.membership,
                kind=kind.slug,
                filename=upload_file.name,
                data=upload_file.read(),
                preset=form.cleaned_data["preset"],
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect(
                "kpiapp:import_job",
                slug=request.workspace.slug,
                kind=kind.slug,
                job_id=job.pk,
            )
    recent = ImportJob.objects.filter(kind=kind.slug).defer("data")[:10]
    return render(
        request,
        "kpiapp/import_upload.html",
        {"nav": "data", "kind": kind, "form": form, "recent": recent},
        status=400 if form.errors else 200,
    )


@workspace_view(min_role=Role.EDITOR)
def job_page(request: WorkspaceRequest, kind: DataKind, job_id: int) -> HttpResponse:
    job = _job(kind, job_id)
    form = None
    if job.status in (ImportStatus.MAPPING, ImportStatus.CHECKED):
        form = _mapping_form(job, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                values = parse_options(
                    [], [ln for ln in form.cleaned_data["values"].splitlines() if ln.strip()]
                ).values
            except ImportFileError as error:
                form.add_error("values", str(error))
            else:
                columns = {
                    column: form.cleaned_data[f"col_{i}"] for i, column in enumerate(job.header)
                }
                service.import_job_set_mapping(job=job, columns=columns, values=values)
                return redirect(
                    "kpiapp:import_job",
                    slug=request.workspace.slug,
                    kind=kind.slug,
                    job_id=job.pk,
                )
    fields = form and list(
        zip([form[f"col_{i}"] for i in range(len(job.header))], _examples(job), strict=True)
    )
    return render(
        request,
        "kpiapp/import_job.html",
        {
            "nav": "data",
            "kind": kind,
            "job": job,
            "form": form,
            "column_fields": fields,
            "progress": service.import_progress(job.pk),
            "running": job.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING),
        },
        status=400 if form is not None and form.errors else 200,
    )


@workspace_view(min_role=Role.EDITOR)
@require_POST
def job_start(request: WorkspaceRequest, kind: DataKind, job_id: int) -> HttpResponse:
    job = _job(kind, job_id)
    try:
        service.import_job_start(job=job, actor=request.user)
    except service.ImportRequestError as error:
        messages.error(request, str(error))
    return redirect(
        "kpiapp:import_job",
        slug=request.workspace.slug,
        kind=kind.slug,
        job_id=job.pk,
    )


@workspace_view(min_role=Role.EDITOR)
@require_POST
def job_retry(request: WorkspaceRequest, kind: DataKind, job_id: int) -> HttpResponse:
    job = _job(kind, job_id)
    try:
        service.import_job_retry(job=job)
    except service.ImportRequestError as error:
        messages.error(request, str(error))
    return redirect(
        "kpiapp:import_job",
        slug=request.workspace.slug,
        kind=kind.slug,
        job_id=job.pk,
    )


@workspace_view(min_role=Role.EDITOR)
def job_status(request: WorkspaceRequest, kind: DataKind, job_id: int) -> JsonResponse:
    job = _job(kind, job_id)
    return JsonResponse({"status": job.status, "progress": service.import_progress(job.pk)})
