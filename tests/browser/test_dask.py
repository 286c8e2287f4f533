"""Scale-out on Dask: a real scheduler and two real worker processes on 127.0.0.1 (the `dask` command line), a real
PostgreSQL server (Debian's binaries, throwaway cluster), real Chromium on every worker. The audit through
`--scheduler` into PostgreSQL must store exactly what the local audit into SQLite stores, even when a worker is
killed with SIGKILL in the middle: its pages are re-run on the other worker and nothing is lost."""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from pgtools import postgres_or_skip  # noqa: E402

# Lean: 12 pages (the budget is filled from the sitemap at the start, so the page set does not depend on which page
# finishes first; one of them has a smartphone failure, photographed on a worker), two pages in flight.
PAGES = 12
ARGS = ["audit", "sample", "--viewport", "pc", "--viewport", "sp", "--concurrency", "2", "--max-pages", str(PAGES),
        "-q"]


def _require_dask():
    try:
        import distributed  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("dask[distributed] not installed (pip install -e '.[test]')")


def _dask_cli() -> list[str]:
    return [str(Path(sys.executable).parent / "dask")]


@pytest.fixture(scope="module")
def dask_cluster():
    """A scheduler and two single-threaded workers, each its own process group (so that a SIGKILL takes the
    worker's Chromium with it, as when a machine dies)."""
    _require_dask()
    from distributed import Client
    tmp = Path(tempfile.mkdtemp(prefix="a11yaudit-dask-"))
    procs: dict[str, subprocess.Popen] = {}
    logs = []

    def spawn(name, args):
        log = open(tmp / f"{name}.log", "wb")
        logs.append(log)
        procs[name] = subprocess.Popen([*_dask_cli(), *args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)

    sched_file = tmp / "scheduler.json"
    spawn("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(sched_file)])
    client = None
    try:
        deadline = time.monotonic() + 120
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.3)
        address = json.loads(sched_file.read_text())["address"]
        for name in ("w1", "w2"):
            spawn(name, ["worker", address, "--name", name, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                         "--memory-limit", "0", "--local-directory", str(tmp / name)])
        client = Client(address, timeout=120)
        client.wait_for_workers(2, timeout=180)
        yield {"address": address, "client": client, "procs": procs, "tmp": tmp}
    finally:
        if client is not None:
            client.close()
        for proc in procs.values():           # only the processes this fixture started, by their group id
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait(timeout=30)
        for log in logs:
            log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def pg():
    server = postgres_or_skip()
    yield server
    server.stop()


def _snapshot(store, run_id):
    pages = store.run_pages(run_id)
    url = {p["id"]: p["url"] for p in pages}
    page_rows = {p["url"]: (p["state"], p["kind"], p["scope"], p["skip_reason"], p["http_status"], p["title"],
                            p["lang"], p["final_url"]) for p in pages}
    results = sorted((url[r["page_id"]], r["viewport"], r["rule"], r["outcome"], r["n_failed"], r["n_cant_tell"],
                      r["n_passed"]) for r in store.run_results(run_id))
    fps = sorted((url[f["page_id"]], f["rule"], f["fingerprint"], f["outcome"]) for f in store.run_findings(run_id))
    return page_rows, results, fps


@pytest.mark.timeout(900)     # two audits and a cluster on 2 shared cores: generous, never a timed assertion
def test_dask_audit_into_postgres_equals_local_even_when_a_worker_is_killed(tmp_path, cli, dask_cluster, pg):
    from a11yaudit.store.db import Store
    sqlite = f"sqlite:///{tmp_path / 'local.sqlite'}"
    cli("--db", sqlite, *ARGS, "--no-report", "--artifacts-dir", str(tmp_path / "art-local"))
    local = Store(sqlite)
    local_run = local.list_runs("sample")[-1]

    pg_url = pg.create_db("dask_audit")
    client, procs = dask_cluster["client"], dask_cluster["procs"]
    names = {addr: w["name"] for addr, w in client.scheduler_info(n_workers=-1)["workers"].items()}
    coordinator = subprocess.Popen(
        [sys.executable, "-m", "a11yaudit.cli", "--db", pg_url, *ARGS, "--scheduler", dask_cluster["address"],
         "--artifacts-dir", str(tmp_path / "art-dask"), "--reports-dir", str(tmp_path / "reports")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    killed, killed_keys, done_at_kill = None, [], set()
    try:
        store, deadline = None, time.monotonic() + 300
        while time.monotonic() < deadline and coordinator.poll() is None:
            time.sleep(0.3)
            if store is None:
                try:
                    store = Store(pg_url)
                except Exception:  # noqa: BLE001 — the coordinator may still be creating the schema
                    continue
            runs = store.list_runs("sample")
            if not runs or sum(p["state"] == "done" for p in store.run_pages(runs[0]["id"])) < 3:
                continue
            busy = {addr: [k for k in keys if str(k).startswith("a11yaudit-page-")]
                    for addr, keys in client.processing().items()}
            victim = next((addr for addr, keys in busy.items() if keys), None)
            if victim is None:
                continue
            killed, killed_keys = names[victim], busy[victim]
            os.killpg(procs[killed].pid, signal.SIGKILL)      # the worker and its Chromium, mid-page
            done_at_kill = {p["id"] for p in store.run_pages(runs[0]["id"]) if p["state"] == "done"}
            break
        out, err = coordinator.communicate(timeout=600)
    finally:
        if coordinator.poll() is None:
            os.killpg(coordinator.pid, signal.SIGKILL)
            coordinator.wait(timeout=30)
    assert coordinator.returncode == 0, err[-3000:]
    assert killed is not None, "no worker was busy with a page to kill"
    assert procs[killed].wait(timeout=30) == -signal.SIGKILL

    store = Store(pg_url)
    assert store.engine.dialect.name == "postgresql" and store.revision() is not None
    run = store.list_runs("sample")[-1]
    assert run["status"] == "finished" and run["browser_version"]
    # The page that was being rendered on the killed worker was re-run elsewhere and stored once.
    lost_ids = {int(str(k).split("-")[3]) for k in killed_keys}
    by_id = {p["id"]: p for p in store.run_pages(run["id"])}
    for pid in lost_ids - done_at_kill:
        assert by_id[pid]["state"] == "done", by_id[pid]
    assert collections.Counter(p["url"] for p in by_id.values()).most_common(1)[0][1] == 1

    # Same pages, same rule results, same findings as the local run into SQLite.
    assert _snapshot(store, run["id"]) == _snapshot(local, local_run["id"])
    stats, local_stats = json.loads(run["stats_json"]), json.loads(local_run["stats_json"])
    assert stats["pages_done"] == local_stats["pages_done"] == PAGES and stats["pages_error"] == 0
    # The report was written from PostgreSQL, and artifacts were saved by the coordinator.
    report = Path(out.strip().splitlines()[-1])
    assert report.exists() and "日本時間" in report.read_text(encoding="utf-8")
    assert len(list((tmp_path / "art-dask").glob("sample/*/*/pc.json.gz"))) == PAGES
    # Smartphone pictures are taken on the workers and saved by the coordinator, one per distinct problem (which page
    # of a group is photographed first depends on the order the workers finish).
    local_shots = list((tmp_path / "art-local").glob("sample/*/screens/*.jpg"))
    dask_shots = list((tmp_path / "art-dask").glob("sample/*/screens/*.jpg"))
    assert local_shots and len(dask_shots) == len(local_shots), (local_shots, dask_shots)
    assert all(f.read_bytes()[:3] == b"\xff\xd8\xff" for f in dask_shots)          # JPEG
    # Only one worker is left, and it did the rest.
    assert len(client.scheduler_info(n_workers=-1)["workers"]) == 1

    # Incremental re-audit through the cluster: the site is unchanged, so the coordinator answers every page from its
    # HTTP validators without a task, and the stored results are those of the first run.
    again = subprocess.run([sys.executable, "-m", "a11yaudit.cli", "--db", pg_url, *ARGS, "--no-report",
                            "--scheduler", dask_cluster["address"]], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = store.list_runs("sample")[-1]
    rstats = json.loads(rerun["stats_json"])
    assert rerun["id"] != run["id"] and rerun["status"] == "finished"
    assert rstats["pages_reused"] == rstats["pages_done"] == PAGES and rstats["viewport_loads"] == 0, rstats
    assert _snapshot(store, rerun["id"]) == _snapshot(store, run["id"])


def test_coordinator_without_workers_stops_and_keeps_the_run_resumable(tmp_path):
    """No worker at all (or all gone): Dask would keep the tasks waiting forever. The coordinator gives up after
    A11YAUDIT_DASK_NO_WORKER_S, exits 3 naming the --resume command, and the run stays `interrupted` with its pages
    queued."""
    _require_dask()
    from a11yaudit.store.db import Store
    sched_file = tmp_path / "scheduler.json"
    with open(tmp_path / "scheduler.log", "wb") as log:
        sched = subprocess.Popen([*_dask_cli(), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(sched_file)], cwd=ROOT, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.3)
        address = json.loads(sched_file.read_text())["address"]
        db = f"sqlite:///{tmp_path / 'a.sqlite'}"
        proc = subprocess.run([sys.executable, "-m", "a11yaudit.cli", "--db", db, *ARGS, "--no-report",
                               "--scheduler", address], cwd=ROOT, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "A11YAUDIT_DASK_NO_WORKER_S": "3"})
    finally:
        os.killpg(sched.pid, signal.SIGKILL)
        sched.wait(timeout=30)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "no Dask worker" in proc.stderr and "--resume" in proc.stderr
    run = Store(db).list_runs("sample")[-1]
    assert run["status"] == "interrupted"
    states = collections.Counter(p["state"] for p in Store(db).run_pages(run["id"]))
    assert states["queued"] == PAGES and states["done"] == 0, states
