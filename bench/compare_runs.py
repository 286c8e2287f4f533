"""Compare the stored results of two runs (possibly in two databases): pages, rule outcomes and findings.

    python bench/compare_runs.py sqlite:///before.sqlite sqlite:///after.sqlite [--run-a N] [--run-b M]

Prints the differences (nothing but a summary line when the runs stored the same results) and exits 1 when they
differ. Used to show that a refactor or an optimisation keeps every stored outcome and finding (the latest run of
each database by default). Timings, ids and dates are not compared."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from sqlalchemy import create_engine, text


def snapshot(url: str, run: int | None) -> tuple[int, dict]:
    eng = create_engine(url)
    with eng.connect() as c:
        if run is None:
            run = c.execute(text("select max(id) from runs")).scalar()
        pages = {r.url: (r.kind, r.scope, r.state, r.http_status, r.title, r.lang, r.error_kind)
                 for r in c.execute(text("select * from pages where run_id=:r"), {"r": run})}
        by_id = {r.id: r.url for r in c.execute(text("select id, url from pages where run_id=:r"), {"r": run})}
        results = {(by_id[r.page_id], r.viewport, r.rule): (r.outcome, r.n_failed, r.n_cant_tell, r.n_passed)
                   for r in c.execute(text("select * from rule_results where run_id=:r"), {"r": run})}
        findings = Counter((by_id[r.page_id], r.viewport, r.rule, r.outcome, r.fingerprint, r.selector, r.message)
                           for r in c.execute(text("select * from findings where run_id=:r"), {"r": run}))
    return run, {"pages": pages, "results": results, "findings": findings}


def differences(a: dict, b: dict, limit: int = 40) -> list[str]:
    out = []
    for kind in ("pages", "results"):
        for key in sorted(set(a[kind]) | set(b[kind]), key=str):
            if a[kind].get(key) != b[kind].get(key):
                out.append(f"{kind} {key}: {a[kind].get(key)} → {b[kind].get(key)}")
    fa, fb = a["findings"], b["findings"]
    for key in sorted(set(fa) | set(fb), key=str):
        if fa.get(key, 0) != fb.get(key, 0):
            out.append(f"finding {key[:5]} {key[6][:80]!r}: ×{fa.get(key, 0)} → ×{fb.get(key, 0)}")
    return out[:limit] + ([f"… {len(out) - limit} more"] if len(out) > limit else [])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db_a")
    ap.add_argument("db_b")
    ap.add_argument("--run-a", type=int)
    ap.add_argument("--run-b", type=int)
    args = ap.parse_args(argv)
    ra, a = snapshot(args.db_a, args.run_a)
    rb, b = snapshot(args.db_b, args.run_b)
    diff = differences(a, b)
    for line in diff:
        print(line)
    print(f"run {ra} vs run {rb}: {len(a['pages'])}/{len(b['pages'])} pages, {len(a['results'])}/{len(b['results'])} "
          f"rule results, {sum(a['findings'].values())}/{sum(b['findings'].values())} findings: "
          f"{'DIFFERENT' if diff else 'identical'}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
