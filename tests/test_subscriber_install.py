"""A province installs its tools alone: `pip install ./libs/core ./libs/documents ./libs/subscriber` into a fresh
virtual environment (no editable checkout, no web framework, no database driver, no test runner), and `dvk-subscribe`
and `dvk-rollup` run from it."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROVINCE_INSTALL = ["./libs/core", "./libs/documents", "./libs/subscriber"]


@pytest.mark.slow
def test_the_subscriber_installs_alone_and_its_commands_run():
    with tempfile.TemporaryDirectory(prefix="dvk-province-") as scratch:
        env_dir = Path(scratch) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
        release = Path(scratch) / "release"  # a copy of the release's tree: pip's build leaves nothing in the checkout
        junk = shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
        for part in PROVINCE_INSTALL:
            shutil.copytree(REPO / part, release / part, ignore=junk)
        shutil.copytree(REPO / "requirements", release / "requirements")
        installed = subprocess.run(
            [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             "-c", "requirements/constraints.txt", *PROVINCE_INSTALL],
            cwd=release, capture_output=True, text=True, timeout=600)
        assert installed.returncode == 0, installed.stderr[-3000:]

        for command in ("dvk-subscribe", "dvk-rollup"):
            helped = subprocess.run([str(bin_dir / command), "--help"], capture_output=True, text=True, timeout=120)
            assert helped.returncode == 0, helped.stderr[-3000:]
            assert helped.stdout.startswith(f"usage: {command}"), helped.stdout[:200]

        probe = ("import importlib.util, json; print(json.dumps({n: importlib.util.find_spec(n) is not None for n in "
                 "('dvk_core', 'dvk_documents', 'dvk_subscriber', 'dvk_platform', 'dvk_testing', 'flask', 'sqlalchemy', "
                 "'gunicorn', 'psycopg', 'pytest')}))")
        found = subprocess.run([str(bin_dir / "python"), "-c", probe], capture_output=True, text=True, timeout=120,
                               cwd=scratch)
        assert found.returncode == 0, found.stderr
        assert found.stdout.strip() == ('{"dvk_core": true, "dvk_documents": true, "dvk_subscriber": true, '
                                        '"dvk_platform": false, "dvk_testing": false, "flask": false, '
                                        '"sqlalchemy": false, "gunicorn": false, "psycopg": false, "pytest": false}')

        # the installed copy, not the checkout: the ward registry ships as package data
        wards = subprocess.run([str(bin_dir / "python"), "-c",
                                "import dvk_subscriber, dvk_core.wards as w; print(dvk_subscriber.__file__); "
                                "print(len(list(w.load_registry(None).codes())))"],
                               capture_output=True, text=True, timeout=120, cwd=scratch)
        assert wards.returncode == 0, wards.stderr
        where, count = wards.stdout.split()
        assert Path(where).is_relative_to(env_dir)
        assert int(count) >= 1
