"""Every write on users, workspaces, memberships, invitations and tokens.

Each service is atomic, checks the rules that must hold (last owner, role ceilings), writes an
audit event in the same transaction and defers side effects such as email to the commit.
Permission to call a service at all (minimum role) is checked by the view's access call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import hooks
from accounts.audit import audit_record
from accounts.deletion import workspace_deletion_start
from accounts.models import (
    ApiToken,
    AuditAction,
    Invitation,
    InvitationStatus,
    Membership,
    User,
    Workspace,
)
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from accounts.tokens import hash_secret, new_secret

RESERVED_SLUGS = {"new", "admin", "api", "static", "accounts", "share", "w"}


# The older name of `audit_record`, still imported by kpiapp services.
audit = audit_record


# --- users ---------------------------------------------------------------------------------


def user_signup(*, email: str, password: str, name: str = "", language: str = "") -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address already exists.")})
    return User.objects.create_user(email=email, password=password, name=name, language=language)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete a login. Refused while the user is the only owner of a workspace with others in it;
    workspaces where they are the only member go with them."""
    for membership in user.memberships.select_related("workspace").filter(role=Role.OWNER):
        workspace = membership.workspace
        others = workspace.memberships.exclude(user=user)
        if not others.exists():
            _workspace_delete_in_background(workspace, user)
        elif not others.filter(role=Role.OWNER).exists():
            raise ValidationError(
                _(
                    "You are the only owner of “%(workspace)s”. Make another member an owner "
                    "or delete the workspace first."
                )
                % {"workspace": workspace.name}
            )
    for membership in user.memberships.select_related("workspace"):
        if membership.workspace.deleting_since is None:  # the others see who left and how
            audit_record(
                workspace=membership.workspace,
                actor=user,
                action=AuditAction.ACCOUNT_DELETED,
                subject=user.email,
            )
    hooks.user_changed(user)  # the teams they leave
    user.delete()


def user_profile_update(
    *, user: User, name: str | None = None, language: str | None = None
) -> User:
    """Change a login's name or language (the switcher in the header, the team lists)."""
    given = {"name": name, "language": language}
    changed = [field for field, value in given.items() if value is not None]
    for field in changed:
        setattr(user, field, given[field])
    user.full_clean(validate_unique=False, exclude=["password"])
    user.save(update_fields=changed)
    hooks.user_changed(user)
    return user


# --- workspaces ----------------------------------------------------------------------------


def unique_slug(name: str) -> str:
    base = slugify(name)[:40].strip("-") or "workspace"
    if base in RESERVED_SLUGS:
        base = f"{base}-team"
    slug, n = base, 2
    while Workspace.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@dataclass(frozen=True)
class WorkspaceSettings:
    name: str
    currency: str = "EUR"
    time_zone: str = "Europe/Berlin"
    gross_margin: Decimal = Decimal("0.800")
    language: str = "de"
    stage_probabilities: dict[str, str] | None = None  # None: leave as they are
    benchmark_segment: str | None = None
    activation_days: int | None = None  # None: leave as it is (KPIS.md 7)
    referral_channel: str | None = None


def _validated(workspace: Workspace, *, exclude: list[str] | None = None) -> Workspace:
    workspace.full_clean(exclude=exclude)
    return workspace


@transaction.atomic
def workspace_create(
    *, owner: User, settings_: WorkspaceSettings, slug: str | None = None
) -> Workspace:
    """Create a workspace; its creator becomes its owner."""
    slug = slug or unique_slug(settings_.name)
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This address is reserved. Please choose another.")})
    workspace = _validated(
        Workspace(
            name=settings_.name,
            slug=slug,
            currency=settings_.currency,
            time_zone=settings_.time_zone,
            gross_margin=settings_.gross_margin,
            language=settings_.language,
        )
    )
    workspace.save()
    with workspace_scope(workspace.id):
        Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)
    hooks.membership_changed(workspace_id=workspace.id, user_id=owner.pk)
    audit_record(workspace=workspace, actor=owner, action=AuditAction.WORKSPACE_CREATED)
    hooks.workspace_created(workspace)
    return workspace


@transaction.atomic
def workspace_update(*, actor: Membership, settings_: WorkspaceSettings) -> Workspace:
    workspace = actor.workspace
    fields = (
        "name",
        "currency",
        "time_zone",
        "gross_margin",
        "language",
        "stage_probabilities",
        "benchmark_segment",
        "activation_days",
        "referral_channel",
    )
    before = {f: str(getattr(workspace, f)) for f in fields}
    for field, value in vars(settings_).items():
        if value is not None:
            setattr(workspace, field, value)
    _validated(workspace).save()
    hooks.workspace_changed(workspace)
    after = {f: str(getattr(workspace, f)) for f in before}
    changed = {f: [before[f], after[f]] for f in before if before[f] != after[f]}
    if changed:
        audit_record(
            workspace=workspace,
            actor=actor.user,
            action=AuditAction.WORKSPACE_UPDATED,
            details=changed,
        )
        hooks.workspace_settings_changed(workspace, set(changed))
    return workspace


@transaction.atomic
def workspace_delete(*, actor: Membership, confirm_slug: str) -> None:
    """Delete a workspace for every member: it is closed at once, and a background job deletes
    its data table by table (`accounts.deletion`). A record of who deleted it stays."""
    if not actor.has_role(Role.OWNER):
        raise ValidationError(_("Only an owner can delete the workspace."))
    if confirm_slug.strip() != actor.workspace.slug:
        raise ValidationError({"confirm": _("Type the workspace address exactly to confirm.")})
    _workspace_delete_in_background(actor.workspace, actor.user)


def _workspace_delete_in_background(workspace: Workspace, actor: User) -> None:
    from accounts.tasks import delete_workspace

    if workspace_deletion_start(workspace=workspace, actor=actor) is not None:
        transaction.on_commit(lambda: delete_workspace.delay(workspace.id))


# --- memberships ---------------------------------------------------------------------------


def _owner_count(workspace: Workspace) -> int:
    # Locks the owner rows, so two concurrent demotions cannot both pass the check.
    with workspace_scope(workspace.id):
        return len(Membership.objects.select_for_update().filter(role=Role.OWNER))


def _check_may_assign(actor: Membership, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.OWNER and not actor.has_role(Role.OWNER):
        raise ValidationError({"role": _("Only an owner can make someone an owner.")})


@transaction.atomic
def membership_add(
    *, workspace: Workspace, user: User, role: str, actor: User | None
) -> Membership:
    with workspace_scope(workspace.id):
        membership, created = Membership.objects.get_or_create(user=user, defaults={"role": role})
    if created:
        hooks.membership_changed(workspace_id=workspace.id, user_id=user.pk)
        audit_record(
            workspace=workspace,
            actor=actor,
            action=AuditAction.MEMBER_ADDED,
            subject=user.email,
            role=role,
        )
    return membership


LAST_OWNER_MESSAGE = gettext_noop(
    "The workspace needs at least one owner. Make someone else an owner first."
)


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, actor: User | None) -> str:
    """Set a role and return the old one; the last owner stays an owner. No permission check:
    callers are `membership_change_role` (a member acting) or the command line."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    old = membership.role
    if old == role:
        return old
    if old == Role.OWNER and _owner_count(membership.workspace) <= 1:
        raise ValidationError(_(LAST_OWNER_MESSAGE))
    membership.role = role
    membership.save(update_fields=["role"])
    hooks.membership_changed(workspace_id=membership.workspace_id, user_id=membership.user_id)
    audit_record(
        workspace=membership.workspace,
        actor=actor,
        action=AuditAction.MEMBER_ROLE_CHANGED,
        subject=membership.user.email,
        old=old,
        new=role,
    )
    return old


@transaction.atomic
def membership_change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    """A member changes another's role. Only owners appoint or change owners."""
    _check_may_assign(actor, role)
    if membership.role == Role.OWNER and not actor.has_role(Role.OWNER):
        raise ValidationError(_("Only an owner can change another owner's role."))
    membership_set_role(membership=membership, role=role, actor=actor.user)
    return membership


@transaction.atomic
def membership_remove(*, actor: Membership, membership: Membership) -> None:
    """Remove a member, or leave (actor is the member). The last owner cannot go."""
    leaving = actor.pk == membership.pk
    if membership.role == Role.OWNER:
        if not leaving and not actor.has_role(Role.OWNER):
            raise ValidationError(_("Only an owner can remove another owner."))
        if _owner_count(membership.workspace) <= 1:
            raise ValidationError(_(LAST_OWNER_MESSAGE))
    if not leaving and not actor.has_role(Role.ADMIN):
        raise ValidationError(_("Only admins can remove members."))
    email = membership.user.email
    with workspace_scope(membership.workspace_id):
        ApiToken.objects.filter(user=membership.user).update(revoked_at=timezone.now())
    membership.delete()
    hooks.membership_changed(workspace_id=membership.workspace_id, user_id=membership.user_id)
    audit_record(
        workspace=actor.workspace,
        actor=actor.user,
        action=AuditAction.MEMBER_LEFT if leaving else AuditAction.MEMBER_REMOVED,
        subject=email,
    )


# --- invitations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    url: str


def invitation_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("accounts:invitation", args=[raw_token])


@transaction.atomic
def invitation_send(*, actor: Membership, email: str, role: str) -> SentInvitation:
    """Invite an email address with a role. A new invitation replaces a pending one."""
    email = email.strip().lower()
    _check_may_assign(actor, role)
    workspace = actor.workspace
    with workspace_scope(workspace.id):
        if Membership.objects.filter(user__email__iexact=email).exists():
            raise ValidationError({"email": _("This person is already a member.")})
        now = timezone.now()
        Invitation.objects.filter(email__iexact=email, accepted_at=None, revoked_at=None).update(
            revoked_at=now
        )
        raw = new_secret("inv")
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            token_hash=hash_secret(raw),
            invited_by=actor.user,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
    url = invitation_url(raw)
    audit_record(
        workspace=workspace,
        actor=actor.user,
        action=AuditAction.INVITATION_SENT,
        subject=email,
        role=role,
    )
    transaction.on_commit(lambda: _send_invitation_email(invitation, url))
    return SentInvitation(invitation=invitation, url=url)


def _send_invitation_email(invitation: Invitation, url: str) -> None:
    # The invitee's language is unknown: write in the workspace's.
    with translation.override(invitation.workspace.language):
        context = {
            "invitation": invitation,
            "url": url,
            "inviter": invitation.invited_by.display_name if invitation.invited_by else "",
        }
        subject = _("Invitation to %(workspace)s on Kennzahl") % {
            "workspace": invitation.workspace.name
        }
        send_mail(
            subject=" ".join(subject.split()),  # a header: one line, whatever a name holds
            message=render_to_string("emails/invitation.txt", context),
            html_message=render_to_string("emails/invitation.html", context),
            from_email=None,
            recipient_list=[invitation.email],
        )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the workspace. The invitation is for one email address and is used once."""
    with workspace_scope(invitation.workspace_id):
        return _invitation_accept(invitation=invitation, user=user)


def _invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    status = invitation.status()
    if status != InvitationStatus.PENDING:
        raise ValidationError(_("This invitation is %(status)s.") % {"status": status.label})
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation is for %(email)s. Log in with that address to accept it.")
            % {"email": invitation.email}
        )
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        membership = Membership.objects.create(user=user, role=invitation.role)
        hooks.membership_changed(workspace_id=invitation.workspace_id, user_id=user.pk)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        workspace=invitation.workspace,
        actor=user,
        action=AuditAction.INVITATION_ACCEPTED,
        subject=user.email,
        role=membership.role,
    )
    return membership


@transaction.atomic
def invitation_signup_and_accept(
    *, invitation: Invitation, password: str, name: str, language: str = ""
) -> Membership:
    user = user_signup(email=invitation.email, password=password, name=name, language=language)
    return invitation_accept(invitation=invitation, user=user)


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> None:
    """Admins revoke pending invitations; one to become an owner only an owner (who alone can
    send it)."""
    if invitation.status() != InvitationStatus.PENDING:
        raise ValidationError(_("Only pending invitations can be revoked."))
    if invitation.role == Role.OWNER and not actor.has_role(Role.OWNER):
        raise ValidationError(_("Only an owner can revoke an invitation to become an owner."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        workspace=actor.workspace,
        actor=actor.user,
        action=AuditAction.INVITATION_REVOKED,
        subject=invitation.email,
    )


# --- API tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    key: str  # shown once, never stored


@transaction.atomic
def api_token_create(*, membership: Membership, name: str) -> CreatedToken:
    """Create an API key for one member of one workspace; the key is returned once."""
    raw = new_secret("kz")
    with workspace_scope(membership.workspace_id):
        token = ApiToken.objects.create(
            user=membership.user,
            name=name.strip() or _("API token"),
            prefix=raw[:10],
            key_hash=hash_secret(raw),
        )
    audit_record(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.TOKEN_CREATED,
        subject=token.name,
    )
    return CreatedToken(token=token, key=raw)


def _check_may_revoke_token(actor: Membership, token: ApiToken) -> None:
    """Everyone revokes their own tokens; admins another member's; an owner's only owners."""
    if token.user_id == actor.user_id:
        return
    if not actor.has_role(Role.ADMIN):
        raise ValidationError(_("Only admins can revoke another member's token."))
    with workspace_scope(actor.workspace_id):
        holder = Membership.objects.filter(user_id=token.user_id).values_list("role", flat=True)
        if holder.first() == Role.OWNER and not actor.has_role(Role.OWNER):
            raise ValidationError(_("Only an owner can revoke an owner's token."))


@transaction.atomic
def api_token_revoke(*, actor: Membership, token: ApiToken) -> None:
    _check_may_revoke_token(actor, token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            workspace=actor.workspace,
            actor=actor.user,
            action=AuditAction.TOKEN_REVOKED,
            subject=token.name,
        )
