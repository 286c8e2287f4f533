"""Benchmark (run by hand, not in CI): the Playwright and the Selenium engine on the same sample-site pages, one after
the other in the same run, through the real CLI. Prints seconds per page (and per page × viewport), CPU seconds per
page of the whole process tree (Python + Playwright driver or chromedriver + Chromium) and peak memory (PSS).

    .venv/bin/python bench/bench_engines.py --max-pages 12 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sample import ROOT, _sample, _tree  # noqa: E402 — the process-tree sampling of the main benchmark


def run_once(engine: str, max_pages: int, workdir: Path) -> dict:
    db = workdir / f"bench-{engine}.sqlite"
    db.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "a11yaudit.cli", "--db", f"sqlite:///{db}", "audit", "sample", "-q", "--no-report",
           "--engine", engine, "--concurrency", "1", "--max-pages", str(max_pages),
           "--artifacts-dir", str(workdir / "artifacts")]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, cpu_by_pid = 0, {}
    while proc.poll() is None:
        pss, cpu = _sample(_tree(proc.pid))
        peak = max(peak, pss)
        for p, c in cpu.items():
            cpu_by_pid[p] = max(cpu_by_pid.get(p, 0.0), c)
        time.sleep(0.1)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.read().decode()[-2000:])
    stats = json.loads(sqlite3.connect(db).execute("SELECT stats_json FROM runs ORDER BY id DESC").fetchone()[0])
    pages, loads, t = stats["pages_done"], stats["viewport_loads"], stats["timings"]
    per_load = {k: round(t.get(k, 0.0) / max(loads, 1), 1) for k in
                ("load_ms", "settle_ms", "axe_inject_ms", "axe_ms", "collect_ms", "interact_ms", "total_ms")}
    return {"engine": engine, "pages": pages, "viewport_loads": loads, "wall_s": round(wall, 2),
            "audit_s": stats["elapsed_s"], "s_per_page": round(stats["elapsed_s"] / max(pages, 1), 2),
            "cpu_s_per_page": round(sum(cpu_by_pid.values()) / max(pages, 1), 2),
            "peak_pss_mb": round(peak / 2**20, 1), "per_viewport_load_ms": per_load,
            "engine_notes": stats.get("engine_notes")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-pages", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for engine in ("playwright", "selenium"):
                row = run_once(engine, args.max_pages, Path(tmp))
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    print(f"\n{'engine':>10} {'pages':>5} {'s/page':>7} {'cpu s/page':>10} {'peak PSS MB':>11}  per-load ms "
          "(load / settle / axe+inject / interact / total)")
    for r in rows:
        b = r["per_viewport_load_ms"]
        print(f"{r['engine']:>10} {r['pages']:>5} {r['s_per_page']:>7} {r['cpu_s_per_page']:>10} {r['peak_pss_mb']:>11}"
              f"  {b['load_ms']} / {b['settle_ms']} / {b['axe_ms'] + b['axe_inject_ms']:.1f} / {b['interact_ms']} / "
              f"{b['total_ms']}")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"engines-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
