"""Database writes under faults (issue 22 item 9): a transient fault (SQLite on a full disk) is retried with
backoff and ends in DatabaseUnavailable (a resumable stop, exit 3) — never a hang; committed rows stay; a bug
(constraint violation) is not retried."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from sqlalchemy.exc import IntegrityError

from a11yaudit.config import load_sites
from a11yaudit.errors import RunInterrupted
from a11yaudit.store.db import DatabaseUnavailable, Store, with_retry


@pytest.fixture
def site(tmp_path):
    cfg = tmp_path / "sites.yaml"
    cfg.write_text('version: 1\nsites:\n  - id: s\n    name: 試験市\n    start_urls: ["https://www.city.example.jp/"]\n',
                   encoding="utf-8")
    return load_sites(cfg).get("s")


@pytest.fixture
def small_fs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path = tmp_path / "fs"
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=384k", "tmpfs", str(path)], check=True)
    yield path
    subprocess.run(["umount", "-l", str(path)], check=False)


def _run(store: Store, site, blob: str) -> int:
    return store.create_run(site, profile="jis2016", viewports=["pc"], axe_version="x", tool_version="x",
                            source="crawl", artifacts_dir=None, config={"blob": blob})


def test_full_disk_is_retried_then_stops_resumably(small_fs, site):
    store = Store(f"sqlite:///{small_fs / 'db.sqlite'}")
    blob = os.urandom(24 * 1024).hex()
    stored = []
    with pytest.raises(DatabaseUnavailable) as err:
        for _ in range(100):
            stored.append(with_retry(_run, store, site, blob, budget=1.0))
    assert isinstance(err.value, RunInterrupted)          # the CLI exits 3 and the run stays resumable
    assert "failed" in str(err.value) and "full" in str(err.value)
    assert int(str(err.value).split("failed ")[1].split(" ")[0]) >= 2, "retried before giving up"
    assert stored and [r["id"] for r in store.list_runs("s")] == stored      # nothing committed is lost
    subprocess.run(["mount", "-o", "remount,size=4m", str(small_fs)], check=True)
    again = with_retry(_run, store, site, blob, budget=1.0)
    assert [r["id"] for r in store.list_runs("s")] == stored + [again]
    store.engine.dispose()


def test_a_constraint_violation_is_not_retried(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    entry = {"url": "https://www.city.example.jp/", "kind": "html", "depth": 0, "found_via": "start",
             "scope": "in", "state": "queued"}
    started = time.monotonic()
    with pytest.raises(IntegrityError):
        with_retry(store.enqueue, 12345, [entry], budget=30)       # no run 12345: a foreign key violation
    assert time.monotonic() - started < 2
