"""The report's 「スマートフォン対応」 section: the smartphone-readiness rules (rules/smartphone.py) per check and per
problem, with the phone-width screenshot taken during the audit (artifacts/…/screens/<page key>.jpg), copied next to
the report and linked."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .. import settings
from ..rules.model import CANT_TELL, FAILED
from ..rules.smartphone import SMARTPHONE_RULES
from .i18n import Translator
from .screens import screenshot_file

SAMPLE_PAGES = 5                  # pages named with each smartphone problem (all of them: the per-page results)
MAX_GROUPS = 60                   # problems listed in the section (failures first, then by pages); the rest counted


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
    # One group per problem (rule, target, outcome, message), with the pages it is on: a template's header
    # overflowing on every page is one group; a 400-page site gives a few dozen groups, however its pages combine
    # them. The picture of a group is that of its first photographed page that fails it (the audit takes one
    # picture per distinct set of smartphone failures, gather/mobile.py), linked, not embedded.
    problems: dict[tuple, dict] = {}
    for pid in sorted(rows, key=lambda i: by_page[i]["url"]):
        for key, r in rows[pid].items():
            gkey = (key, r["message"])
            g = problems.get(gkey)
            if g is None:
                g = problems[gkey] = {"row": dict(r, viewports=[]), "members": []}
            g["row"]["viewports"] += [v for v in r["viewports"] if v not in g["row"]["viewports"]]
            g["members"].append(pid)
    has_shot = {pid for pid in rows if run.get("artifacts_dir")
                and screenshot_file(screens, by_page[pid]["url"]).is_file()}
    groups = []
    for (key, _msg), g in problems.items():
        members = g["members"]
        shot = next((pid for pid in members if pid in has_shot), None) if key[2] == FAILED else None
        groups.append({"rows": [g["row"]], "pages": len(members), "page_ids": members,
                       "sample": [{"id": pid, "url": by_page[pid]["url"], "title": by_page[pid]["title"]}
                                  for pid in members[:SAMPLE_PAGES]],
                       "failed": 1 if key[2] == FAILED else 0,
                       "screenshot_path": str(screenshot_file(screens, by_page[shot]["url"])) if shot else None,
                       "screenshot_url": by_page[shot]["url"] if shot else None,
                       "_order": (key[2] != FAILED, -len(members), order[key[0]], key[1])})
    groups.sort(key=lambda g: g.pop("_order"))
    failed_pages = len({pid for g in groups if g["failed"] for pid in g["page_ids"]})
    more = groups[MAX_GROUPS:]
    groups = groups[:MAX_GROUPS]
    for number, g in enumerate(groups, 1):
        g["number"] = number
        g["screenshot"] = None      # set by the writer: the picture's path relative to the report
    return {"checks": checks, "groups": groups,
            "failed_pages": failed_pages, "more_groups": len(more),
            "more_failed": sum(1 for g in more if g["failed"]),
            "has_sp": "sp" in (run.get("viewports") or "").split(",")}
