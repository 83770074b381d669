"""Mails about a person's own login (not about a workspace)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.lockout import cooloff_seconds, normalise_email
from accounts.models import User

log = logging.getLogger(__name__)


def notify_login_lock(email: str, address: str) -> bool:
    """Tell a known account's owner that logging in to it was paused, at most once per lock
    (a lock lasts the cool-off time; repeated refusals during it send nothing)."""
    user = User.objects.filter(email__iexact=normalise_email(email), is_active=True).first()
    if user is None:
        return False  # a guessed address: nobody to tell, and no hint that it exists
    if not cache.add(f"lock-notice:{user.pk}", 1, timeout=cooloff_seconds()):
        return False
    transaction.on_commit(lambda: _send_lock_notice(user, address))
    return True


def _send_lock_notice(user: User, address: str) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "address": address,
            "when": timezone.now(),
            "minutes": cooloff_seconds() // 60,
            "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
            "profile_url": settings.SITE_URL + reverse("accounts:profile"),
        }
        send_mail(
            subject=_("Unusual login attempts on your Kennzahl account"),
            message=render_to_string("emails/login_locked.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    log.info("login lock notice sent to user %s", user.pk)
