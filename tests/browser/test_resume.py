"""kill -9 in the middle of an audit, then --resume: nothing stored is lost, nothing is done twice."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from a11yaudit.store.db import Store

ARGS = ["audit", "sample", "--viewport", "pc", "--concurrency", "1", "--max-pages", "14", "--no-report", "-q"]


def _done(store: Store, run_id: int) -> int:
    return sum(1 for p in store.run_pages(run_id) if p["state"] in ("done", "error"))


def _snapshot(store: Store, run_id: int):
    pages = {p["url"]: (p["state"], p["kind"], p["scope"], p["skip_reason"]) for p in store.run_pages(run_id)}
    fps = sorted(f["fingerprint"] for f in store.run_findings(run_id))
    results = sorted((r["viewport"], r["rule"], r["outcome"]) for r in store.run_results(run_id))
    return pages, fps, results


def _start(root, db, tmp_path, extra=()):
    return subprocess.Popen([sys.executable, "-m", "a11yaudit.cli", "--db", db, *ARGS, *extra,
                             "--artifacts-dir", str(tmp_path / "art")], cwd=root, env={**os.environ},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _kill_when(proc, db, target: int, store=None):
    """kill -9 the whole process group (Python and Chromium) once `target` pages are stored."""
    deadline = time.monotonic() + 150
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            if store is None and os.path.exists(db[len("sqlite:///"):]):
                try:
                    store = Store(db)
                except Exception:  # noqa: BLE001 — schema still being created
                    store = None
            if store is not None:
                runs = store.list_runs("sample")
                if runs and _done(store, runs[0]["id"]) >= target:
                    break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    return store


def test_kill_and_resume_equals_uninterrupted(tmp_path, cli, root):
    """Killed three times at different points (the second and third time while resuming), then resumed."""
    db = f"sqlite:///{tmp_path / 'resume.sqlite'}"
    store = _kill_when(_start(root, db, tmp_path), db, 4)
    run_id = store.list_runs("sample")[0]["id"]
    seen_done = set()
    for target in (7, 10):
        before = _done(store, run_id)
        assert store.get_run(run_id)["status"] == "running" and before < 14
        done_now = {p["url"] for p in store.run_pages(run_id) if p["state"] == "done"}
        assert seen_done <= done_now          # nothing stored is ever lost
        seen_done = done_now
        _kill_when(_start(root, db, tmp_path, ("--resume", str(run_id))), db, target, store)
    assert 4 <= len(seen_done) and _done(store, run_id) < 14
    stored_before = {p["url"] for p in store.run_pages(run_id) if p["state"] == "done"}

    cli("--db", db, *ARGS, "--resume", str(run_id), "--artifacts-dir", str(tmp_path / "art"))
    assert store.get_run(run_id)["status"] == "finished"
    assert stored_before <= {p["url"] for p in store.run_pages(run_id) if p["state"] == "done"}

    db2 = f"sqlite:///{tmp_path / 'straight.sqlite'}"
    cli("--db", db2, *ARGS, "--artifacts-dir", str(tmp_path / "art2"))
    straight = Store(db2)
    assert _snapshot(store, run_id) == _snapshot(straight, straight.list_runs("sample")[0]["id"])
    # No page twice, no result twice.
    urls = [p["url"] for p in store.run_pages(run_id)]
    assert len(urls) == len(set(urls))
    keys = [(r["page_id"], r["viewport"], r["rule"]) for r in store.run_results(run_id)]
    assert len(keys) == len(set(keys))


def test_resume_refuses_a_finished_run(tmp_path, cli):
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    cli("--db", db, "audit", "sample", "--viewport", "pc", "--max-pages", "2", "--no-report", "-q",
        "--artifacts-dir", str(tmp_path / "art"))
    proc = cli("--db", db, "audit", "sample", "--resume", "1", "--no-report", check=False)
    assert proc.returncode == 2 and "already finished" in proc.stderr
