"""Sizing for scale-out (run by hand, never in CI): a Dask scheduler and N workers on 127.0.0.1, the sample site
audited through `a11yaudit audit --scheduler`, and the pages per worker-hour that the docs' cost estimate uses.

    .venv/bin/python bench/bench_dask.py --workers 1 --threads 2 --max-pages 49 [--viewport pc --viewport sp]

Prints one JSON line: pages, audit seconds, pages/min, pages per worker-hour and per worker-thread-hour. On one
machine the workers share its cores with the coordinator and each other: a figure per *machine* of this size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2, help="pages at once per worker (dask worker --nthreads)")
    ap.add_argument("--max-pages", type=int, default=49)
    ap.add_argument("--viewport", action="append", default=None)
    ap.add_argument("--concurrency", type=int, default=None, help="pages in flight (default: workers × threads)")
    ap.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="a11yaudit-bench-dask-"))
    procs = []
    try:
        sched = tmp / "scheduler.json"
        procs.append(subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                       "--no-dashboard", "--scheduler-file", str(sched)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        while not sched.exists():
            time.sleep(0.2)
        address = json.loads(sched.read_text())["address"]
        for i in range(args.workers):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", str(args.threads),
                                           "--no-nanny", "--no-dashboard", "--memory-limit", "0",
                                           "--local-directory", str(tmp / f"w{i}")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
        from distributed import Client
        with Client(address, timeout=120) as client:
            client.wait_for_workers(args.workers, timeout=180)
        db = args.db or f"sqlite:///{tmp / 'bench.sqlite'}"
        concurrency = args.concurrency or args.workers * args.threads
        vps = [a for v in (args.viewport or ["pc", "sp"]) for a in ("--viewport", v)]
        subprocess.run([str(BIN / "a11yaudit"), "--db", db, "audit", "sample", *vps, "--max-pages",
                        str(args.max_pages), "--concurrency", str(concurrency), "--scheduler", address,
                        "--no-report", "--no-artifacts", "-q"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        from a11yaudit.store.db import Store
        run = Store(db).list_runs("sample")[-1]
        stats = json.loads(run["stats_json"])
        pages, secs = stats["pages_done"], stats["elapsed_s"]
        print(json.dumps({
            "workers": args.workers, "threads": args.threads, "concurrency": concurrency,
            "viewports": args.viewport or ["pc", "sp"], "pages": pages, "audit_s": secs,
            "pages_per_min": round(pages / secs * 60, 1),
            "pages_per_worker_hour": round(pages / secs * 3600 / args.workers),
            "pages_per_thread_hour": round(pages / secs * 3600 / (args.workers * args.threads)),
            "load_avg_1min": os.getloadavg()[0]}, ensure_ascii=False))
    finally:
        for proc in reversed(procs):     # only what this script started, by process group
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
