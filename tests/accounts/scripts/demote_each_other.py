"""Two owners demote each other at the same moment on a SQLite file (run by a test in its own
process, with SQLITE_PATH set): prints what each thread got."""

import contextlib
import sys
import threading

import django

django.setup()

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts import services  # noqa: E402
from accounts.access import memberships_of  # noqa: E402
from accounts.models import User  # noqa: E402
from tests.db_schema import schema_from_models  # noqa: E402

with schema_from_models():  # the tables, without replaying every migration (seconds)
    call_command("migrate", run_syncdb=True, verbosity=0)
anna = User.objects.create_user(email="anna@example.com", password="x" * 12)
ben = User.objects.create_user(email="ben@example.com", password="x" * 12)
workspace = services.workspace_create(
    owner=anna, slug="duo", settings_=services.WorkspaceSettings(name="Duo")
)
services.membership_add(workspace=workspace, user=ben, role="owner", actor=anna)
start = threading.Barrier(2)
both_counted = threading.Barrier(2, timeout=2)
outcomes: list[str] = []
count_owners = services._owner_count


def _owner_count_then_wait(workspace):
    """Hold each transaction after its read until the other has read too, the interleaving
    that once failed one of them; a writer that queues for the lock never gets here, and the
    other goes on after the timeout."""
    owners = count_owners(workspace)
    with contextlib.suppress(threading.BrokenBarrierError):
        both_counted.wait()
    return owners


services._owner_count = _owner_count_then_wait


def demote(actor_user: User, other_user: User) -> None:
    actor = memberships_of(actor_user).select_related("workspace", "user").get()
    other = memberships_of(other_user).select_related("workspace", "user").get()
    start.wait()
    try:
        services.membership_change_role(actor=actor, membership=other, role="admin")
        outcomes.append("demoted")
    except ValidationError:
        outcomes.append("refused")
    except Exception as error:  # what the test looks for
        outcomes.append(f"{type(error).__name__}: {error}")
    finally:
        connection.close()


threads = [
    threading.Thread(target=demote, args=(anna, ben)),
    threading.Thread(target=demote, args=(ben, anna)),
]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
owners = sum(m.role == "owner" for u in (anna, ben) for m in memberships_of(u))
sys.stdout.write(f"{sorted(outcomes)} owners: {owners}\n")
