"""`python -m a11yaudit.documents FILE…`: check documents and print one line per outcome that is not passed (or the
whole results as JSON with --json). Exit 1 when a conformance rule failed, 0 otherwise."""

from __future__ import annotations

import argparse
import json
import sys

from .checker import DocumentChecker
from .model import Limits


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m a11yaudit.documents", description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--json", action="store_true", help="the DocumentResult of each file as JSON lines")
    ap.add_argument("--lang", choices=["ja", "en"], default="ja")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--memory-mb", type=int, default=1024)
    args = ap.parse_args(argv)
    failed = False
    with DocumentChecker(Limits(timeout_s=args.timeout, memory_mb=args.memory_mb)) as checker:
        for path in args.files:
            r = checker.check(path)
            failed = failed or bool(r.failures())
            if args.json:
                print(json.dumps(r.to_dict(), ensure_ascii=False))
                continue
            head = f"{path}: {r.kind or '?'}, {r.pages if r.pages is not None else '-'} p., {r.size:,} bytes"
            print(head + (f" — {r.error_kind}: {r.error}" if r.error_kind else ""))
            for o in r.outcomes:
                if o.outcome in ("failed", "cantTell"):
                    msg = o.message if args.lang == "ja" else o.message_en
                    print(f"  {o.rule} {o.outcome}{' [' + o.location + ']' if o.location else ''}: {msg}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
