from io import StringIO

from django.core.management import CommandError, call_command

import pytest

from accounts.models import ApiToken, Membership, User, Workspace
from accounts.tenancy import workspace_scope
from accounts.tokens import hash_secret
from kpiapp.models import Account
from tests.conftest import membership_of


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_workspace_creates_the_owner_login_with_defaults():
    output = run(
        "create_workspace",
        "nordwind",
        "--name",
        "Nordwind",
        "--owner",
        "Chef@Nordwind.example",
        "--password",
        "a-long-password-1",
    )
    workspace = Workspace.objects.get(slug="nordwind")
    owner = User.objects.get(email="chef@nordwind.example")
    assert owner.check_password("a-long-password-1")
    assert membership_of(owner, workspace).role == "owner"
    assert (
        workspace.currency,
        workspace.language,
        workspace.time_zone,
        str(workspace.gross_margin),
    ) == ("EUR", "de", "Europe/Berlin", "0.800")
    assert "nordwind" in output


@pytest.mark.django_db
def test_create_workspace_refuses_bad_input_and_changes_nothing(workspace):
    with pytest.raises(CommandError, match="exists already"):
        run("create_workspace", workspace.slug, "--name", "X", "--owner", "x@example.com")
    with pytest.raises(CommandError, match="time zone"):
        run(
            "create_workspace",
            "fresh",
            "--name",
            "X",
            "--owner",
            "x@example.com",
            "--timezone",
            "Nowhere/Land",
        )
    with pytest.raises(CommandError, match="gross-margin"):
        run(
            "create_workspace",
            "fresh",
            "--name",
            "X",
            "--owner",
            "x@example.com",
            "--gross-margin",
            "lots",
        )
    assert not Workspace.objects.filter(slug="fresh").exists()
    assert not User.objects.filter(email="x@example.com").exists()


@pytest.mark.django_db
def test_add_member_adds_new_users_and_changes_roles(workspace, alice):
    output = run("add_member", workspace.slug, "sam@example.com", "--role", "editor")
    sam = User.objects.get(email="sam@example.com")
    assert membership_of(sam, workspace).role == "editor"
    assert "Added sam@example.com" in output
    output = run("add_member", workspace.slug, "sam@example.com", "--role", "admin")
    assert "editor -> admin" in output
    assert membership_of(sam, workspace).role == "admin"


@pytest.mark.django_db
def test_add_member_keeps_the_last_owner(workspace, alice):
    with pytest.raises(CommandError, match="at least one owner"):
        run("add_member", workspace.slug, alice.email, "--role", "viewer")
    assert membership_of(alice, workspace).role == "owner"
    with pytest.raises(CommandError, match="No workspace"):
        run("add_member", "nope", alice.email, "--role", "viewer")


@pytest.mark.django_db
def test_create_api_token_prints_a_working_key_last(workspace, alice):
    output = run("create_api_token", workspace.slug, alice.email)
    key = output.split()[-1]
    token = ApiToken.all_workspaces.get(key_hash=hash_secret(key))
    assert (token.user, token.workspace) == (alice, workspace)


@pytest.mark.django_db
def test_create_api_token_only_for_members(workspace, charlie):
    with pytest.raises(CommandError, match="not a member"):
        run("create_api_token", workspace.slug, charlie.email)
    assert ApiToken.all_workspaces.count() == 0


@pytest.mark.slow
@pytest.mark.django_db
def test_seed_demo_creates_a_company_and_a_login_and_refuses_to_overwrite_it():
    output = run("seed_demo", "--seed", "7", "--as-of", "2026-10-31")
    workspace = Workspace.objects.get(slug="demo")
    owner = User.objects.get(email="demo@kennzahl.example")
    assert "password: kennzahl-demo" in output
    assert owner.check_password("kennzahl-demo")
    assert membership_of(owner, workspace).role == "owner"
    assert Membership.all_workspaces.filter(workspace=workspace).count() == 5
    with workspace_scope(workspace.id):
        accounts = Account.objects.count()
    assert accounts > 100
    with pytest.raises(CommandError, match="has data already"):
        run("seed_demo", "--seed", "8")
    assert "data was kept" in run("seed_demo", "--keep-existing")
    run("seed_demo", "--reset", "--seed", "7", "--as-of", "2026-10-31")
    workspace = Workspace.objects.get(slug="demo")
    with workspace_scope(workspace.id):
        assert Account.objects.count() == accounts
