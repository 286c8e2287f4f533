"""Loads and validates rule definitions from rules/*.yaml (ours) and rules/axe/axe-rules.yaml (axe-core's)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .. import settings
from ..errors import ConfigError
from ..yamlsrc import load_yaml
from .model import OUTCOMES, TEST_METHODS, Rule
from .registry import all_checks
from .standards import load_standards, sc_from_axe_tag, sort_criteria

CODE_RE = re.compile(r"^[A-Z]{2,4}\d{2,3}$")
NAME_RE = re.compile(r"^[a-z_]+\.[a-z_]+$")
DOC_HEADINGS = ("what", "why", "examples", "limits")   # What it checks / Why it matters / Examples / Known limits
RULE_FIELDS = {"code", "name", "title", "requirements", "techniques", "profiles", "requires", "viewports",
               "check", "selector", "options", "test_method", "message", "examples", "docs", "enabled", "act_ids",
               "category", "related", "target"}
# target: page (default; checks in src/a11yaudit/checks/) | document (PDF/Office checks in src/a11yaudit/documents/,
# whose examples name sample documents made by scripts/make_sample_documents.py instead of HTML)
TARGETS = ("page", "document")
# readiness: smartphone readiness; best-practice: axe-core's advisory rules. Both are reported apart from conformance.
CATEGORIES = ("conformance", "readiness", "best-practice")
ACT_ID_RE = re.compile(r"^[0-9a-z]{6}$")


def profile_ids(profile) -> set[str]:
    if isinstance(profile, str):
        return {p.strip() for p in re.split(r"[,+]", profile) if p.strip()}
    return set(profile)


def _rule_from_doc(path: Path, known_profiles: dict, criteria: set[str]) -> Rule:
    """known_profiles: profile id → Profile (a plain set of ids is accepted too: then no profile is an addon)."""
    doc = load_yaml(path)
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "a rule file must be a mapping")
    for key in data:
        if key not in RULE_FIELDS:
            raise doc.error((key,), f"unknown field; allowed: {', '.join(sorted(RULE_FIELDS))}")
    for key in ("code", "name", "title", "requirements", "check", "message", "test_method"):
        if key not in data:
            raise doc.error((key,), "required field is missing")
    if not CODE_RE.match(str(data["code"])):
        raise doc.error(("code",), f"must look like JP01, got {data['code']!r}")
    if not NAME_RE.match(str(data["name"])):
        raise doc.error(("name",), f"must look like topic.rule_name, got {data['name']!r}")
    for key in ("title", "message"):
        if not isinstance(data[key], dict) or not data[key].get("ja") or not data[key].get("en"):
            raise doc.error((key,), "needs both ja and en texts")
    variants = data["message"].get("variants", {})
    if not isinstance(variants, dict):
        raise doc.error(("message", "variants"), "must map a variant name to {ja, en} texts")
    for name, texts in variants.items():
        if not isinstance(texts, dict) or not texts.get("ja") or not texts.get("en"):
            raise doc.error(("message", "variants", name), "needs both ja and en texts")
    reqs = data["requirements"]
    profiles = data.get("profiles", ["jis2016", "jis2010", "wcag22"])
    for i, p in enumerate(profiles):
        if p not in known_profiles:
            raise doc.error(("profiles", i), f"unknown profile {p!r}")
    # Rules of addon profiles only (gov-style: 自治体 style rules, no success criterion) may have no requirements.
    addon_only = bool(profiles) and isinstance(known_profiles, dict) and all(
        getattr(known_profiles[p], "is_addon", False) for p in profiles)
    category = data.get("category", "conformance")
    if category not in CATEGORIES:
        raise doc.error(("category",), f"must be one of {', '.join(CATEGORIES)}")
    if not isinstance(reqs, list) or (not reqs and not addon_only and category == "conformance"):
        raise doc.error(("requirements",), "must be a non-empty list of success criteria ids "
                                            "(an empty list only for readiness rules and rules whose profiles are "
                                            "all addon profiles)")
    if category == "readiness" and reqs:
        raise doc.error(("requirements",), "a readiness rule fails no success criterion: leave requirements empty "
                                           "and name the criteria it relates to under related")
    related = data.get("related") or []
    for key, values in (("requirements", reqs), ("related", related)):
        if not isinstance(values, list):
            raise doc.error((key,), "must be a list of success criteria ids")
        for i, sc in enumerate(values):
            if str(sc) not in criteria:
                raise doc.error((key, i), f"unknown success criterion {sc!r}")
    if data["test_method"] not in TEST_METHODS:
        raise doc.error(("test_method",), f"must be one of {', '.join(TEST_METHODS)}")
    target = data.get("target", "page")
    if target not in TARGETS:
        raise doc.error(("target",), f"must be one of {', '.join(TARGETS)}")
    if target == "document":
        from ..documents.registry import DOCUMENT_CHECKS as checks
    else:
        checks = all_checks()
    if data["check"] not in checks:
        raise doc.error(("check",), f"no check named {data['check']!r}; registered: {', '.join(sorted(checks))}")
    viewports = data.get("viewports")
    if viewports is not None:
        for i, vp in enumerate(viewports):
            if vp not in settings.VIEWPORTS:
                raise doc.error(("viewports", i), f"unknown viewport {vp!r}")
    docs = data.get("docs") or {}
    for heading in DOC_HEADINGS:
        if not isinstance(docs, dict) or not docs.get(heading):
            raise doc.error(("docs",), f"docs need the fixed headings {', '.join(DOC_HEADINGS)}; missing {heading!r}")
    examples = data.get("examples") or []
    if not examples:
        raise doc.error(("examples",), "a rule needs pass/fail examples (they run as tests)")
    for i, ex in enumerate(examples):
        if target == "document":
            if not isinstance(ex, dict) or not ex.get("document") or ex.get("outcome") not in OUTCOMES:
                raise doc.error(("examples", i), "a document rule's example needs document (a sample made by "
                                                 "scripts/make_sample_documents.py) and its outcome")
        elif "site" in (data.get("requires") or []):
            if not isinstance(ex, dict) or not isinstance(ex.get("pages"), list):
                raise doc.error(("examples", i), "a site rule's example needs pages (id, url, title) and the "
                                                 "urls expected cantTell/failed/passed")
        elif not isinstance(ex, dict) or "html" not in ex:
            raise doc.error(("examples", i), "an example needs html and failed/passed/cantTell/inapplicable")
    act_ids = data.get("act_ids") or []
    if not isinstance(act_ids, list):
        raise doc.error(("act_ids",), "must be a list of W3C ACT rule ids such as 5effbb")
    for i, act in enumerate(act_ids):
        if not ACT_ID_RE.match(str(act)):
            raise doc.error(("act_ids", i), f"not an ACT rule id (six lowercase letters/digits): {act!r}")
    return Rule(code=data["code"], name=data["name"], title=data["title"], requirements=[str(r) for r in reqs],
                engine="document" if target == "document" else "python",
                techniques=list(data.get("techniques") or []), profiles=list(profiles),
                requires=list(data.get("requires") or (["document"] if target == "document" else ["dom"])),
                viewports=viewports, check=data["check"],
                selector=data.get("selector"), options=dict(data.get("options") or {}),
                test_method=data["test_method"], message=data["message"], examples=examples, docs=docs,
                source=str(path), enabled=bool(data.get("enabled", True)), act_ids=[str(a) for a in act_ids],
                category=category, related=[str(r) for r in related])


def _axe_rules(path: Path) -> tuple[str, list[Rule]]:
    doc = load_yaml(path)
    version = str(doc.data.get("axe_version"))
    rules = []
    for i, row in enumerate(doc.data.get("rules") or []):
        if "id" not in row or "tags" not in row:
            raise doc.error(("rules", i), "needs id and tags")
        reqs = sort_criteria(sc for sc in (sc_from_axe_tag(t) for t in row["tags"]) if sc)
        rules.append(Rule(code=f"axe:{row['id']}", name=f"axe.{row['id'].replace('-', '_')}",
                          title={"ja": row.get("help_ja") or row.get("help", row["id"]),
                                 "en": row.get("help", row["id"])},
                          requirements=reqs, engine="axe", requires=["axe"], check=None,
                          test_method="AC", message={"ja": row.get("help", ""), "en": row.get("help", "")},
                          help_url=row.get("helpUrl"), tags=list(row["tags"]),
                          docs={"what": row.get("description", "")}, source=str(path),
                          profiles=list(row.get("profiles") or ["jis2016", "jis2010", "wcag22"]),
                          act_ids=list(row.get("act_ids") or []),
                          category=row.get("category", "conformance")))
    return version, rules


class RuleSet:
    """Every rule known to this installation, with lookup by code."""

    def __init__(self, rules: list[Rule], axe_version: str):
        self.rules = rules
        self.axe_version = axe_version
        self.by_code = {r.code: r for r in rules}
        self._memo: dict = {}     # per profile (and viewport): asked on every page × viewport, computed once

    def python_rules(self, profile) -> list[Rule]:
        """Our rules of a profile spec: "jis2016", "jis2016,gov-style" or a list of profile ids."""
        wanted = frozenset(profile_ids(profile))
        key = ("rules", wanted)
        if key not in self._memo:
            self._memo[key] = [r for r in self.rules if r.engine == "python" and r.enabled and wanted & set(r.profiles)]
        return self._memo[key]

    def required_artifacts(self, profile, viewport: str) -> frozenset:
        """Every artifact name the rules of a profile list in `requires` on a viewport; the page pipeline runs the
        in-page gatherers among them (pagework.gatherers_for)."""
        key = ("requires", frozenset(profile_ids(profile)), viewport)
        if key not in self._memo:
            self._memo[key] = frozenset(a for r in self.python_rules(profile) if r.applies_to(viewport)
                                        for a in r.requires)
        return self._memo[key]

    def get(self, code: str) -> Rule | None:
        return self.by_code.get(code)


@lru_cache(maxsize=4)
def load_rules(rules_dir: str | None = None) -> RuleSet:
    base = Path(rules_dir) if rules_dir else settings.rules_dir()
    if not base.is_dir():
        raise ConfigError("rules folder not found (set A11YAUDIT_RULES or run from the project folder)",
                          file=str(base))
    criteria, profiles = load_standards(str(base))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in sorted((base / "checks").glob("*.yaml")):
        rule = _rule_from_doc(path, profiles, set(criteria))
        for key in (rule.code, rule.name):
            if key in seen:
                raise ConfigError(f"{key} is also defined in {seen[key]}", file=str(path), field="code")
            seen[key] = str(path)
        rules.append(rule)
    axe_file = base / "axe" / "axe-rules.yaml"
    axe_version, axe_rules = _axe_rules(axe_file) if axe_file.exists() else ("unknown", [])
    return RuleSet(rules + axe_rules, axe_version)
