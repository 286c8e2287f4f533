"""Trends across audits of one site: per run and per Japanese fiscal quarter, site-wide and per section.

New / fixed / persisting findings between two runs compare failed findings by fingerprint (site, URL path,
viewport, rule, normalised selector — store/db.py). A finding can only be judged where both runs looked:
- fixed: a finding of the earlier run that the later run does not have, on a page the later run audited
  (state done) at that viewport;
- persisting: in both runs (counted with multiplicity: two identical fingerprints on one page persist as two);
- new: a finding of the later run that the earlier run did not have, on a page the earlier run audited at that
  viewport, or on a page the earlier run did not know at all (a page added to the site);
- not compared (比較不能): everything else — a page the later run did not audit (removed, failed to load, over
  the page budget, not linked any more) or a viewport only one run rendered. Such a finding is neither fixed
  nor persisting: a page that failed to load is not a remediation, and a page seen but not audited in the
  earlier run does not make its findings new.
The comparison covers every audited same-site page whatever its scope, so a change of the policy scope moves
the in-scope figures but never creates "new" or "fixed" findings; the scope-dependent figures (in-scope pages,
share with A/AA problems, failures per criterion) are computed per run from that run's classification.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ..discover.scope import IN_SCOPE
from ..errors import ConfigError
from ..rules.loader import RuleSet
from ..rules.standards import load_standards, sort_criteria
from ..store.db import Store
from .metrics import RunFacts, conformance, group_by_section, load_run_facts

DIFF_KEYS = ("new", "fixed", "persisting", "not_compared_before", "not_compared_after")


def fiscal_quarter(d) -> tuple[int, int]:
    """(fiscal year, quarter) of a date in the Japanese fiscal year, which starts in April (Q1 = Apr–Jun)."""
    fy = d.year if d.month >= 4 else d.year - 1
    return fy, (d.month - 4) % 12 // 3 + 1


def era_year(fy: int) -> str:
    if fy >= 2019:
        n = fy - 2018
        return f"令和{'元' if n == 1 else n}年度"
    if fy >= 1989:
        n = fy - 1988
        return f"平成{'元' if n == 1 else n}年度"
    return f"{fy}年度"


def quarter_label(fy: int, q: int, lang: str = "ja") -> str:
    return f"FY{fy} Q{q}" if lang == "en" else f"{era_year(fy)} 第{q}四半期"


def _empty() -> dict:
    return {k: 0 for k in DIFF_KEYS}


def compare_runs(before: RunFacts, after: RunFacts, detail: bool = True) -> dict:
    """New / fixed / persisting / not compared failed findings from `before` to `after`, site-wide and per
    section (see the module docstring for the definitions)."""
    total, sections = _empty(), defaultdict(_empty)
    items = {"new_items": [], "fixed_items": []}
    urls = set(before.pages) | set(after.pages)
    for url in sorted(urls):
        b, a = before.pages.get(url), after.pages.get(url)
        section = (a or b).section
        b_done = b is not None and b.state == "done"
        a_done = a is not None and a.state == "done"
        prev = Counter()
        cur = Counter()
        rows = {}
        for f in (b.findings if b_done else []):
            if a_done and f["viewport"] in after.viewports:
                prev[f["fingerprint"]] += 1
                rows[f["fingerprint"]] = f
            else:
                total["not_compared_before"] += 1
                sections[section]["not_compared_before"] += 1
        for f in (a.findings if a_done else []):
            comparable = f["viewport"] in before.viewports and (b is None or b_done)
            if comparable:
                cur[f["fingerprint"]] += 1
                rows.setdefault(f["fingerprint"], f)
            else:
                total["not_compared_after"] += 1
                sections[section]["not_compared_after"] += 1
        # A stable order (a set's order changes from one process to the next): the detail list is the same each time.
        for fp in sorted(prev.keys() | cur.keys(), key=lambda k: (rows[k]["viewport"], rows[k]["rule"],
                                                                  rows[k]["selector"], k)):
            n_prev, n_cur = prev[fp], cur[fp]
            both = min(n_prev, n_cur)
            counts = {"persisting": both, "fixed": n_prev - both, "new": n_cur - both}
            for k, n in counts.items():
                total[k] += n
                sections[section][k] += n
            if detail:
                for k in ("new", "fixed"):
                    if counts[k]:
                        f = rows[fp]
                        items[k + "_items"].append({
                            "url": url, "section": section, "viewport": f["viewport"], "rule": f["rule"],
                            "criteria": f["criteria"], "selector": f["selector"], "count": counts[k]})
    out = {"from_run": before.id, "to_run": after.id, **total, "sections": dict(sorted(sections.items()))}
    if detail:
        out.update(items)
    return out


def _run_row(facts: RunFacts, lang: str) -> dict:
    started = facts.started_jst
    fy, q = fiscal_quarter(started) if started else (None, None)
    in_scope = facts.audited(IN_SCOPE)
    conf = conformance(in_scope)
    sections = {}
    # sections of the pages the run tried to render (not those skipped for depth, budget or robots.txt)
    tried = [p for p in facts.pages.values() if p.state in ("done", "error")]
    for section, pages in group_by_section(tried).items():
        audited = [p for p in pages if p.state == "done"]
        sec_in = [p for p in audited if p.scope == IN_SCOPE]
        c = conformance(sec_in)
        sections[section] = {"audited": len(audited), "in_scope": len(sec_in), "with_problems": c["with_problems"],
                             "problem_share": c["problem_share"], "criteria": c["criteria"],
                             "failed_findings": sum(len(p.findings) for p in audited)}
    return {"run": facts.id, "started_at": started.isoformat(timespec="minutes") if started else None,
            "date": started.strftime("%Y-%m-%d") if started else "", "fiscal_year": fy, "quarter": q,
            "quarter_label": quarter_label(fy, q, lang) if fy else "", "profile": facts.profile_id,
            "level": facts.level, "viewports": facts.viewports, "source": facts.run.get("source"),
            "audited": len(facts.audited()), "in_scope": conf["pages"], "with_problems": conf["with_problems"],
            "problem_share": conf["problem_share"], "criteria": conf["criteria"],
            "failed_findings": sum(len(p.findings) for p in facts.audited()),
            "failed_findings_in_scope": conf["failed_findings"], "sections": sections}


def _attach_diffs(rows: list[dict], facts: list[RunFacts]) -> None:
    for i, row in enumerate(rows):
        row["diff"] = compare_runs(facts[i - 1], facts[i]) if i else None


def _lagging(rows: list[dict]) -> list[dict]:
    """Sections of the latest run, most problematic first; a section lags when its share of in-scope pages with
    A/AA problems is above the site's, or it gained more findings than it fixed since the previous run."""
    if not rows:
        return []
    last = rows[-1]
    out = []
    for section, s in last["sections"].items():
        d = (last["diff"] or {}).get("sections", {}).get(section, _empty()) if last["diff"] else None
        share = s["problem_share"]
        lag = bool((share is not None and last["problem_share"] is not None and share > last["problem_share"])
                   or (d and d["new"] > d["fixed"]))
        out.append({"section": section, **s, "diff": d, "lagging": lag,
                    "history": [r["sections"].get(section, {}).get("problem_share") for r in rows]})
    out.sort(key=lambda r: (not r["lagging"], -(r["problem_share"] or 0), r["section"]))
    return out


def build_trend(store: Store, site_id: str, ruleset: RuleSet, *, quarterly: bool = False, lang: str = "ja") -> dict:
    site = store.site(site_id)
    all_runs = store.list_runs(site_id)
    if site is None or not all_runs:
        raise ConfigError(f"no runs for site {site_id!r} in {store.safe_url}; run `a11yaudit audit {site_id}` "
                          f"first", field="SITE")
    finished = [r for r in all_runs if r["status"] == "finished"]
    if not finished:
        raise ConfigError(f"site {site_id!r} has no finished run yet", field="SITE")
    facts = [load_run_facts(store, r, ruleset) for r in finished]
    skipped = [{"run": r["id"], "status": r["status"]} for r in all_runs if r["status"] != "finished"]
    return trend_from_facts(site, facts, skipped_runs=skipped, quarterly=quarterly, lang=lang)


def trend_from_facts(site: dict, facts: list[RunFacts], *, skipped_runs=(), quarterly: bool = False,
                     lang: str = "ja") -> dict:
    rows = [_run_row(f, lang) for f in facts]
    _attach_diffs(rows, facts)
    quarters = []
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        if row["fiscal_year"] is not None:
            groups.setdefault((row["fiscal_year"], row["quarter"]), []).append(i)
    q_facts = []
    for (fy, q), idx in sorted(groups.items()):
        last = idx[-1]            # the quarter's state is its last finished run
        quarters.append({**rows[last], "quarter_runs": [rows[i]["run"] for i in idx],
                         "label": quarter_label(fy, q, lang)})
        q_facts.append(facts[last])
    _attach_diffs(quarters, q_facts)
    all_criteria, _ = load_standards()
    used = sort_criteria(c for r in rows for c in r["criteria"])
    periods = quarters if quarterly else rows
    return {"site": site, "quarterly": quarterly, "lang": lang, "runs": rows, "quarters": quarters,
            "periods": periods, "skipped_runs": list(skipped_runs),
            "criteria": [{"id": c, "name": all_criteria[c].name(lang) if c in all_criteria else c,
                          "level": all_criteria[c].level if c in all_criteria else ""} for c in used],
            "sections": _lagging(periods),
            "section_names": sorted({s for r in periods for s in r["sections"]})}


# --- outputs ----------------------------------------------------------------------------------------------
def _pct(v) -> str:
    return "-" if v is None else f"{v}%"


def format_text(trend: dict) -> str:
    from .i18n import Translator
    t = Translator(trend.get("lang", "ja"))
    quarterly = trend["quarterly"]
    lines = [f"{trend['site']['name']} ({trend['site']['id']}) — "
             + (t("四半期ごとの推移（年度は4月始まり。各四半期の最後の実行）") if quarterly else t("実行ごとの推移"))]
    head = (t("期間") if quarterly else t("実行")) + t("\t日付\tチェック\t対象範囲\tA・AAの問題あり\t割合\t問題あり件数\t新規\t解消\t継続\t比較不能(前/後)")
    lines.append(head)
    for r in trend["periods"]:
        d = r["diff"]
        key = r["label"] + t("（") + t("実行{run}", run=r["run"]) + t("）") if quarterly else f"{r['run']}"
        lines.append("\t".join(str(x) for x in (
            key, r["date"], r["audited"], r["in_scope"], r["with_problems"], _pct(r["problem_share"]),
            r["failed_findings"], *( (d["new"], d["fixed"], d["persisting"],
                                     f"{d['not_compared_before']}/{d['not_compared_after']}") if d else ("-",) * 4))))
    if trend["criteria"]:
        lines.append("")
        lines.append(t("達成基準ごとの問題ありページ数（対象範囲）"))
        lines.append(t("達成基準") + "\t" + "\t".join(str(r["run"]) for r in trend["periods"]))
        for c in trend["criteria"]:
            lines.append(f"{c['id']} {c['name']}\t" + "\t".join(str(r["criteria"].get(c["id"], 0))
                                                               for r in trend["periods"]))
    lines.append("")
    lines.append(t("分野（最初のディレクトリ）ごと：最新の状態（* = 遅れている分野）"))
    lines.append(t("分野\tチェック\t対象範囲\tA・AAの問題あり\t割合\t新規\t解消\t継続"))
    for s in trend["sections"]:
        d = s["diff"]
        lines.append("\t".join(str(x) for x in (
            ("* " if s["lagging"] else "  ") + s["section"], s["audited"], s["in_scope"], s["with_problems"],
            _pct(s["problem_share"]), *((d["new"], d["fixed"], d["persisting"]) if d else ("-",) * 3))))
    if trend["skipped_runs"]:
        lines.append("")
        lines.append(t("完了していない実行（推移に含めない）: ") + ", ".join(f"{r['run']} ({r['status']})"
                                                                  for r in trend["skipped_runs"]))
    return "\n".join(lines) + "\n"


CSV_FIELDS = ["period", "run", "date", "fiscal_year", "quarter", "section", "audited", "in_scope", "with_problems",
              "problem_share", "failed_findings", "new", "fixed", "persisting", "not_compared_before",
              "not_compared_after"]


def to_csv(trend: dict) -> str:
    """One row per period for the whole site (section "*") and one per section."""
    import csv
    import io

    from .csvsafe import neutralise
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()

    def write(row: dict) -> None:
        # Section names come from the site's URLs: formula-like text cells are neutralised (csvsafe).
        w.writerow({k: neutralise(v) for k, v in row.items()})
    for r in trend["periods"]:
        period = r.get("label") if trend["quarterly"] else f"run {r['run']}"
        base = {"period": period, "run": r["run"], "date": r["date"], "fiscal_year": r["fiscal_year"],
                "quarter": r["quarter"]}
        d = r["diff"] or {}
        write({**base, "section": "*", **{k: r[k] for k in ("audited", "in_scope", "with_problems",
                                                                    "problem_share", "failed_findings")},
                    **{k: d.get(k, "") for k in DIFF_KEYS}})
        for section, s in r["sections"].items():
            sd = (d.get("sections") or {}).get(section, {}) if d else {}
            write({**base, "section": section, **{k: s[k] for k in ("audited", "in_scope", "with_problems",
                                                                          "problem_share", "failed_findings")},
                        **{k: (sd.get(k, 0) if d else "") for k in DIFF_KEYS}})
    return buf.getvalue()


def to_json(trend: dict) -> dict:
    out = dict(trend)
    out["site"] = {k: trend["site"][k] for k in ("id", "name", "base_url")}
    return out
