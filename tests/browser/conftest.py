"""Browser tests: real Chromium and axe-core against the sample site served on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-site"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def run_cli(*args, env_extra=None, timeout=600, check=True, input=None):
    env = {**os.environ, **(env_extra or {})}
    proc = subprocess.run([sys.executable, "-m", "a11yaudit.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"a11yaudit {' '.join(args)} exited {proc.returncode}\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="session")
def cli():
    return run_cli


@pytest.fixture(scope="session")
def manifest() -> dict:
    return yaml.safe_load((SAMPLE / "defects.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_audit(tmp_path_factory):
    """One full audit of the sample site (both viewports), through the real CLI."""
    tmp = tmp_path_factory.mktemp("sample-audit")
    db = f"sqlite:///{tmp / 'a11y.sqlite'}"
    proc = run_cli("--db", db, "audit", "sample", "--artifacts-dir", str(tmp / "artifacts"),
                   "--reports-dir", str(tmp / "reports"), timeout=1200)
    from a11yaudit.store.db import Store
    store = Store(db)
    run = store.list_runs("sample")[-1]
    return {"tmp": tmp, "db": db, "store": store, "run": run, "report": Path(proc.stdout.strip().splitlines()[-1]),
            "stderr": proc.stderr}
