"""Steps the browser tests share."""

from datetime import date, timedelta

from django.conf import settings
from django.test import Client

from accounts.models import Membership, User, Workspace
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from kpiapp.kpis.periods import today_in
from kpiapp.models import Account, Segment, Subscription
from kpiapp.services.snapshots import snapshot_rebuild
from tests.conftest import PASSWORD, make_user, make_workspace


def log_in(page, base_url: str, email: str, password: str = PASSWORD, lands_on: str = "") -> list:
    """Log in through the form; returns the list that collects console errors from now on."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    if lands_on:
        page.wait_for_url(f"{base_url}{lands_on}")
    return errors


def sign_in(page, base_url: str, email: str, lands_on: str = "") -> list:
    """Logged in without the form, by a session cookie made as Django's test client makes it,
    for the tests of other pages (a form login costs a page and the dashboard's charts; the
    form is tested in test_login.py and test_two_factor.py). Opens `lands_on` if given; returns
    the list that collects console errors from now on, as `log_in` does."""
    client = Client()
    client.force_login(
        User.objects.get(email__iexact=email), backend="django.contrib.auth.backends.ModelBackend"
    )
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}]
    )
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    if lands_on:
        page.goto(f"{base_url}{lands_on}")
    return errors


def workspace_with_a_german_viewer() -> Workspace:
    """ "Acme GmbH" owned by lea@example.com (English), which vera@example.com views in
    German: two people, one who edits and one who watches."""
    owner = make_user("lea@example.com", "Lea Lead")
    viewer = make_user("vera@example.com", "Vera Viewer")
    viewer.language = "de"
    viewer.save(update_fields=["language"])
    workspace = make_workspace("acme", owner, "Acme GmbH")
    Membership.all_workspaces.create(user=viewer, workspace=workspace, role=Role.VIEWER)
    return workspace


def workspace_with_one_customer(language: str = "") -> tuple[User, Workspace]:
    """ "Acme GmbH" owned by lead@example.com, with one account paying 5,000 € a month since
    2020, and its snapshots computed."""
    user = make_user("lead@example.com", "Lea Lead")
    if language:
        user.language = language
        user.save(update_fields=["language"])
    workspace = make_workspace("acme", user, "Acme GmbH")
    with workspace_scope(workspace.id):
        account = Account.objects.create(external_id="A", name="Alpha")
        Subscription.objects.create(
            external_id="S",
            account=account,
            amount_cents=500_000,
            currency="EUR",
            interval="month",
            started_at=date(2020, 1, 1),
        )
        snapshot_rebuild(workspace_id=workspace.id)
    return user, workspace


# The segment tests' company: (country, plan, monthly amount in euros, days before the first of
# this month it started).
SEGMENT_ACCOUNTS = [
    ("DE", "Pro", 700, 400),
    ("DE", "Basic", 400, 400),
    ("US", "Pro", 150, 400),
    ("DE", "Pro", 250, 100),
]


def segment_company(language: str, *, saved_de_pro: bool = False) -> None:
    """ "Acme GmbH" of chef@example.com with SEGMENT_ACCOUNTS and its snapshots; with
    `saved_de_pro`, the saved segment "DE Pro" (country DE and plan Pro)."""
    user = make_user("chef@example.com", "Chef")
    user.language = language
    user.save()
    workspace = make_workspace("acme", user, "Acme GmbH")
    with workspace_scope(workspace.id):
        first = today_in(workspace.time_zone).replace(day=1)
        for n, (country, plan, euros, days) in enumerate(SEGMENT_ACCOUNTS):
            account = Account.objects.create(external_id=f"A{n}", name=f"A{n}", country=country)
            Subscription.objects.create(
                external_id=f"S{n}",
                account=account,
                plan=plan,
                amount_cents=euros * 100,
                currency="EUR",
                interval="month",
                started_at=first - timedelta(days=days),
            )
        if saved_de_pro:
            conditions = [
                {"dimension": "country", "value": "DE"},
                {"dimension": "plan", "value": "Pro"},
            ]
            Segment.objects.create(name="DE Pro", conditions=conditions)
        snapshot_rebuild(workspace_id=workspace.id)


def euros(amount: int, language: str) -> str:
    """Whole euros as the pages write them."""
    if language == "de":
        return f"{amount:,}".replace(",", ".") + ",00\xa0€"
    return f"€{amount:,}.00"
