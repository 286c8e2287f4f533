"""Outcomes (W3C ACT words), rule definitions and results: the vocabulary shared by engine, store and report."""

from __future__ import annotations

from dataclasses import dataclass, field

PASSED, FAILED, INAPPLICABLE, CANT_TELL, ERROR = "passed", "failed", "inapplicable", "cantTell", "error"
OUTCOMES = (PASSED, FAILED, INAPPLICABLE, CANT_TELL, ERROR)
# Precedence when one rule has several verdicts on one page: a failure outweighs everything.
_RANK = {FAILED: 4, ERROR: 3, CANT_TELL: 2, PASSED: 1, INAPPLICABLE: 0}
OUTCOME_LABELS = {
    PASSED: {"ja": "合格", "en": "passed"}, FAILED: {"ja": "不合格", "en": "failed"},
    INAPPLICABLE: {"ja": "該当なし", "en": "inapplicable"}, CANT_TELL: {"ja": "要確認", "en": "needs review"},
    ERROR: {"ja": "エラー", "en": "error"},
}
TEST_METHODS = ("AC", "AF", "HC")


def worst(outcomes) -> str:
    best = INAPPLICABLE
    for o in outcomes:
        if _RANK[o] > _RANK[best]:
            best = o
    return best


@dataclass
class Rule:
    code: str                      # stable code: JP01, or axe:<rule-id>
    name: str                      # readable dotted name: text.spaced_word
    title: dict                    # {ja, en}
    requirements: list[str]        # success criteria ids, e.g. ["1.3.2"]
    engine: str = "python"         # python | axe | document (PDF/Office: src/a11yaudit/documents, never run on pages)
    techniques: list[str] = field(default_factory=list)   # F32, G53 …
    profiles: list[str] = field(default_factory=lambda: ["jis2016", "jis2010", "wcag22"])
    requires: list[str] = field(default_factory=lambda: ["dom"])
    viewports: list[str] | None = None    # None = every viewport
    check: str | None = None
    selector: str | None = None
    options: dict = field(default_factory=dict)
    test_method: str = "AF"
    message: dict = field(default_factory=dict)   # {ja, en}; str.format fields from the check's details
    examples: list[dict] = field(default_factory=list)
    docs: dict = field(default_factory=dict)
    help_url: str | None = None
    tags: list[str] = field(default_factory=list)
    source: str = ""
    enabled: bool = True
    act_ids: list[str] = field(default_factory=list)   # W3C ACT rules this rule implements (axe: its actIds)
    # conformance: a failure claims that a success criterion fails; readiness: a smartphone-readiness problem that
    # fails no criterion by itself (no requirements; `related` names the criteria it bears on), reported apart.
    category: str = "conformance"
    related: list[str] = field(default_factory=list)

    @property
    def advisory(self) -> bool:
        """Findings that are notes beside the conformance figures (readiness rules)."""
        return self.category != "conformance"

    def applies_to(self, viewport: str) -> bool:
        return self.viewports is None or viewport in self.viewports


@dataclass
class Finding:
    """One element (or the page) that failed a rule or needs review."""

    rule: str
    viewport: str
    outcome: str                  # failed | cantTell
    selector: str
    snippet: str
    message: str                  # in the audit's language (Japanese)
    nid: int | None = None
    criteria: list[str] = field(default_factory=list)
    message_en: str | None = None  # English, for English reports (None: the rule has no English message)


@dataclass
class RuleResult:
    """One row per page × viewport × rule, passes included (so a trend can tell 'fixed' from 'not run')."""

    rule: str
    viewport: str
    outcome: str
    criteria: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    n_passed: int = 0
    error: str | None = None

    @property
    def n_failed(self) -> int:
        return sum(1 for f in self.findings if f.outcome == FAILED)

    @property
    def n_cant_tell(self) -> int:
        return sum(1 for f in self.findings if f.outcome == CANT_TELL)
