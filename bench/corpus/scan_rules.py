"""Render every HTML page of a built corpus (a static CMS demo site) and run chosen rules on it through the page
pipeline, listing every failed and cantTell finding — for judging a new rendered-page rule on sites nobody here wrote
(docs/precision.md).

    .venv/bin/python bench/corpus/scan_rules.py /work/corpus/shirasagi/site GN32 GN33 [--viewport pc] [--workers 2]

Only the gatherers the chosen rules request run (no axe-core rule is judged), so a 450-page corpus takes minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import time
from pathlib import Path

from a11yaudit.gather.engine import PlaywrightEngine
from a11yaudit.pagework import evaluate_rules, gatherers_of
from a11yaudit.rules.loader import load_rules
from a11yaudit.serve import StaticServer


async def scan(site: Path, codes: list[str], viewport: str, workers: int) -> list[tuple]:
    ruleset = load_rules()
    rules = [ruleset.get(c) for c in codes]
    missing = [c for c, r in zip(codes, rules) if r is None]
    if missing:
        raise SystemExit(f"unknown rules: {', '.join(missing)}")
    wanted = gatherers_of(rules)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    engine = PlaywrightEngine(allowed_hosts={"127.0.0.1"})
    await engine.start()
    queue: asyncio.Queue = asyncio.Queue()
    for p in pages:
        queue.put_nowait(p)
    out: list[tuple] = []
    errors = collections.Counter()
    with StaticServer(site) as base:
        async def worker():
            session = engine.session("a11yaudit-scan")
            try:
                while not queue.empty():
                    rel = queue.get_nowait()
                    url = f"{base}/{rel}"
                    load = await session.gather(url, viewport, timeout=30, settle=0.3, interactions=wanted)
                    if load.artifacts is None:
                        errors[load.error_kind] += 1
                        continue
                    for res in evaluate_rules(load.artifacts, viewport, url, rules, axe=False):
                        if res.outcome == "error":
                            errors[f"rule error {res.rule}: {res.error}"] += 1
                        for f in res.findings:
                            out.append((rel, f.rule, f.outcome, f.selector, f.message[:160]))
            finally:
                await session.close()
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
    await engine.close()
    print(f"{len(pages)} pages in {time.perf_counter() - t0:.0f} s; load errors: {dict(errors) or 'none'}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path)
    ap.add_argument("rules", nargs="+")
    ap.add_argument("--viewport", default="pc")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    found = asyncio.run(scan(args.site, args.rules, args.viewport, args.workers))
    by_rule = collections.Counter((f[1], f[2]) for f in found)
    print("findings:", dict(by_rule) or "none")
    for f in found:
        print(" | ".join(f))


if __name__ == "__main__":
    main()
