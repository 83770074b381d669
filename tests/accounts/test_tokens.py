import re

import pytest

from accounts.models import ApiToken
from accounts.tokens import hash_secret


@pytest.mark.django_db
def test_a_member_creates_a_token_shown_once_and_stored_as_a_hash(client_as, vera, workspace):
    client = client_as(vera)
    body = client.post(f"/w/{workspace.slug}/settings/tokens/", {"name": "Warehouse"}).content
    key = re.search(r'<pre class="secret" id="new-token">(kz_[\w-]+)</pre>', body.decode()).group(1)
    token = ApiToken.all_workspaces.get()
    assert token.key_hash == hash_secret(key)
    assert (token.user, token.workspace, token.name) == (vera, workspace, "Warehouse")
    assert key not in client.get(f"/w/{workspace.slug}/settings/tokens/").content.decode()


@pytest.mark.django_db
def test_a_token_needs_a_name(client_as, vera, workspace):
    response = client_as(vera).post(f"/w/{workspace.slug}/settings/tokens/", {"name": ""})
    assert response.status_code == 400
    assert ApiToken.all_workspaces.count() == 0


@pytest.mark.django_db
def test_members_see_and_revoke_their_own_tokens_admins_all(client_as, cast, workspace):
    client_as(cast["editor"]).post(f"/w/{workspace.slug}/settings/tokens/", {"name": "Erik's"})
    token = ApiToken.all_workspaces.get()
    viewer = client_as(cast["viewer"])
    assert "Erik&#x27;s" not in viewer.get(f"/w/{workspace.slug}/settings/tokens/").content.decode()
    revoke = f"/w/{workspace.slug}/settings/tokens/{token.pk}/revoke/"
    assert viewer.post(revoke).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    admin = client_as(cast["admin"])
    assert "Erik&#x27;s" in admin.get(f"/w/{workspace.slug}/settings/tokens/").content.decode()
    assert admin.post(revoke).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_only_owners_revoke_an_owners_token_on_the_page_and_in_the_api(client_as, cast, workspace):
    client_as(cast["owner"]).post(f"/w/{workspace.slug}/settings/tokens/", {"name": "Alice's"})
    token = ApiToken.all_workspaces.get()
    page = client_as(cast["admin"]).post(
        f"/w/{workspace.slug}/settings/tokens/{token.pk}/revoke/", follow=True
    )
    assert "Only an owner can revoke an owner" in page.content.decode()
    api = client_as(cast["admin"]).delete(f"/api/v1/workspaces/{workspace.slug}/tokens/{token.pk}/")
    assert api.status_code == 400
    token.refresh_from_db()
    assert token.revoked_at is None
    assert (
        client_as(cast["owner"])
        .delete(f"/api/v1/workspaces/{workspace.slug}/tokens/{token.pk}/")
        .status_code
        == 204
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
