#!/usr/bin/env python3
"""Document checks (src/a11yaudit/documents): documents per minute over the sample documents repeated, and the
worker's peak memory on a large scan-like PDF.

    .venv/bin/python bench/bench_documents.py [--repeat 10] [--large-mb 200] [--dir DIR]

The samples and the large PDF are made by scripts/make_sample_documents.py into DIR (a temporary folder by
default). Peak memory is the worker's VmHWM (resident, since exec) as the checker reports it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from a11yaudit.documents import DocumentChecker, Limits  # noqa: E402


def _script():
    spec = importlib.util.spec_from_file_location("msd", ROOT / "scripts" / "make_sample_documents.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--large-mb", type=int, default=200)
    ap.add_argument("--dir", type=Path)
    args = ap.parse_args()
    msd = _script()
    work = args.dir or Path(tempfile.mkdtemp(prefix="a11y-docs-"))
    if not (work / "expected.yaml").exists():
        msd.make(work)
    names = [n for n in msd.EXPECTED if (work / n).exists()]
    by_kind: dict = {}
    with DocumentChecker() as checker:
        checker.check(work / names[0])            # worker start-up not counted
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            for n in names:
                t = time.perf_counter()
                r = checker.check(work / n)
                assert r.ok, (n, r.error_kind, r.error)
                by_kind.setdefault(r.kind, []).append(time.perf_counter() - t)
        elapsed = time.perf_counter() - t0
    total = args.repeat * len(names)
    out = {"documents": total, "seconds": round(elapsed, 2), "documents_per_minute": round(total / elapsed * 60),
           "median_ms_by_kind": {k: round(sorted(v)[len(v) // 2] * 1000, 1) for k, v in sorted(by_kind.items())}}
    if args.large_mb:
        large = work / f"large-{args.large_mb}.pdf"
        if not large.exists():
            t = time.perf_counter()
            pages = msd.make_large_pdf(large, args.large_mb)
            out["large_made_s"] = round(time.perf_counter() - t, 1)
        with DocumentChecker(Limits(timeout_s=600)) as checker:
            r = checker.check(large)
        out["large"] = {"mb": round(large.stat().st_size / 2**20), "pages": r.pages, "seconds": r.elapsed_s,
                        "worker_peak_rss_mb": round((r.peak_rss_kb or 0) / 1024, 1), "error": r.error_kind,
                        "DOC04": r.outcome_of("DOC04")}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
