"""The demo workspace: a login, a team and three years of a company's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.access import memberships_of
from accounts.deletion import workspace_data_delete
from accounts.models import Membership, User, Workspace
from accounts.roles import Role
from accounts.tenancy import workspace_scope
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.demo.company import demo_data_generate
from kpiapp.demo.dashboards import demo_dashboards
from kpiapp.demo.plan import demo_plan
from kpiapp.demo.targets import demo_targets_set
from kpiapp.models import KpiSnapshot
from kpiapp.services.reports import comment_add, report_create, template_values
from kpiapp.services.snapshots import snapshot_rebuild

DEMO_PASSWORD = "kennzahl-demo"  # noqa: S105 - printed on purpose; demo logins only
DEMO_OWNER = "demo@kennzahl.example"
DEMO_TEAM = [
    ("anna.becker@kennzahl.example", "Anna Becker", Role.ADMIN),
    ("jonas.weber@kennzahl.example", "Jonas Weber", Role.EDITOR),
    ("lena.fischer@kennzahl.example", "Lena Fischer", Role.EDITOR),
    ("tom.schneider@kennzahl.example", "Tom Schneider", Role.VIEWER),
]


class DemoWorkspaceHasData(Exception):
    pass


@dataclass(frozen=True)
class DemoResult:
    workspace: Workspace
    owner_email: str
    password: str
    created: bool
    rows: dict[str, int]


def workspace_has_data(workspace: Workspace) -> bool:
    """Whether the workspace holds business data (members and settings do not count)."""
    with workspace_scope(workspace.id):
        return any(kind.model.objects.exists() for kind in DATA_KINDS.values())


def _demo_user(email: str, name: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
    return user


def _demo_reports(workspace: Workspace) -> None:
    """The review reports a team would have saved: monthly and quarterly, with notes and a
    comment, so the reports page is not empty in the demo."""
    with workspace_scope(workspace.id):
        members = {m.user.email: m for m in Membership.objects.select_related("user", "workspace")}
    owner, admin = members[DEMO_OWNER], members[DEMO_TEAM[0][0]]
    monthly = template_values("monthly", language=workspace.language)
    monthly["sections"][0]["note"] = (
        "Das MRR wächst stetig; die Erweiterungen bestehender Kunden tragen den größten Teil."
    )
    report = report_create(membership=owner, data=monthly)
    comment_add(
        membership=members[DEMO_TEAM[3][0]],
        report=report,
        body="Können wir die Abwanderung nach Kanal aufschlüsseln?",
    )
    quarterly = template_values("quarterly", language=workspace.language)
    quarterly["sections"][1]["note"] = "Ziel für das nächste Quartal: NRR über 105 %."
    report_create(membership=admin, data=quarterly)


@transaction.atomic
def demo_seed(
    *, slug: str, seed: int, as_of: date, reset: bool, keep_existing: bool = False
) -> DemoResult:
    """Create the demo workspace with three years of data up to `as_of`. Same seed and as-of
    give the same data. A workspace that has data is refused, rebuilt (`reset`) or left as it
    is (`keep_existing`, for the start-up command)."""
    workspace = Workspace.objects.filter(slug=slug).first()
    has_data = workspace is not None and workspace_has_data(workspace)
    if has_data and not (reset or keep_existing):
        raise DemoWorkspaceHasData(slug)
    if workspace is not None and reset:
        # One DELETE per table, as when a workspace is deleted: Django's collector would load
        # every row of the company first (seconds).
        Workspace.objects.filter(pk=workspace.pk).update(deleting_since=timezone.now())
        workspace_data_delete(workspace.pk)
        workspace, has_data = None, False
    created = workspace is None
    owner = _demo_user(DEMO_OWNER, "Demo")
    if workspace is None:
        workspace = account_services.workspace_create(
            owner=owner, slug=slug, settings_=account_services.WorkspaceSettings(name="Demo GmbH")
        )
    elif not memberships_of(owner).filter(workspace=workspace).exists():
        account_services.membership_add(
            workspace=workspace, user=owner, role=Role.OWNER, actor=None
        )
    for email, name, role in DEMO_TEAM:
        account_services.membership_add(
            workspace=workspace, user=_demo_user(email, name), role=role, actor=owner
        )
    rows = {} if has_data else demo_data_generate(workspace=workspace, seed=seed, as_of=as_of)
    with workspace_scope(workspace.id):
        if rows or not KpiSnapshot.objects.exists():
            snapshot_rebuild(workspace_id=workspace.id)
        if rows:
            _demo_reports(workspace)
            owner_membership = memberships_of(owner).get(workspace=workspace)
            demo_targets_set(membership=owner_membership, as_of=as_of)
            demo_dashboards(membership=owner_membership)
    if rows:
        demo_plan(workspace=workspace, owner_email=owner.email, as_of=as_of)
    return DemoResult(
        workspace=workspace,
        owner_email=owner.email,
        password=DEMO_PASSWORD,
        created=created,
        rows=rows,
    )
