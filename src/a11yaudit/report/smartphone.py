"""The report's 「スマートフォン対応」 section: the smartphone-readiness rules (rules/smartphone.py) per check and per
page, with the phone-width screenshot taken during the audit (artifacts/…/screens/<page key>.jpg) embedded."""

from __future__ import annotations

import base64
from collections import defaultdict
from pathlib import Path

from .. import settings
from ..gather.artifacts import page_key
from ..gather.mobile import problem_signature
from ..rules.model import CANT_TELL, FAILED
from ..rules.smartphone import SMARTPHONE_RULES

MAX_EMBEDDED = 40                 # screenshots embedded in the HTML (each ~30–150 KB)


def criterion_label(cid: str, all_criteria: dict, jis_ids: set) -> str:
    """「JIS 2016 1.4.4」 for criteria of JIS X 8341-3:2016, 「WCAG 2.1 1.4.10」 for those added later."""
    crit = all_criteria.get(cid)
    if cid in jis_ids or crit is None:
        return f"JIS 2016 {cid}"
    return f"WCAG {crit.since} {cid}"


def build_smartphone(run: dict, ruleset, pages: list, results: list, findings: list, all_criteria: dict,
                     jis_ids: set) -> dict:
    codes = [c for c in SMARTPHONE_RULES if ruleset.get(c) is not None]
    wanted = set(codes)
    by_page = {p["id"]: p for p in pages}
    stat = {c: {"failed": set(), "cant_tell": set(), "passed": set()} for c in codes}
    for r in results:
        if r["rule"] not in wanted or r["page_id"] not in by_page:
            continue
        key = {FAILED: "failed", CANT_TELL: "cant_tell", "passed": "passed"}.get(r["outcome"])
        if key:
            stat[r["rule"]][key].add(r["page_id"])
    checks = []
    for code in codes:
        rule = ruleset.get(code)
        s = stat[code]
        checks.append({
            "rule": code, "title": rule.title["ja"],
            "criteria": [criterion_label(c, all_criteria, jis_ids) for c in rule.requirements],
            "viewports": "・".join(settings.VIEWPORTS[v]["label"]["ja"] for v in (rule.viewports or settings.VIEWPORTS)
                                   if v in settings.VIEWPORTS),
            "failed_pages": len(s["failed"]), "cant_tell_pages": len(s["cant_tell"] - s["failed"]),
            "passed_pages": len(s["passed"] - s["failed"] - s["cant_tell"]),
        })
    rows = defaultdict(dict)
    for f in findings:
        if f["rule"] not in wanted or f["page_id"] not in by_page or f["outcome"] not in (FAILED, CANT_TELL):
            continue
        key = (f["rule"], f["selector"], f["outcome"])
        row = rows[f["page_id"]].get(key)
        if row is None:
            rule = ruleset.get(f["rule"])
            row = rows[f["page_id"]][key] = {
                "rule": f["rule"], "title": rule.title["ja"], "outcome": f["outcome"], "selector": f["selector"],
                "message": f["message"], "viewports": [],
                "criteria": [criterion_label(c, all_criteria, jis_ids) for c in rule.requirements]}
        label = settings.VIEWPORTS.get(f["viewport"], {}).get("label", {}).get("ja", f["viewport"])
        if label not in row["viewports"]:
            row["viewports"].append(label)
    screens = Path(run.get("artifacts_dir") or "") / "screens"
    order = {c: i for i, c in enumerate(codes)}
    # One picture per distinct problem (gather/mobile.py): a page whose smartphone failures are exactly those of a
    # photographed page points at that page's picture.
    sig_pairs = defaultdict(set)
    for f in findings:
        if f["viewport"] == "sp" and f["outcome"] == FAILED and f["rule"] in wanted and f["page_id"] in rows:
            sig_pairs[f["page_id"]].add((f["rule"], f["selector"]))
    has_shot = {pid for pid in rows if run.get("artifacts_dir")
                and (screens / f"{page_key(by_page[pid]['url'])}.jpg").is_file()}
    owner = {}
    for pid in sorted(has_shot, key=lambda i: by_page[i]["url"]):
        owner.setdefault(problem_signature(sig_pairs.get(pid, ())), pid)
    out_pages, embedded = [], 0
    for pid in sorted(rows, key=lambda i: (not any(r["outcome"] == FAILED for r in rows[i].values()),
                                           by_page[i]["url"])):
        p = by_page[pid]
        items = sorted(rows[pid].values(), key=lambda r: (r["outcome"] != FAILED, order[r["rule"]], r["selector"]))
        shot = None
        path = screens / f"{page_key(p['url'])}.jpg"
        if run.get("artifacts_dir") and path.is_file() and embedded < MAX_EMBEDDED:
            shot = "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
            embedded += 1
        same = None
        if pid not in has_shot and sig_pairs.get(pid):
            other = owner.get(problem_signature(sig_pairs[pid]))
            if other is not None:
                same = {"id": other, "url": by_page[other]["url"]}
        out_pages.append({"id": pid, "url": p["url"], "title": p["title"], "rows": items, "screenshot": shot,
                          "screenshot_file": str(path) if pid in has_shot and shot is None else None,
                          "same_shot": same,
                          "failed": sum(1 for r in items if r["outcome"] == FAILED)})
    return {"checks": checks, "pages": out_pages,
            "failed_pages": sum(1 for p in out_pages if p["failed"]),
            "has_sp": "sp" in (run.get("viewports") or "").split(",")}
