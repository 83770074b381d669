"""An owner's export of the whole workspace: every record kind as CSV in one ZIP file, made by
a background job and kept for a few days (`settings.WORKSPACE_EXPORT_KEEP_DAYS`)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class WorkspaceExport(WorkspaceOwned):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    done = models.PositiveIntegerField(default=0)  # files written so far
    total = models.PositiveIntegerField(default=0)  # files to write
    # In the database like uploaded import files: web and worker share no disk (STACK.md).
    data = models.BinaryField(default=b"", editable=False)
    size = models.PositiveBigIntegerField(default=0)
    manifest = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("workspace export")
        verbose_name_plural = _("workspace exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="export_ws_created")]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def expires_at(self) -> datetime:
        """When the nightly cleanup deletes it (services/retention.py)."""
        return self.created_at + timedelta(days=settings.WORKSPACE_EXPORT_KEEP_DAYS)
