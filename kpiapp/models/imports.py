"""An import in the browser: the uploaded file, its mapping, and how checking and importing went."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import WorkspaceOwned


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Columns to map")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(WorkspaceOwned):
    kind = models.CharField(max_length=30)
    filename = models.CharField(max_length=255)
    data = models.BinaryField()
    header = models.JSONField(default=list)
    sample = models.JSONField(default=list)  # the first rows, to show beside the mapping
    preset = models.CharField(max_length=40, blank=True)
    columns = models.JSONField(default=dict)  # source column -> field or "-"
    values = models.JSONField(default=dict)  # field -> {source value: stored value}
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    result = models.JSONField(default=dict)  # counts and errors of the last check or import
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a check or import is queued and when a worker takes it up and reports progress
    # (the sweeper fails a job whose heartbeat stopped), and how often a worker took it up.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the uploaded file was deleted (kpiapp.services.retention); the job's counts stay.
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="import_ws_created")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.kind})"
