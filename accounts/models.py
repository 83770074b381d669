"""Users, workspaces (the tenant), memberships with roles, invitations and API tokens."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, role_at_least
from accounts.tenancy import WorkspaceOwned


class Language(models.TextChoices):
    GERMAN = "de", "Deutsch"
    ENGLISH = "en", "English"


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro (EUR)")
    USD = "USD", _("US dollar (USD)")
    GBP = "GBP", _("Pound sterling (GBP)")
    CHF = "CHF", _("Swiss franc (CHF)")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def validate_one_line(value: str) -> None:
    """A name is one line of text: line breaks and other control characters are refused (they
    once reached an email subject, where they are not allowed)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError(_("Please use one line of text without line breaks or tabs."))


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # Email addresses are unique regardless of case; log in with any spelling.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in, by email address."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True, validators=[validate_one_line])
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=Language.choices,
        blank=True,
        help_text=_("Empty: the workspace's default, then your browser's."),
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message=_("An account with this email address already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email


class BenchmarkSegment(models.TextChoices):
    """BENCHMARKS.md: the built-in reference values differ by the company's stage and size."""

    EARLY = "early", _("Early stage")
    SMB = "smb", _("Small and medium businesses")
    MID_MARKET = "mid-market", _("Mid-market")
    ENTERPRISE = "enterprise", _("Enterprise")


# Weighted pipeline (KPIS.md section 4): the chance that an open deal in a stage is won.
DEFAULT_STAGE_PROBABILITIES = {
    "lead": "0.05",
    "qualified": "0.10",
    "demo": "0.20",
    "proposal": "0.40",
    "negotiation": "0.60",
}


def default_stage_probabilities() -> dict[str, str]:
    return dict(DEFAULT_STAGE_PROBABILITIES)


class Workspace(models.Model):
    """A team's tenant: every record, KPI, target and report belongs to exactly one."""

    name = models.CharField(_("name"), max_length=100, validators=[validate_one_line])
    slug = models.SlugField(
        _("address"),
        max_length=50,
        unique=True,
        help_text=_("Lower-case letters, digits and hyphens; part of the web address."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    gross_margin = models.DecimalField(
        _("gross margin"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.800"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("Share of revenue left after the cost of serving it, from 0 to 1."),
    )
    language = models.CharField(
        _("default language"), max_length=5, choices=Language.choices, default=Language.GERMAN
    )
    benchmark_segment = models.CharField(
        _("benchmark segment"),
        max_length=12,
        choices=BenchmarkSegment.choices,
        default=BenchmarkSegment.SMB,
        help_text=_("Which reference values your KPIs are compared with."),
    )
    pinned_kpis = models.JSONField(
        _("dashboard KPIs"), default=list, blank=True, help_text=_("Empty: the default set.")
    )
    stage_probabilities = models.JSONField(
        _("stage probabilities"),
        default=default_stage_probabilities,
        help_text=_("Chance that an open deal in each stage is won, from 0 to 1."),
    )
    require_two_factor = models.BooleanField(
        _("require two-factor login"),
        default=False,
        help_text=_("Every member confirms their login with a code from an authenticator app."),
    )
    activation_days = models.PositiveSmallIntegerField(
        _("activation window (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A new customer counts as activated when it reaches its first value within "
                    "this many days of being won."),
    )  # fmt: skip
    referral_channel = models.CharField(
        _("referral channel"),
        max_length=100,
        blank=True,
        validators=[validate_one_line],
        help_text=_("The channel whose customers count as referred. Empty: the channel named "
                    "“Referral”, else “Empfehlung”."),
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    # Set when an owner deletes the workspace: from then on nobody can open it, while a
    # background job deletes its data (accounts.deletion).
    deleting_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gross_margin__gte=0, gross_margin__lte=1),
                name="workspace_gross_margin_0_1",
                violation_error_message=_("The gross margin lies between 0 and 100 percent."),
            ),
            models.CheckConstraint(
                condition=models.Q(activation_days__gte=1, activation_days__lte=365),
                name="workspace_activation_days_1_365",
                violation_error_message=_("The activation window lies between 1 and 365 days."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(WorkspaceOwned):
    """A user's place in a workspace, with a role. Read across workspaces (by user) only in
    `accounts.access`; everywhere else through the scoped manager."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "workspace"],
                name="membership_unique",
                violation_error_message=_("This person is already a member of the workspace."),
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="membership_role_valid",
                violation_error_message=_("Choose one of the roles."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    def has_role(self, minimum: str) -> bool:
        return role_at_least(self.role, minimum)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")


class Invitation(WorkspaceOwned):
    """An invitation by email link. Only a hash of the link's token is stored; the link is
    resolved (unscoped, by its token) in `accounts.access` only."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="invitation_role_valid",
                violation_error_message=_("Choose one of the roles."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace}"

    def status(self, now: datetime | None = None) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING


class ApiToken(WorkspaceOwned):
    """A REST API key for one member of one workspace. Only its SHA-256 is stored; the key is
    resolved (unscoped, by its hash) in `accounts.access` only."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, validators=[validate_one_line])
    prefix = models.CharField(max_length=12, help_text=_("The start of the key, to recognise it."))
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditAction(models.TextChoices):
    """The action keys of the audit log, each described in words (the page never shows keys).
    The field itself has no choices, so a new key needs no migration; an unknown key is shown
    as it is."""

    WORKSPACE_CREATED = "workspace.created", _("created the workspace")
    WORKSPACE_UPDATED = "workspace.updated", _("changed the workspace settings")
    WORKSPACE_PINNED_KPIS = "workspace.pinned_kpis", _("chose the dashboard KPIs")
    DASHBOARD_CREATED = "dashboard.created", _("created a dashboard")
    DASHBOARD_RENAMED = "dashboard.renamed", _("renamed a dashboard")
    DASHBOARD_DELETED = "dashboard.deleted", _("deleted a dashboard")
    DASHBOARD_DEFAULT = "dashboard.default", _("chose the default dashboard")
    DASHBOARD_TILES = "dashboard.tiles", _("changed a dashboard's KPIs")
    SEGMENT_CREATED = "segment.created", _("saved a segment")
    SEGMENT_DELETED = "segment.deleted", _("deleted a segment")
    WORKSPACE_REQUIRE_2FA = "workspace.require_2fa", _("changed the two-factor login rule")
    WORKSPACE_EXPORTED = "workspace.exported", _("exported the whole workspace")
    WORKSPACE_EXPORT_DOWNLOADED = "workspace.export_downloaded", _("downloaded a workspace export")
    MEMBER_ADDED = "member.added", _("added a member")
    MEMBER_ROLE_CHANGED = "member.role_changed", _("changed a role")
    MEMBER_REMOVED = "member.removed", _("removed a member")
    MEMBER_LEFT = "member.left", _("left the workspace")
    ACCOUNT_DELETED = "member.account_deleted", _("deleted their login")
    MEMBER_TWO_FACTOR_ON = "member.two_factor_on", _("turned on two-factor login for themselves")
    MEMBER_TWO_FACTOR_OFF = "member.two_factor_off", _("turned off two-factor login for themselves")
    INVITATION_SENT = "invitation.sent", _("sent an invitation")
    INVITATION_ACCEPTED = "invitation.accepted", _("accepted an invitation")
    INVITATION_REVOKED = "invitation.revoked", _("revoked an invitation")
    TOKEN_CREATED = "token.created", _("created an API token")
    TOKEN_REVOKED = "token.revoked", _("revoked an API token")
    REPORT_DELETED = "report.deleted", _("deleted a report")
    SHARE_LINK_CREATED = "share_link.created", _("created a share link")
    SHARE_LINK_REVOKED = "share_link.revoked", _("revoked a share link")
    TARGET_SET = "target.set", _("set a target")
    TARGET_CHANGED = "target.changed", _("changed a target")
    TARGET_REMOVED = "target.removed", _("deleted a target")
    BENCHMARK_SET = "benchmark.set", _("set a team benchmark")
    BENCHMARK_DELETED = "benchmark.deleted", _("deleted a team benchmark")
    BENCHMARK_PICKED = "benchmark.picked", _("picked the reference of a KPI")
    CUSTOM_KPI_CREATED = "custom_kpi.created", _("defined an own KPI")
    CUSTOM_KPI_CHANGED = "custom_kpi.changed", _("changed an own KPI")
    CUSTOM_KPI_DELETED = "custom_kpi.deleted", _("deleted an own KPI")
    IMPORT_STARTED = "import.started", _("started an import")
    IMPORT_FINISHED = "import.finished", _("finished an import")
    IMPORT_FAILED = "import.failed", _("started an import that failed")
    RECORD_DELETED = "record.deleted", _("deleted a record")
    SCORING_RULE_CREATED = "scoring_rule.created", _("added a lead scoring rule")
    SCORING_RULE_CHANGED = "scoring_rule.changed", _("changed a lead scoring rule")
    SCORING_RULE_DELETED = "scoring_rule.deleted", _("deleted a lead scoring rule")
    ALERT_CREATED = "alert.created", _("set up an alert")
    ALERT_PAUSED = "alert.paused", _("paused an alert")
    ALERT_RESUMED = "alert.resumed", _("resumed an alert")
    ALERT_DELETED = "alert.deleted", _("deleted an alert")
    ANNOTATION_ADDED = "annotation.added", _("added an annotation")
    ANNOTATION_CHANGED = "annotation.changed", _("changed an annotation")
    ANNOTATION_DELETED = "annotation.deleted", _("deleted an annotation")


def audit_action_label(action: str) -> str:
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action


class AuditEvent(WorkspaceOwned):
    """Who changed what in a workspace, written in the same transaction as the change
    (`accounts.audit.audit_record`). Goes with its workspace; the deletion of a workspace
    itself is kept in `DeletedWorkspaceRecord`."""

    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    # Kept when the user is deleted, so the log still says who it was.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    subject = models.CharField(max_length=254, blank=True)  # the object's label
    data = models.JSONField(default=dict, blank=True)  # details: before/after, counts, role
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["workspace", "-created_at"], name="audit_ws_created")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.subject}"

    @property
    def description(self) -> str:
        return audit_action_label(self.action)


class DeletedWorkspaceRecord(models.Model):
    """What is left of a deleted workspace: its name, address and who deleted it when.

    Not an `AuditEvent` with its workspace set to null: audit events belong to exactly one
    live workspace (fail-closed scoping, deleted with it), and a deleted workspace has no
    members left who could read its log. This row is for the operators (admin only)."""

    workspace_id = models.PositiveBigIntegerField(db_index=True)
    name = models.CharField(max_length=100)
    slug = models.CharField(max_length=50)
    deleted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_by_label = models.CharField(max_length=254, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_deleted = models.JSONField(default=dict, blank=True)  # table -> rows

    class Meta:
        verbose_name = _("deleted workspace")
        verbose_name_plural = _("deleted workspaces")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"
