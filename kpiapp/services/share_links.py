"""Read-only share links to a shared report: create (the token is shown once), revoke, and
count a view. Only the token's SHA-256 is stored; a password is stored as a Django hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditAction, Membership
from accounts.services import audit
from accounts.tokens import hash_secret, new_secret
from kpiapp.kpis.periods import local_day_end_utc, today_in
from kpiapp.models import Report, ShareLink

DEFAULT_DAYS = 30
MAX_DAYS = 366
MIN_PASSWORD = 8


@dataclass(frozen=True)
class CreatedShareLink:
    link: ShareLink
    token: str  # shown once, never stored

    @property
    def url(self) -> str:
        return share_url(self.token)


def share_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("share", args=[raw_token])


def _expiry(expires_on: date | None, time_zone: str) -> datetime:
    """The moment a link chosen to last through `expires_on` ends: the midnight after that day
    in the workspace's time zone (the day a person picks is a day of their workspace)."""
    today = today_in(time_zone)
    day = expires_on or today + timedelta(days=DEFAULT_DAYS)
    if day <= today:
        raise ValidationError({"expires_on": [_("Choose a day after today.")]})
    if day > today + timedelta(days=MAX_DAYS):
        raise ValidationError({"expires_on": [_("A link lasts at most a year.")]})
    return local_day_end_utc(day, time_zone)


@transaction.atomic
def share_link_create(
    *,
    membership: Membership,
    report: Report,
    label: str = "",
    expires_on: date | None = None,
    password: str = "",
    allow_records: bool = False,
) -> CreatedShareLink:
    """A new link to a shared report (the caller checked the right to change the report)."""
    if not report.is_shared:
        raise ValidationError(
            {"report": [_("Only a report shared with the workspace can be shared by link.")]}
        )
    if password and len(password) < MIN_PASSWORD:
        raise ValidationError(
            {"password": [_("A password has at least %(n)d characters.") % {"n": MIN_PASSWORD}]}
        )
    expires_at = _expiry(expires_on, membership.workspace.time_zone)
    raw = new_secret("kzs")
    link = ShareLink.objects.create(
        report=report,
        label=label.strip()[:100],
        prefix=raw[:10],
        token_hash=hash_secret(raw),
        password_hash=make_password(password) if password else "",
        allow_records=allow_records,
        expires_at=expires_at,
        created_by=membership.user,
    )
    audit(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.SHARE_LINK_CREATED,
        subject=report.title,
        link=link.prefix,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return CreatedShareLink(link=link, token=raw)


@transaction.atomic
def share_link_revoke(*, membership: Membership, link: ShareLink) -> None:
    if link.revoked_at is not None:
        return
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    audit(
        workspace=membership.workspace,
        actor=membership.user,
        action=AuditAction.SHARE_LINK_REVOKED,
        subject=link.report.title,
        link=link.prefix,
    )


def share_links_revoke_all(*, membership: Membership, report: Report) -> int:
    """Revoke every live link of a report (it became private)."""
    count = 0
    for link in report.share_links.filter(revoked_at__isnull=True):
        share_link_revoke(membership=membership, link=link)
        count += 1
    return count


def share_link_password_ok(link: ShareLink, password: str) -> bool:
    return bool(link.password_hash) and check_password(password, link.password_hash)


def share_link_viewed(link: ShareLink) -> None:
    ShareLink.objects.filter(pk=link.pk).update(
        view_count=F("view_count") + 1, last_viewed_at=timezone.now()
    )
