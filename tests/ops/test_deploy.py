"""deploy/: the systemd units and the nginx site name commands that exist (issue 21, item 5):
every binary in the venv, every manage.py command, the Celery app and its queues, gunicorn's
WSGI module, and one address between nginx and gunicorn."""

from __future__ import annotations

import re
import shlex
import sys
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
INSTALL = "/opt/kennzahl"
VENV_BIN = Path(sys.executable).parent


def _exec_lines(unit: Path, kinds: str = "Start|StartPre|Reload") -> list[list[str]]:
    return [
        shlex.split(line.split("=", 1)[1].replace("%%", "%"))
        for line in unit.read_text().splitlines()
        if re.match(rf"^Exec({kinds})=", line)
    ]


def test_there_are_units_for_web_workers_beat_and_migrate():
    assert {u.name for u in UNITS} == {
        "kennzahl-web.service",
        "kennzahl-worker@.service",
        "kennzahl-beat.service",
        "kennzahl-migrate.service",
    }


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_each_command_exists(unit: Path):
    for argv in _exec_lines(unit):
        program = argv[0]
        if program.startswith(f"{INSTALL}/.venv/bin/"):
            assert (VENV_BIN / Path(program).name).exists(), program
        else:
            assert Path(program).exists(), program
        name = Path(program).name
        if name == "python":
            assert argv[1] == "manage.py" and (ROOT / "manage.py").exists()
            assert argv[2] in get_commands(), argv
        elif name == "gunicorn":
            module = argv[1].split(":")[0]
            assert callable(import_module(module).application)
        elif name == "celery":
            assert argv[1:3] == ["-A", "kpiapp"] and argv[3] in {"worker", "beat"}
            import_module("kpiapp.celery")


def test_the_worker_template_takes_a_queue_that_exists():
    unit = ROOT / "deploy" / "systemd" / "kennzahl-worker@.service"
    (argv,) = _exec_lines(unit)
    assert argv[argv.index("-Q") + 1] == "%i"
    text = unit.read_text()
    named = set(re.findall(r"kennzahl-worker@(\w+)", text))
    assert named == set(settings.CELERY_TASK_QUEUES)  # the comment enables every queue


def test_nginx_proxies_to_the_web_unit_and_keeps_metrics_inside():
    site = (ROOT / "deploy" / "nginx" / "kennzahl.conf").read_text()
    (web,) = _exec_lines(ROOT / "deploy" / "systemd" / "kennzahl-web.service", "Start")
    bind = web[web.index("--bind") + 1]
    assert f"server {bind};" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site  # SECURE_PROXY_SSL_HEADER
    assert "proxy_set_header X-Forwarded-For" in site  # PROXY_COUNT=1 in the env example
    assert re.search(r"location = /metrics \{ return 404; \}", site)
    static_root = re.search(r"^STATIC_ROOT=(.+)$", (ROOT / "deploy/kennzahl.env.example")
                            .read_text(), re.M).group(1)  # fmt: skip
    assert f"alias {static_root}/;" in site


def test_the_env_example_names_every_setting_production_requires():
    text = (ROOT / "deploy" / "kennzahl.env.example").read_text()
    for name in ("DEBUG=0", "SECRET_KEY=", "ALLOWED_HOSTS=", "DATABASE_URL=", "REDIS_URL="):
        assert re.search(rf"^{name}", text, re.M), name
    for unit in UNITS:
        assert "EnvironmentFile=/etc/kennzahl/kennzahl.env" in unit.read_text(), unit.name
