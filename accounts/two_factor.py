"""Two-factor login with django-otp: an authenticator app (TOTP) and one-time recovery codes.

A person has two-factor login on when they have a *confirmed* TOTP device. Their recovery codes
are the tokens of one static device. Codes are checked against one device chosen by the code's
shape (six digits: the app; else a recovery code), so a recovery code never counts as a failure
of the app's device (django-otp throttles each device after a failure).

Every code a person types (login, turning it off, new recovery codes) goes through `check`,
which also counts failures per user and per address (`accounts.lockout`).
"""

from __future__ import annotations

import re
import time
from base64 import b32encode
from dataclasses import dataclass
from typing import TypeGuard

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

import segno
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import hooks, lockout
from accounts.access import memberships_of, workspace_member_ids
from accounts.models import AuditAction, Membership, User, Workspace
from accounts.roles import Role
from accounts.services import audit

RECOVERY_CODES = 10
_APP_CODE = re.compile(r"^\d{6}$")
PENDING_KEY = "two_factor_pending"


class CodeLocked(Exception):
    """Too many wrong codes for this person or from this address: wait for the cool-off."""


# --- reads --------------------------------------------------------------------------------------


def enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def needs_code(user: object) -> TypeGuard[User]:
    """A logged-in session whose person has two-factor login on but that no code confirmed
    (e.g. one opened before they turned it on): not fully logged in."""
    if not isinstance(user, User):  # nobody logged in (AnonymousUser)
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    return enabled(user)


def members_without(workspace: Workspace) -> int:
    """How many members of the workspace have two-factor login off (asked to set it up once
    an owner requires it)."""
    member_ids = workspace_member_ids(workspace.id)
    with_it = TOTPDevice.objects.filter(user_id__in=member_ids, confirmed=True)
    return len(set(member_ids) - set(with_it.values_list("user_id", flat=True)))


def requirement_unmet(user: User, workspace: Workspace) -> bool:
    """The workspace asks every member for two-factor login and this member has it off."""
    return workspace.require_two_factor and not enabled(user)


def required_by_membership(user: User, slug: str) -> bool:
    """For the API before the membership is resolved: is `user` a member of workspace `slug`,
    which asks for two-factor login, without having it on? (An outsider gets False, so the
    answer stays the usual 404.)"""
    return Workspace.objects.filter(
        slug=slug, require_two_factor=True, memberships__user=user
    ).exists() and not enabled(user)


def secret_text(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32 in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The setup address as an inline SVG drawn here (no image service, no data: URI)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4,
        dark="#1b2330",
        light="#ffffff",
        svgclass="qr-code",
        lineclass=None,
        omitsize=True,  # a viewBox, so the stylesheet sets the size
        title=_("QR code for your authenticator app"),
    )
    return mark_safe(svg)  # noqa: S308  (our own SVG: the address holds only the key and email)


# --- writes -------------------------------------------------------------------------------------


def setup_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one per person; a new visit shows the same key)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    return device


@transaction.atomic
def confirm_setup(
    request: HttpRequest, user: User, code: str
) -> tuple[TOTPDevice, list[str]] | None:
    """Turn two-factor login on with a current code from the app: returns the device and the
    new recovery codes (shown once), or None when the code is wrong. Raises CodeLocked."""
    _refuse_if_locked(request, user)
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).last()
    if device is None or not device.verify_token(_normalised(code)):
        _count_failure(request, user)
        return None
    lockout.code_succeeded(user.pk)
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _audit_own_change(user, AuditAction.MEMBER_TWO_FACTOR_ON)
    return device, _new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code; the old ones stop working."""
    return _new_recovery_codes(user)


@transaction.atomic
def disable(user: User) -> None:
    was_on = enabled(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if was_on:
        _audit_own_change(user, AuditAction.MEMBER_TWO_FACTOR_OFF)


def _audit_own_change(user: User, action: str) -> None:
    """A member's own two-factor login matters to every workspace they belong to (an owner
    may require it): each of their workspaces' logs records the change."""
    for membership in memberships_of(user).select_related("workspace"):
        audit(workspace=membership.workspace, actor=user, action=action, subject=user.email)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


@transaction.atomic
def set_workspace_requirement(*, actor: Membership, required: bool) -> bool:
    """An owner asks every member of the workspace for two-factor login (or stops asking).
    Owners turn it on for themselves first, so that they are not the first one shut out.
    Returns whether anything changed."""
    if not actor.has_role(Role.OWNER):
        raise ValidationError(_("Only an owner can change this setting."))
    workspace = actor.workspace
    if required and not enabled(actor.user):
        raise ValidationError(_("Turn on two-factor login for yourself first."))
    if workspace.require_two_factor == required:
        return False
    workspace.require_two_factor = required
    workspace.save(update_fields=["require_two_factor"])
    hooks.workspace_changed(workspace)
    audit(
        workspace=workspace,
        actor=actor.user,
        action=AuditAction.WORKSPACE_REQUIRE_2FA,
        require_two_factor=[not required, required],
    )
    return True


# --- checking a code ----------------------------------------------------------------------------


def check(request: HttpRequest, user: User, code: str) -> Device | None:
    """The device that accepts `code` (an app code or a recovery code, which is used up), or
    None after counting the failure. Raises CodeLocked while locked (nothing is checked)."""
    _refuse_if_locked(request, user)
    code = _normalised(code)
    model = TOTPDevice if _APP_CODE.match(code) else StaticDevice
    with transaction.atomic():
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("id")
            .first()
        )
        if device is not None and device.verify_token(code):
            lockout.code_succeeded(user.pk)
            return device
    _count_failure(request, user)
    return None


def _normalised(code: str) -> str:
    # People type "abcd-efgh", "ABCD EFGH" or "123 456".
    return re.sub(r"[\s-]", "", code or "").lower()


def _refuse_if_locked(request: HttpRequest, user: User) -> None:
    if lockout.code_locked(request, user.pk):
        raise CodeLocked


def _count_failure(request: HttpRequest, user: User) -> None:
    if lockout.code_failed(request, user.pk):
        raise CodeLocked


# --- the login in two steps ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    user: User
    backend: str
    next_url: str


def start_pending(request: HttpRequest, user: User, next_url: str) -> None:
    """After the right password: remember who is logging in, but log nobody in yet."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "at": int(time.time()),
        "next": next_url,
    }


def pending(request: HttpRequest) -> Pending | None:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    if int(time.time()) - int(data.get("at", 0)) > settings.TWO_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user_id = data.get("user")
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return None
    return Pending(user=user, backend=str(data["backend"]), next_url=str(data.get("next", "")))


def clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
