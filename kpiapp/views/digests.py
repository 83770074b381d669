"""/digests/unsubscribe/<token>/: stop an email digest with one click, without logging in.

The signed token in the link is the credential (`services.digests.unsubscribe_token`). GET
only shows what would stop (mail scanners open links), POST stops it. Mail clients that
follow RFC 8058 POST `List-Unsubscribe=One-Click` to the same address without a CSRF token,
hence `csrf_exempt`: there is no session to protect here, only the token.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.tenancy import workspace_scope
from kpiapp.services.digests import (
    digest_unsubscribe,
    recipient_language,
    subscription_by_unsubscribe_token,
    unsubscribe_token_is_signed,
)

TEMPLATE = "kpiapp/digest_unsubscribe.html"


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the address: never pass it on to another site, never index the page.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscription = subscription_by_unsubscribe_token(token)
    if subscription is None:
        # A second click on a link we issued: already done, say so again.
        if request.method == "POST" and unsubscribe_token_is_signed(token):
            return _private(render(request, TEMPLATE, {"done": True}))
        raise Http404("No such digest subscription")
    context = {
        "subscription": subscription,
        "report": subscription.report,
        "workspace": subscription.workspace,
        "done": request.method == "POST",
    }
    # The page speaks the language the digest was written in.
    with translation.override(recipient_language(subscription.user, subscription.workspace)):
        if request.method == "POST":
            with workspace_scope(subscription.workspace_id):
                digest_unsubscribe(subscription=subscription)
        context["cadence"] = subscription.get_cadence_display()
        return _private(render(request, TEMPLATE, context))
