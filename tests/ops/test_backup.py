"""Backup and restore as README ("Production", "Backup and restore") says: `pg_dump -Fc`,
then `pg_restore` into an empty database; the restored database gives the same KPI series
(`manage.py kpi_series`, the API's JSON) as the original."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

import psycopg
import pytest

from accounts.tenancy import workspace_scope
from kpiapp.services.snapshots import snapshot_rebuild

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIPTIONS = (
    "external_id,account,amount,interval,started_at,ended_at\n"
    "S1,A1,100,month,2025-01-01,\n"
    "S2,A2,250,month,2025-03-01,2025-09-01\n"
    "S3,A1,1200,year,2025-06-01,\n"
)


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _series(database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "kpi_series", "--workspace", "acme",
         "--kpi", "mrr", "--start", "2025-01", "--end", "2025-12"],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return done.stdout


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_an_empty_database_gives_the_same_kpi_series(
    workspace, run_import, tmp_path
):
    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        if os.environ.get("KZ_REQUIRE_SERVICES") == "1":
            pytest.fail("KZ_REQUIRE_SERVICES=1 but PostgreSQL or pg_dump is missing")
        pytest.skip("needs PostgreSQL and pg_dump / pg_restore")
    run_import("accounts", "external_id,name\nA1,Alpha GmbH\nA2,Beta AG\n")
    run_import("subscriptions", SUBSCRIPTIONS)
    with workspace_scope(workspace.id):
        snapshot_rebuild(workspace_id=workspace.id)
    original = _url(connection.settings_dict["NAME"])
    restored_name = f"{connection.settings_dict['NAME']}_restored"
    restored = _url(restored_name)
    dump = tmp_path / "kennzahl.dump"
    server = urlunsplit(urlsplit(original)._replace(path="/postgres"))

    pg_dump, pg_restore = shutil.which("pg_dump") or "", shutil.which("pg_restore") or ""
    subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={dump}",
                    f"--dbname={original}"], check=True, timeout=120)  # fmt: skip
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        conn.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        subprocess.run([pg_restore, "--no-owner", "--exit-on-error", f"--dbname={restored}",
                        str(dump)], check=True, timeout=120)  # fmt: skip
        before = _series(original)
        assert '"value": "350.00"' in before or '"350.00"' in before  # March: 100 + 250
        assert _series(restored) == before
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
