"""Benchmark (run by hand, not in CI): audit the bundled sample site and report pages/minute, CPU seconds per page,
peak memory of the whole process tree (Python + Playwright driver + Chromium) and where page time goes.

    .venv/bin/python bench/bench_sample.py --concurrency 1 2 4 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLK = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            tree.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError):
            continue
    return tree


def _kids(pid: int) -> list[int] | None:
    """Children of pid from /proc/<pid>/task/*/children (cheap); None when the kernel does not offer the file."""
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
    except FileNotFoundError:
        return None if not os.path.exists(f"/proc/{pid}/task") else out
    except (OSError, ValueError):
        pass
    return out


def _tree(pid: int) -> list[int]:
    """pid and all its descendants. Walks the children files (a full /proc scan every 100 ms cost ~35 % of a core
    while Chromium ran); falls back to the scan."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = _kids(p)
        if kids is None:
            if p == pid:
                break
            continue
        out.append(p)
        todo.extend(kids)
    else:
        return out
    tree, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(tree.get(p, []))
    return out


def _sample(pids: list[int]) -> tuple[int, dict[int, float]]:
    rss, cpu = 0, {}
    for p in pids:
        try:
            # PSS, not RSS: Chromium's processes share most of their pages; summing RSS would count them
            # several times over.
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        rss += int(line.split()[1]) * 1024
                        break
            with open(f"/proc/{p}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            cpu[p] = (int(fields[11]) + int(fields[12])) / CLK
        except (OSError, IndexError, ValueError):
            continue
    return rss, cpu


def run_once(concurrency: int, viewports: list[str], workdir: Path) -> dict:
    db = workdir / f"bench-c{concurrency}.sqlite"
    db.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "a11yaudit.cli", "--db", f"sqlite:///{db}", "audit", "sample", "-q", "--no-report",
           "--concurrency", str(concurrency), "--artifacts-dir", str(workdir / "artifacts")]
    for vp in viewports:
        cmd += ["--viewport", vp]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, cpu_by_pid = 0, {}
    while proc.poll() is None:
        rss, cpu = _sample(_tree(proc.pid))
        peak = max(peak, rss)
        for p, c in cpu.items():
            cpu_by_pid[p] = max(cpu_by_pid.get(p, 0.0), c)
        time.sleep(0.1)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.read().decode()[-2000:])
    stats = json.loads(sqlite3.connect(db).execute("SELECT stats_json FROM runs ORDER BY id DESC").fetchone()[0])
    pages = stats["pages_done"]
    loads = stats["viewport_loads"]
    t = stats["timings"]
    breakdown = {k: round(t.get(k, 0.0) / max(loads, 1), 1) for k in
                 ("load_ms", "settle_ms", "axe_inject_ms", "axe_ms", "cjk_contrast_ms", "collect_ms", "interact_ms")}
    breakdown["python_rules_and_artifacts_ms"] = round(t.get("python_ms", 0.0) / max(loads, 1), 1)
    cpu_total = sum(cpu_by_pid.values())
    return {"concurrency": concurrency, "viewports": viewports, "pages": pages, "viewport_loads": loads,
            "wall_s": round(wall, 2), "audit_s": stats["elapsed_s"],
            "pages_per_min": round(pages / stats["elapsed_s"] * 60, 1),
            "pages_per_min_incl_startup": round(pages / wall * 60, 1),
            "cpu_s_per_page": round(cpu_total / max(pages, 1), 3), "peak_pss_mb": round(peak / 2**20, 1),
            "per_viewport_load_ms": breakdown}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--viewport", action="append", default=None, help="pc / sp (default both)")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    viewports = args.viewport or ["pc", "sp"]
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for c in args.concurrency:
                row = run_once(c, viewports, Path(tmp))
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    print(f"\n{'conc':>4} {'pages':>5} {'pages/min':>9} {'cpu s/page':>10} {'peak PSS MB':>8}  per-load ms "
          "(load / settle / axe / cjk contrast / collect / interact / python)")
    for r in rows:
        b = r["per_viewport_load_ms"]
        print(f"{r['concurrency']:>4} {r['pages']:>5} {r['pages_per_min']:>9} {r['cpu_s_per_page']:>10} "
              f"{r['peak_pss_mb']:>11}  {b['load_ms']} / {b['settle_ms']} / {b['axe_ms'] + b['axe_inject_ms']:.1f} / "
              f"{b['cjk_contrast_ms']} / {b['collect_ms']} / {b['interact_ms']} / {b['python_rules_and_artifacts_ms']}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out_dir / f"bench-{stamp}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
