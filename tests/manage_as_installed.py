"""`manage.py` as `pip install .` installs Kennzahl: without brotli, which only the bench extras
bring (through locust) and which makes WhiteNoise's collectstatic write a Brotli copy of every
static file as well (about 50 s of CPU instead of 4). Run as `python tests/manage_as_installed.py
collectstatic ...`."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # as for manage.py itself (not tests/, whose packages shadow stdlib's)
sys.modules["brotli"] = None  # an import of it now fails
sys.argv = ["manage.py", *sys.argv[1:]]

import runpy  # noqa: E402

runpy.run_path(str(ROOT / "manage.py"), run_name="__main__")
