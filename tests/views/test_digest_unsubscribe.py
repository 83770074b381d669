"""/digests/unsubscribe/<token>/: one click, no login; GET only asks, POST unsubscribes."""

from __future__ import annotations

from django.test import Client

import pytest

from accounts.tenancy import workspace_scope
from kpiapp.models import DigestSubscription
from kpiapp.services.digests import digest_subscribe, unsubscribe_token
from kpiapp.services.reports import report_create
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription(alice, vera, workspace) -> DigestSubscription:
    data = {
        "title": "Board update",
        "visibility": "shared",
        "grain": "month",
        "range_kind": "last_closed_month",
        "comparison": "previous",
        "sections": [{"kpi": "mrr"}],
    }
    with workspace_scope(workspace.id):
        report = report_create(membership=membership_of(alice, workspace), data=data)
        return digest_subscribe(
            membership=membership_of(vera, workspace), report=report, cadence="weekly"
        )


def url(subscription: DigestSubscription) -> str:
    return f"/digests/unsubscribe/{unsubscribe_token(subscription)}/"


def exists(subscription: DigestSubscription) -> bool:
    with workspace_scope(subscription.workspace_id):
        return DigestSubscription.objects.filter(pk=subscription.pk).exists()


def test_the_page_names_the_report_and_asks_before_unsubscribing(client, subscription):
    response = client.get(url(subscription))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Board update" in page and "Acme GmbH" in page and "weekly" in page
    assert '<form method="post">' in page and ">Unsubscribe</button>" in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert exists(subscription)  # a mail scanner opening the link changes nothing


def test_posting_unsubscribes_and_twice_is_fine(client, subscription):
    address = url(subscription)
    response = client.post(address)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert "Board update" in response.content.decode()
    assert not exists(subscription)
    again = client.post(address)
    assert again.status_code == 200
    assert "You are unsubscribed" in again.content.decode()


def test_a_mail_clients_one_click_post_works_without_a_csrf_token(subscription):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        url(subscription),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not exists(subscription)


def test_the_page_speaks_the_recipients_language(client, subscription, vera):
    vera.language = "de"
    vera.save()
    page = client.get(url(subscription), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="de">' in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_answers_404_and_changes_nothing(client, subscription, method):
    token = unsubscribe_token(subscription)
    for bad in (token[:-3] + "abc", "nonsense", token.replace(":", "x", 1)):
        response = getattr(client, method)(f"/digests/unsubscribe/{bad}/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
    assert exists(subscription)


def test_a_removed_subscriptions_link_shows_not_found(client, subscription):
    address = url(subscription)
    with workspace_scope(subscription.workspace_id):
        DigestSubscription.objects.filter(pk=subscription.pk).delete()
    assert client.get(address).status_code == 404
