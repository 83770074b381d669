"""Configuration from the environment, and the production set-up (DEBUG off)."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

import pytest

from kpiapp.settings import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 64 + "-production-secret-for-the-check",
    "ALLOWED_HOSTS": "kennzahl.example",
    "REDIS_URL": "redis://127.0.0.1:6379/0",  # production shares login-attempt counts there
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "tests/manage_as_installed.py", *args],
        cwd=ROOT,
        env={**_without_test_switches(os.environ), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _without_test_switches(environ: os._Environ) -> dict[str, str]:
    # The browser tests' async switch is deliberately refused by the deployment check.
    return {k: v for k, v in environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_env_helpers_parse_and_fail_loudly(monkeypatch):
    monkeypatch.setenv("KZ_FLAG", "yes")
    monkeypatch.setenv("KZ_NUM", "12")
    monkeypatch.setenv("KZ_LIST", "a.example, b.example,")
    assert env_bool("KZ_FLAG", False) is True
    assert env_int("KZ_NUM", 1) == 12
    assert env_list("KZ_LIST", []) == ["a.example", "b.example"]
    assert env_bool("KZ_UNSET", True) is True
    monkeypatch.setenv("KZ_FLAG", "maybe")
    monkeypatch.setenv("KZ_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="KZ_FLAG"):
        env_bool("KZ_FLAG", False)
    with pytest.raises(ImproperlyConfigured, match="KZ_NUM"):
        env_int("KZ_NUM", 1)


def test_production_without_a_secret_key_refuses_to_start():
    result = manage("check", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.slow
def test_the_deployment_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_collectstatic_serves_chart_js_from_npm_with_hashed_names(tmp_path):
    result = manage("collectstatic", "--noinput", **PRODUCTION, STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chart.js/chart.umd.min.js" in manifest
    assert list(tmp_path.glob("vendor/chart.js/chart.umd.min.*.js.gz"))
    assert list(tmp_path.glob("css/app.*.css"))
