"""The gate's result as JSON, JUnit XML, SARIF and a summary for people (all page content is hostile:
JSON via json, XML via xml.etree with invalid characters removed)."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from .. import __version__
from typing import TYPE_CHECKING

from ..gate.compare import WHY

if TYPE_CHECKING:
    from ..gate.compare import GateFinding, GateResult

# ---------------------------------------------------------------------------------------------------------------
# Writers (all page content is hostile: JSON via json, XML via xml.etree with invalid characters removed)
# ---------------------------------------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """Text safe for XML 1.0: characters XML cannot carry at all (control characters, lone surrogates) become
    U+FFFD; xml.etree escapes the rest (<, >, &, quotes)."""
    return _XML_BAD.sub("\ufffd", "" if value is None else str(value))


def _finding_dict(f: GateFinding) -> dict:
    return {"fingerprint": f.fingerprint, "target": f.target, "url": f.url, "viewport": f.viewport, "rule": f.rule,
            "outcome": f.outcome, "criteria": f.criteria, "level": f.level, "selector": f.selector,
            "snippet": f.snippet, "message": f.message, "message_en": f.message_en or None, "status": f.status,
            "why": f.why or None, "reason": f.reason or None, "expired": f.expired or None}


def to_json(res: GateResult) -> str:
    data = {
        "tool": "a11yaudit", "version": __version__, "status": res.status, "exit_code": res.exit_code,
        "fail_on": res.fail_on, "profiles": res.profile_by_target,
        "pages": res.loads,
        "new": [_finding_dict(f) for f in res.new],
        "let_through": [_finding_dict(f) for f in res.let_through],
        "expired": [e.to_dict() for e in res.expired],
        "fixed": [e.to_dict() for e in res.fixed],
        "counts": {"new": len(res.new), "let_through": len(res.let_through), "fixed": len(res.fixed),
                   "expired": len(res.expired), "load_errors": len(res.load_errors)},
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def to_junit(res: GateResult, lang: str = "ja") -> str:
    """One testsuite per target × viewport, one testcase per rule that ran, <failure> for new failures."""
    import xml.etree.ElementTree as ET
    root = ET.Element("testsuites", name="a11yaudit gate")
    total_tests = total_fail = total_err = 0
    for row in res.loads:
        suite = ET.SubElement(root, "testsuite", name=xml_text(f"{row['location']} [{row['viewport']}]"))
        props = ET.SubElement(suite, "properties")
        for k in ("url", "viewport", "profile", "title"):
            ET.SubElement(props, "property", name=k, value=xml_text(row.get(k) or ""))
        tests = failures = errors = skipped = 0
        if not row["ok"]:
            case = ET.SubElement(suite, "testcase", classname=xml_text(row["location"]), name="page-load")
            ET.SubElement(case, "error", message=xml_text(row["error"]), type="load")
            tests, errors = 1, 1
        else:
            new_by_rule: dict[str, list[GateFinding]] = {}
            for f in res.new:
                if f.target == row["target"] and f.viewport == row["viewport"]:
                    new_by_rule.setdefault(f.rule, []).append(f)
            for r in sorted(res.results.get((row["target"], row["viewport"]), []), key=lambda r: r.rule):
                tests += 1
                case = ET.SubElement(suite, "testcase", classname=xml_text(f"{row['location']}.{row['viewport']}"),
                                     name=xml_text(r.rule))
                new = new_by_rule.get(r.rule)
                if new:
                    failures += 1
                    fail = ET.SubElement(case, "failure", type="new-finding",
                                         message=xml_text(f"{len(new)} new: {new[0].text(lang)}"))
                    fail.text = xml_text("\n".join(
                        f"{f.selector}  [{', '.join(f.criteria)}]{' (baseline expired ' + f.expired + ')' if f.expired else ''}\n"
                        f"  {f.text(lang)}\n  {f.snippet}" for f in new))
                elif r.outcome == "inapplicable":
                    skipped += 1
                    ET.SubElement(case, "skipped", message="inapplicable")
                elif r.outcome == "error":
                    ET.SubElement(case, "system-out").text = xml_text(f"rule error: {r.error}")
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", str(skipped))
        total_tests, total_fail, total_err = total_tests + tests, total_fail + failures, total_err + errors
    root.set("tests", str(total_tests))
    root.set("failures", str(total_fail))
    root.set("errors", str(total_err))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def to_sarif(res: GateResult, lang: str = "ja") -> str:
    """SARIF 2.1.0 for GitHub code scanning: new failures are errors, let-through failures warnings (baseline ones
    suppressed with their reason), cantTell notes; partialFingerprints carry our fingerprint."""
    rule_ids = sorted({f.rule for f in res.findings})
    rules = []
    for code in rule_ids:
        meta = res.rule_meta.get(code, {})
        title = (meta.get("title") or {}).get(lang) or (meta.get("title") or {}).get("en") or code
        criteria = meta.get("criteria") or sorted({c for f in res.findings if f.rule == code for c in f.criteria})
        rule = {"id": code, "name": meta.get("name") or code, "shortDescription": {"text": title},
                "properties": {"tags": ["accessibility"] + [f"WCAG {c}" for c in criteria]}}
        if meta.get("help_url"):
            rule["helpUri"] = meta["help_url"]
        rules.append(rule)
    index = {code: i for i, code in enumerate(rule_ids)}
    results = []
    for f in res.findings:
        if f.status == "new":
            level = "error"
        elif f.outcome == "failed":
            level = "warning"
        else:
            level = "note"
        text = f"[{f.viewport}] {f.text(lang)}"
        if f.status == "let_through":
            text += f" ({WHY[f.why][lang]}{': ' + f.reason if f.reason else ''})"
        elif f.expired:
            text += f" (baseline expired {f.expired})"
        phys: dict = {"artifactLocation": {"uri": f.location}}
        if not re.match(r"^https?://", f.location):
            phys["region"] = {"startLine": 1}
        item = {"ruleId": f.rule, "ruleIndex": index[f.rule], "level": level, "message": {"text": text},
                "locations": [{"physicalLocation": phys,
                               "logicalLocations": [{"name": f.selector, "fullyQualifiedName": f.selector,
                                                     "kind": "element"}]}],
                "partialFingerprints": {"a11yaudit/v1": f.fingerprint},
                "baselineState": "new" if f.status == "new" else "unchanged",
                "properties": {"viewport": f.viewport, "url": f.url, "criteria": f.criteria, "snippet": f.snippet,
                               "outcome": f.outcome, "why": f.why or None}}
        if f.status == "let_through" and f.why == "baseline":
            item["suppressions"] = [{"kind": "external", "status": "accepted", "justification": f.reason or ""}]
        results.append(item)
    sarif = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
             "runs": [{"tool": {"driver": {"name": "a11yaudit", "version": __version__,
                                           "informationUri": "https://github.com/a11yaudit/a11yaudit",
                                           "rules": rules}},
                       "results": results,
                       "invocations": [{"executionSuccessful": not res.load_errors,
                                        "toolExecutionNotifications": [
                                            {"level": "error", "message": {"text": f"{r['location']} [{r['viewport']}]: {r['error']}"}}
                                            for r in res.load_errors]}]}]}
    return json.dumps(sarif, ensure_ascii=False, indent=2)


_T = {
    "passed": {"ja": "合格", "en": "PASSED"}, "failed": {"ja": "不合格", "en": "FAILED"},
    "error": {"ja": "エラー（検査できないページがあります）", "en": "ERROR (a page could not be checked)"},
    "new": {"ja": "新しい問題", "en": "New findings"},
    "expired": {"ja": "期限切れのベースライン（再び不合格）", "en": "Expired baseline entries (failing again)"},
    "let": {"ja": "通過させた指摘", "en": "Let through"},
    "fixed": {"ja": "修正済み（ベースラインにあり、検出されなくなった）", "en": "Fixed (in the baseline, not seen any more)"},
    "load": {"ja": "読み込めなかったページ", "en": "Pages that could not be loaded"},
    "pages": {"ja": "検査したページ", "en": "Pages"},
}


def summary_text(res: GateResult, lang: str = "ja") -> str:
    """The human summary (stderr): verdict, new findings, what was let through and why, what was fixed."""
    def clip(s: str, n: int = 160) -> str:
        s = "".join(ch if ch.isprintable() else "?" for ch in re.sub(r"\s+", " ", s or ""))
        return s if len(s) <= n else s[:n - 1] + "…"

    count = "件" if lang == "ja" else ""
    lines = [f"a11yaudit gate: {_T[res.status][lang]} — {_T['new'][lang]} {len(res.new)}{count}, "
             f"{_T['let'][lang]} {len(res.let_through)}{count}, {_T['fixed'][lang]} {len(res.fixed)}{count} "
             f"(fail-on {res.fail_on})"]
    lines.append(f"{_T['pages'][lang]}:")
    for row in res.loads:
        state = "ok" if row["ok"] else f"ERROR {clip(row['error'] or '')}"
        if row.get("final_url"):
            state += f" (→ {clip(row['final_url'], 120)})"
        lines.append(f"  [{row['viewport']}] {clip(row['location'], 120)} ({row['profile']}) {state}")
    if res.load_errors:
        lines.append(f"{_T['load'][lang]}: {len(res.load_errors)}")
    if res.new:
        lines.append(f"{_T['new'][lang]}:")
        for f in res.new:
            exp = (f"  ← baseline expired {f.expired}" + (f" ({clip(f.reason, 60)})" if f.reason else "")) \
                if f.expired else ""
            lines.append(f"  ✗ [{f.viewport}] {f.rule} {','.join(f.criteria)} ({f.level}) {clip(f.location, 80)} "
                         f"{clip(f.selector, 80)}: {clip(f.text(lang))}{exp}")
    if res.expired:
        lines.append(f"{_T['expired'][lang]}:")
        for e in res.expired:
            lines.append(f"  ! {e.rule} [{e.viewport}] {clip(e.url, 80)} {clip(e.selector, 80)} "
                         f"expires {e.expires} — {clip(e.reason, 80)}")
    if res.let_through:
        lines.append(f"{_T['let'][lang]}:")
        for f in res.let_through:
            why = WHY[f.why][lang] + (f": {clip(f.reason, 100)}" if f.reason else "")
            lines.append(f"  - [{f.viewport}] {f.rule} {','.join(f.criteria) or '-'} {clip(f.location, 80)} "
                         f"{clip(f.selector, 60)} — {why}")
    if res.fixed:
        lines.append(f"{_T['fixed'][lang]}:")
        for e in res.fixed:
            lines.append(f"  ✓ [{e.viewport}] {e.rule} {clip(e.url, 80)} {clip(e.selector, 80)}"
                         + (f" — {clip(e.reason, 80)}" if e.reason else ""))
    return "\n".join(lines)



def write_output(text: str, output: str | None) -> None:
    if output:
        from ..fsutil import atomic_write_text
        atomic_write_text(output, text + ("" if text.endswith("\n") else "\n"))
    else:
        sys.stdout.write(text + ("" if text.endswith("\n") else "\n"))
        sys.stdout.flush()
