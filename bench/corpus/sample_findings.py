"""Draw a seeded random sample of failed findings per rule group from an audit database, for judging precision by
hand (docs/precision.md). Groups: axe (axe-core's rules), jp (our JP rules), own (our GN/KB/LY/SP/CT rules).
Only the report's 問題あり count: outcome failed, rules that are neither addon-only (gov-style) nor advisory
(readiness, best practice). One finding per (rule, selector, snippet) — a template's header problem on 400 pages
is one problem to judge, as the report lists it once.

    python bench/corpus/sample_findings.py sqlite:////work/corpus/joruri/a.sqlite SITE --seed 20261205 --n 40
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict

from a11yaudit.report.metrics import finding_is_failed
from a11yaudit.rules.loader import load_rules
from a11yaudit.rules.standards import load_standards
from a11yaudit.store.db import Store


def group_of(rule: str) -> str:
    if rule.startswith("axe:"):
        return "axe"
    return "jp" if rule.startswith("JP") else "own"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db")
    ap.add_argument("site")
    ap.add_argument("--run", type=int, default=None)
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--n", type=int, default=40, help="findings per group (all of them when there are fewer)")
    ap.add_argument("--format", choices=["text", "json"], default="text")
    args = ap.parse_args()
    store = Store(args.db)
    run = store.get_run(args.run) if args.run else store.list_runs(args.site)[-1]
    ruleset = load_rules()
    _, profiles = load_standards()
    addon_ids = {pid for pid, p in profiles.items() if p.is_addon}
    urls = {p["id"]: p["url"] for p in store.run_pages(run["id"])}
    distinct: dict[tuple, dict] = {}
    pages_of: dict[tuple, set] = defaultdict(set)
    for f in store.run_findings(run["id"]):
        if not finding_is_failed(ruleset, f["rule"], f["outcome"], addon_ids):
            continue
        key = (f["rule"], f["selector"], f["snippet"])
        pages_of[key].add(urls.get(f["page_id"], "?"))
        distinct.setdefault(key, f)
    by_group: dict[str, list] = defaultdict(list)
    for key in sorted(distinct):
        by_group[group_of(key[0])].append(key)
    rng = random.Random(args.seed)
    out = []
    for group in ("axe", "jp", "own"):
        keys = by_group.get(group, [])
        chosen = keys if len(keys) <= args.n else rng.sample(keys, args.n)
        for i, key in enumerate(sorted(chosen), 1):
            f = distinct[key]
            out.append({"group": group, "no": i, "rule": f["rule"], "viewport": f["viewport"],
                        "pages": len(pages_of[key]), "url": sorted(pages_of[key])[0], "selector": f["selector"],
                        "snippet": f["snippet"][:300], "message": f["message"][:300]})
        print(f"# {group}: {len(keys)} distinct failed findings, {len(chosen)} drawn (seed {args.seed})")
    if args.format == "json":
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    for row in out:
        print(f"\n[{row['group']} {row['no']}] {row['rule']} ({row['viewport']}, {row['pages']} pages) {row['url']}\n"
              f"  selector: {row['selector']}\n  snippet:  {row['snippet']}\n  message:  {row['message']}")


if __name__ == "__main__":
    main()
