"""Markdown tables of an `a11yaudit eval --json FILE` result, for docs/recall.md:

    .venv/bin/a11yaudit eval tests/barriers --json /tmp/eval.json
    .venv/bin/python tests/barriers/tables.py /tmp/eval.json
"""

from __future__ import annotations

import json
import sys


def pct(v) -> str:
    return "-" if v is None else f"{v * 100:.0f} %"


def recall_table(title: str, rows: dict) -> list[str]:
    out = [f"| {title} | barriers | found as error | recall (errors) | found incl. warnings | recall (errors + warnings) |",
           "|---|---:|---:|---:|---:|---:|"]
    for key, v in rows.items():
        star = " *" if v.get("in_standard") is False else ""
        out.append(f"| {key}{star} | {v['barriers']} | {v['found_errors']} | {pct(v['recall_errors'])} | "
                   f"{v['found_with_warnings']} | {pct(v['recall_with_warnings'])} |")
    return out


def main(path: str) -> int:
    r = json.loads(open(path, encoding="utf-8").read())
    lines = recall_table("criterion", r["by_criterion"]) + [""]
    lines += recall_table("category", {**r["by_category"], "**total**": r["total"]}) + [""]
    lines += ["### Missed", "", "| id | criterion | technique | what the page does | rules that would count | "
              "other findings on the element |", "|---|---|---|---|---|---|"]
    for b in r["barriers"]:
        if b["found"] == "missed":
            lines.append(f"| {b['id']} | {b['criterion'] or b['category']} | {b['technique']} | "
                         f"{b['description'].replace('|', '/')} | {', '.join(b['rules']) or '— (none)'} | "
                         f"{', '.join(b['other'])} |")
    lines += ["", "### Found only as warnings", "", "| id | criterion | found as |", "|---|---|---|"]
    for b in r["barriers"]:
        if b["found"] == "cantTell":
            lines.append(f"| {b['id']} | {b['criterion'] or b['category']} | {', '.join(b['by'])} |")
    lines += ["", f"False failures on clean twins: {len(r['false_failures'])}; clean twins with only human-check "
                  f"items: {sum(1 for p in r['clean_pages'] if p['failed'] == 0 and p['cantTell'] == 0)} of "
                  f"{len(r['clean_pages'])}; {r['pages_run']} pages in {r['seconds']} s"
                  f"{' (--fast)' if r.get('fast') else ''}."]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
