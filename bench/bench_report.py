"""Benchmark (run by hand): report generation on a large run. SYNTHETIC: the pages, rule results and findings of
one real audit (e.g. bench_site.py --keep DIR) are replicated across N generated URLs into a new run of a copy of
that database, then `a11yaudit report --run R` is timed (wall, peak RSS of the process).

    .venv/bin/python bench/bench_report.py /tmp/bench/bench.sqlite --pages 10000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def synthesise(db: Path, src_run: int, n: int) -> int:
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    cols = [r[1] for r in con.execute("PRAGMA table_info(runs)") if r[1] != "id"]
    con.execute(f"INSERT INTO runs ({','.join(cols)}) SELECT {','.join(cols)} FROM runs WHERE id=?", (src_run,))
    run = con.execute("SELECT max(id) FROM runs").fetchone()[0]
    con.execute("UPDATE runs SET stats_json = json_set(coalesce(stats_json,'{}'), '$.synthetic', 1) WHERE id=?",
                (run,))
    src = con.execute("SELECT id FROM pages WHERE run_id=? AND kind='html' AND state='done' ORDER BY id",
                      (src_run,)).fetchall()
    pcols = [r[1] for r in con.execute("PRAGMA table_info(pages)") if r[1] not in ("id", "run_id", "url")]
    con.execute("CREATE TEMP TABLE m (k INTEGER PRIMARY KEY, src INTEGER, new INTEGER)")
    con.executemany("INSERT INTO m (k, src) VALUES (?, ?)", [(k, src[k % len(src)][0]) for k in range(n)])
    con.execute(f"INSERT INTO pages (run_id, url, {','.join(pcols)}) SELECT ?, 'http://bench-city.invalid/synthetic/'"
                f" || m.k || '.html', {','.join('p.' + c for c in pcols)} FROM m JOIN pages p ON p.id = m.src "
                "ORDER BY m.k", (run,))
    con.execute("UPDATE m SET new = (SELECT id FROM pages WHERE run_id=? AND url = "
                "'http://bench-city.invalid/synthetic/' || m.k || '.html')", (run,))
    for table in ("rule_results", "findings"):
        tcols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] not in ("id", "run_id", "page_id")]
        con.execute(f"INSERT INTO {table} (run_id, page_id, {','.join(tcols)}) SELECT ?, m.new, "
                    f"{','.join('t.' + c for c in tcols)} FROM m JOIN {table} t ON t.page_id = m.src "
                    "ORDER BY m.k, t.id", (run,))
    con.commit()
    for table in ("pages", "rule_results", "findings"):
        print(f"  {table}: {con.execute(f'SELECT count(*) FROM {table} WHERE run_id=?', (run,)).fetchone()[0]}")
    con.close()
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db", type=Path, help="SQLite database of a real audit (not modified: a copy is used)")
    ap.add_argument("--run", type=int, default=None, help="run to replicate (default: the first)")
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--keep", type=Path, default=None, help="keep the synthetic database here")
    ap.add_argument("--report-only", type=int, default=None, metavar="RUN",
                    help="DB is already synthetic: only time the report of this run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="a11yreport-") as tmp:
        if args.report_only:
            db, run = args.db, args.report_only
        else:
            db = args.keep or Path(tmp) / "synthetic.sqlite"
            shutil.copy(args.db, db)
            src_run = args.run or sqlite3.connect(db).execute("SELECT min(id) FROM runs").fetchone()[0]
            t0 = time.monotonic()
            print(f"SYNTHETIC run: run {src_run} of {args.db} replicated across {args.pages} URLs")
            run = synthesise(db, src_run, args.pages)
            print(f"  built in {time.monotonic() - t0:.1f} s; database {db.stat().st_size / 2**20:.0f} MB")
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "a11yaudit.cli", "--db", f"sqlite:///{db}", "report",
                               "--run", str(run), "--reports-dir", str(Path(tmp) / "reports")], cwd=ROOT,
                              capture_output=True, text=True)
        wall = time.monotonic() - t0
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-3000:])
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = usage.ru_maxrss / 1024
        html = Path(proc.stdout.strip().splitlines()[-1])
        files = sorted(html.parent.glob("*.html"))
        biggest = max(files, key=lambda f: f.stat().st_size)
        print(f"report of run {run}: {wall:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU, "
              f"peak RSS {peak:.0f} MB, index.html {html.stat().st_size / 2**20:.2f} MB; {len(files)} HTML files, "
              f"{sum(f.stat().st_size for f in files) / 2**20:.1f} MB in all, largest {biggest.name} "
              f"{biggest.stat().st_size / 2**20:.2f} MB")


if __name__ == "__main__":
    main()
