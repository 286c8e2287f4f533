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
from .i18n import Translator

MAX_EMBEDDED = 40                 # screenshots embedded in the HTML (each ~30–150 KB)
SAMPLE_PAGES = 20                 # pages named in each group of pages with the same smartphone problems


def criterion_label(cid: str, all_criteria: dict, jis_ids: set) -> str:
    """「JIS 2016 1.4.4」 for criteria of JIS X 8341-3:2016, 「WCAG 2.1 1.4.10」 for those added later."""
    crit = all_criteria.get(cid)
    if cid in jis_ids or crit is None:
        return f"JIS 2016 {cid}"
    return f"WCAG {crit.since} {cid}"


def build_smartphone(run: dict, ruleset, pages: list, results: list, findings: list, all_criteria: dict,
                     jis_ids: set, t: Translator | None = None) -> dict:
    t = t or Translator("ja")
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
            "rule": code, "title": t.pick(rule.title),
            "criteria": [criterion_label(c, all_criteria, jis_ids) for c in rule.requirements],
            "viewports": t.dot.join(t.viewport(v) for v in (rule.viewports or settings.VIEWPORTS)
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
                "rule": f["rule"], "title": t.pick(rule.title), "outcome": f["outcome"], "selector": f["selector"],
                "message": t.message(f), "viewports": [],
                "criteria": [criterion_label(c, all_criteria, jis_ids) for c in rule.requirements]}
        label = t.viewport(f["viewport"])
        if label not in row["viewports"]:
            row["viewports"].append(label)
    screens = Path(run.get("artifacts_dir") or "") / "screens"
    order = {c: i for i, c in enumerate(codes)}
    # Pages with exactly the same smartphone problems (a template's header overflowing on every page) form one
    # group, shown once with its pages; a 10,000-page site has a handful of groups, not 10,000 entries.
    by_rows = defaultdict(list)
    for pid in sorted(rows, key=lambda i: by_page[i]["url"]):
        by_rows[frozenset((k, r["message"]) for k, r in rows[pid].items())].append(pid)
    # One picture per distinct problem (gather/mobile.py): the picture of a group is that of its first photographed
    # page; a group whose smartphone failures match a photographed page's points at that page's group.
    sig_pairs = defaultdict(set)
    for f in findings:
        if f["viewport"] == "sp" and f["outcome"] == FAILED and f["rule"] in wanted and f["page_id"] in rows:
            sig_pairs[f["page_id"]].add((f["rule"], f["selector"]))
    has_shot = {pid for pid in rows if run.get("artifacts_dir")
                and (screens / f"{page_key(by_page[pid]['url'])}.jpg").is_file()}
    groups = []
    for members in by_rows.values():
        items = []
        for key in sorted(rows[members[0]], key=lambda k: (k[2] != FAILED, order[k[0]], k[1])):
            merged = dict(rows[members[0]][key], viewports=[])
            for pid in members:
                merged["viewports"] += [v for v in rows[pid][key]["viewports"] if v not in merged["viewports"]]
            items.append(merged)
        groups.append({"members": members, "rows": items, "pages": len(members),
                       "sample": [{"id": pid, "url": by_page[pid]["url"], "title": by_page[pid]["title"]}
                                  for pid in members[:SAMPLE_PAGES]],
                       "failed": sum(1 for r in items if r["outcome"] == FAILED)})
    groups.sort(key=lambda g: (not g["failed"], -g["pages"], by_page[g["members"][0]]["url"]))
    owner = {}
    for number, g in enumerate(groups, 1):
        g["number"] = number
        g["shot_page"] = next((pid for pid in g["members"] if pid in has_shot), None)
        if g["shot_page"] is not None:
            owner.setdefault(problem_signature(sig_pairs.get(g["shot_page"], ())), number)
    embedded = 0
    for g in groups:
        pid = g.pop("shot_page")
        g["screenshot"] = g["screenshot_file"] = g["same_shot"] = None
        if pid is not None:
            path = screens / f"{page_key(by_page[pid]['url'])}.jpg"
            if embedded < MAX_EMBEDDED:
                g["screenshot"] = "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
                embedded += 1
            else:
                g["screenshot_file"] = str(path)
            g["screenshot_url"] = by_page[pid]["url"]
        else:
            sigs = {problem_signature(sig_pairs[m]) for m in g["members"] if sig_pairs.get(m)}
            g["same_shot"] = next((owner[s] for s in sigs if s in owner), None)
        g["page_ids"] = g.pop("members")
    return {"checks": checks, "groups": groups,
            "failed_pages": sum(g["pages"] for g in groups if g["failed"]),
            "has_sp": "sp" in (run.get("viewports") or "").split(",")}
