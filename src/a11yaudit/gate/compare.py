"""Gate comparison: the findings of the gated pages against the baseline, at the configured level; new
findings fail (never a count: a fix and a regression do not cancel out)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import settings
from ..gather.gate_routes import same_document
from .baseline import BaselineEntry
from .targets import Target

# "advisory": A/AA failures and also the advisory rules' failures (axe-core best practices, smartphone readiness).
FAIL_ON_LEVELS = {"A": {"A"}, "AA": {"A", "AA"}, "AAA": {"A", "AA", "AAA"}, "advisory": {"A", "AA"}, "none": set()}

# Why a finding did not fail the gate (and the words used for it).
WHY = {
    "baseline": {"ja": "ベースラインで承認済み", "en": "accepted in the baseline"},
    "cantTell": {"ja": "要確認（自動判定できない）", "en": "needs review (cantTell never fails)"},
    "human": {"ja": "人による確認の項目（要確認のチェックリスト。問題ではない）",
              "en": "item for the human test (a checklist entry, not a problem)"},
    "below_level": {"ja": "判定レベル外", "en": "below the gate level"},
    "addon": {"ja": "追加プロファイルのルール", "en": "addon-profile rule"},
    "readiness": {"ja": "スマートフォン対応の項目（達成基準の不適合ではない）",
                  "en": "smartphone-readiness item (fails no success criterion)"},
    "best_practice": {"ja": "ベストプラクティス（達成基準の不適合ではない）",
                      "en": "best practice (fails no success criterion)"},
}

# ---------------------------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class GateFinding:
    fingerprint: str
    target: str                    # Target.spec
    location: str                  # Target.location
    url: str                       # Target.identity_url
    viewport: str
    rule: str
    outcome: str                   # failed | cantTell
    selector: str
    snippet: str
    message: str
    criteria: list[str] = field(default_factory=list)
    level: str = ""                # highest level among the criteria of the profile ("" = none)
    status: str = "new"            # new | let_through
    why: str = ""                  # baseline | cantTell | below_level | addon (let_through)
    reason: str = ""               # baseline reason, or the detail of `why`
    expired: str = ""              # the expired baseline entry's date, when one matched
    message_en: str = ""           # English message ("" = none: the message is shown as it is)

    def text(self, lang: str = "ja") -> str:
        """The message in `lang`: English when asked for and available."""
        return self.message_en if lang == "en" and self.message_en else self.message


@dataclass
class GateResult:
    profile_by_target: dict
    fail_on: str
    findings: list[GateFinding]
    fixed: list[BaselineEntry]
    expired: list[BaselineEntry]   # expired entries that matched a finding (which therefore counts again)
    loads: list[dict]              # {target, location, url, viewport, ok, error, title}
    results: dict                  # (target spec, viewport) -> list[RuleResult]
    rule_titles: dict = field(default_factory=dict)
    rule_meta: dict = field(default_factory=dict)   # code -> {title, help_url, criteria}

    @property
    def new(self) -> list[GateFinding]:
        return [f for f in self.findings if f.status == "new"]

    @property
    def let_through(self) -> list[GateFinding]:
        return [f for f in self.findings if f.status == "let_through"]

    @property
    def load_errors(self) -> list[dict]:
        return [ld for ld in self.loads if not ld["ok"]]

    @property
    def exit_code(self) -> int:
        if self.load_errors:
            return 3
        return 1 if self.new else 0

    @property
    def status(self) -> str:
        return {0: "passed", 1: "failed", 3: "error"}[self.exit_code]


def classify(finding: GateFinding, *, rule, standard, criteria_table: dict, fail_on: str,
             baseline: dict[str, BaselineEntry], today: dt.date) -> GateFinding:
    """Decide whether one finding fails the gate (status new) or is let through, and why."""
    in_profile = [c for c in finding.criteria if c in standard.ids()]
    levels = [criteria_table[c].level for c in in_profile if c in criteria_table]
    finding.level = "AAA" if "AAA" in levels else "AA" if "AA" in levels else "A" if "A" in levels else ""
    entry = baseline.get(finding.fingerprint)
    if finding.outcome != "failed":
        human = rule is not None and rule.test_method == "HC"      # a human-check rule's checklist item
        finding.status, finding.why = "let_through", ("human" if human else "cantTell")
    elif rule is not None and rule.advisory and fail_on != "advisory":
        finding.status, finding.why = "let_through", ("readiness" if rule.category == "readiness" else "best_practice")
        finding.reason = "--fail-on advisory fails on it"
    elif rule is not None and rule.advisory:
        if entry is not None and not entry.expired(today):
            finding.status, finding.why, finding.reason = "let_through", "baseline", entry.reason
        else:
            finding.status = "new"
    elif rule is not None and standard.id not in rule.profiles:
        finding.status, finding.why = "let_through", "addon"
        finding.reason = "+".join(p for p in rule.profiles)
    elif not any(lv in FAIL_ON_LEVELS[fail_on] for lv in levels):
        finding.status, finding.why = "let_through", "below_level"
        if fail_on == "none":
            finding.reason = "--fail-on none"
        elif not in_profile:
            finding.reason = (f"{', '.join(finding.criteria) or 'no criterion'} not in {standard.id}")
        else:
            finding.reason = f"{', '.join(in_profile)} level {finding.level} > {fail_on}"
    elif entry is not None and not entry.expired(today):
        finding.status, finding.why, finding.reason = "let_through", "baseline", entry.reason
    else:
        finding.status = "new"
        if entry is not None:
            finding.expired = entry.expires.isoformat()
            finding.reason = entry.reason
    if finding.status == "let_through" and finding.why != "baseline" and entry is not None \
            and not entry.expired(today) and entry.reason:
        finding.reason = (finding.reason + "; " if finding.reason else "") + f"baseline: {entry.reason}"
    return finding


def _garbled(artifacts: dict) -> str | None:
    """Fail closed on mojibake: a page that declares no encoding and that the browser decoded into something the
    author did not write (undeclared UTF-8 read as windows-1252/Shift_JIS) cannot be judged for what its author
    meant — its findings are listed, but the gate ends with exit 3, whatever --fail-on says (GN24 itself is a best
    practice and alone would never fail the gate)."""
    from ..checks.encoding import encoding_state
    state = encoding_state(artifacts)
    if state is None or state[0] != "garbled":
        return None
    charset = state[1]
    return (f"garbled: 文字コードの宣言がなく、ブラウザーが {charset} として読んだため文字化けしています。作者の文字を"
            f"判定できません / no encoding declared and the browser read the page as {charset}: the text is garbled "
            f"(mojibake), so the gate cannot judge what the author wrote (declare charset=UTF-8)")


def compare(targets: list[Target], loads: dict, results: dict, baseline: list[BaselineEntry], *, ruleset,
            fail_on: str, today: dt.date | None = None) -> GateResult:
    """Findings of every loaded target × viewport, classified against the baseline; fixed = baseline entries of
    the gated pages × viewports whose finding was not seen any more (and whose rule ran)."""
    from ..rules.standards import load_standards, parse_profile_spec
    from ..store.db import fingerprint
    today = today or dt.date.today()
    criteria_table, _ = load_standards()
    by_fp = {e.fingerprint: e for e in baseline}
    findings: list[GateFinding] = []
    load_rows: list[dict] = []
    seen: set[str] = set()
    ran: set[tuple] = set()         # (url, viewport, rule) whose rule gave a verdict
    rule_meta: dict = {}
    vp_order = {vp: i for i, vp in enumerate(settings.VIEWPORTS)}
    for t in targets:
        standard, _addons = parse_profile_spec(t.profile)
        for (spec, viewport), load in sorted(loads.items(), key=lambda kv: vp_order.get(kv[0][1], 99)):
            if spec != t.spec:
                continue
            ok = load.artifacts is not None
            garbled = ok and _garbled(load.artifacts)
            load_rows.append({"target": t.spec, "location": t.location, "url": t.identity_url, "viewport": viewport,
                              "ok": ok and not garbled,
                              "error": (None if ok and not garbled else garbled if ok
                                        else f"{load.error_kind}: {load.error}"),
                              "title": (load.artifacts or {}).get("page", {}).get("title") if ok else None,
                              "profile": t.profile})
            if load.final_url and not same_document(load.final_url, t.load_url):
                load_rows[-1]["final_url"] = load.final_url     # a redirect on the target's origin, reported
            if not ok:
                continue
            for res in results.get((spec, viewport), []):
                rule = ruleset.get(res.rule)
                if res.outcome != "error":
                    ran.add((t.identity_url, viewport, res.rule))
                if rule is not None and res.rule not in rule_meta:
                    rule_meta[res.rule] = {"title": rule.title, "help_url": rule.help_url,
                                           "criteria": list(rule.requirements), "name": rule.name}
                for f in res.findings:
                    fp = fingerprint(t.site_key, t.fp_path, viewport, f.rule, f.selector)
                    if fp in seen:
                        continue
                    seen.add(fp)
                    gf = GateFinding(fingerprint=fp, target=t.spec, location=t.location, url=t.identity_url,
                                     viewport=viewport, rule=f.rule, outcome=f.outcome, selector=f.selector,
                                     snippet=f.snippet or "", message=f.message or "",
                                     message_en=f.message_en or "",
                                     criteria=list(f.criteria or res.criteria))
                    findings.append(classify(gf, rule=rule, standard=standard, criteria_table=criteria_table,
                                             fail_on=fail_on, baseline=by_fp, today=today))
    gated = {(row["url"], row["viewport"]) for row in load_rows if row["ok"]}
    fixed = [e for e in baseline if (e.url, e.viewport) in gated and e.fingerprint not in seen
             and (not e.rule or (e.url, e.viewport, e.rule) in ran)]
    expired = [by_fp[f.fingerprint] for f in findings if f.expired]
    return GateResult(profile_by_target={t.spec: t.profile for t in targets}, fail_on=fail_on, findings=findings,
                      fixed=fixed, expired=expired, loads=load_rows, results=results, rule_meta=rule_meta)
