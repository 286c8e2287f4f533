"""The ウェブアクセシビリティ方針 beyond the scope rules (config.py): parsing of the extra policy fields, the policy in
force on a date (phases) and a plain-language scope description. The policy lint (`a11yaudit policy lint`), which
needs the scope classifier and the latest audit, is policy_lint.py: this module is read by config.py and imports
neither discover/ nor the store.

Sources: JIS X 8341-3:2016 附属書JA.1, WAIC 方針策定ガイドライン, 総務省 みんなの公共サイト運用ガイドライン 2024
(「適切でない取組の例」), as summarised in docs/configuration.md (policy).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin

if TYPE_CHECKING:  # pragma: no cover
    from .config import Policy
    from .configread import _Reader

POLICY_FIELDS = {"name", "standard", "level", "degree", "scope", "contact", "deadline", "statement_date",
                 "technologies", "exceptions", "additional_criteria", "phases", "known_issues", "sampling"}
SAMPLING_METHODS = ("a", "b", "c", "d")
_SC_RE = re.compile(r"^\d\.\d{1,2}\.\d{1,2}$")


@dataclass
class PolicyException:
    """例外事項: content the policy does not bring to the target, with the 代替手段 offered instead."""

    what: str
    alternative: str
    reason: str = ""
    until: dt.date | None = None


@dataclass
class Phase:
    """A stage of scope expansion (JA.1 注記2): from `date` on, the URLs of `include` are in scope."""

    name: str
    date: dt.date
    include: list = field(default_factory=list)     # config.ScopeRule
    note: str = ""


@dataclass
class SamplingPlan:
    """JIS X 8341-3:2016 JB.1.2 ウェブページ一式単位 sampling. method None = a) up to 100 pages, d) above."""

    method: str | None = None
    random: int = 40
    seed: int | None = None
    representative: list[str] = field(default_factory=list)   # URLs (or paths) always chosen for c) / d)
    max_representative: int = 15


def _date(r: "_Reader", key: str) -> dt.date | None:
    if not r.has(key) or r.value[key] is None:
        return None
    value = r.value[key]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise r.err(key, f"must be a date YYYY-MM-DD, got {value!r}") from None


def read_policy_extras(p: "_Reader", policy: "Policy") -> None:
    """Fill the optional policy fields from the `policy:` mapping (p); errors name file, line and field."""
    from .configread import _Reader, _scope_rules
    doc, path = p.doc, p.path
    policy.deadline = _date(p, "deadline")
    policy.statement_date = _date(p, "statement_date")
    policy.technologies = p.str_list("technologies", [])
    policy.known_issues = p.str("known_issues", "")
    crit = p.value.get("additional_criteria") or []
    if not isinstance(crit, list):
        crit = [crit]
    known = _known_criteria()
    for i, c in enumerate(crit):
        c = str(c)
        if not _SC_RE.match(c) or (known and c not in known):
            raise doc.error(path + ("additional_criteria", i), f"unknown success criterion {c!r}; write the "
                            "WCAG number, e.g. 2.1.3 or 1.4.10 (see rules/standards/criteria.yaml)")
        policy.additional_criteria.append(c)
    items = p.value.get("exceptions") or []
    if not isinstance(items, list):
        raise p.err("exceptions", "must be a list of {what, alternative, reason} entries (例外事項と代替手段)")
    for i, _ in enumerate(items):
        e = _Reader(doc, path + ("exceptions", i), {"what", "alternative", "reason", "until"})
        policy.exceptions.append(PolicyException(
            what=e.str("what"), alternative=e.str("alternative"), reason=e.str("reason", ""),
            until=_date(e, "until")))
    items = p.value.get("phases") or []
    if not isinstance(items, list):
        raise p.err("phases", "must be a list of {name, date, include} entries (段階的な対象範囲の拡大)")
    for i, _ in enumerate(items):
        sub = path + ("phases", i)
        ph = _Reader(doc, sub, {"name", "date", "include", "note"})
        when = _date(ph, "date")
        if when is None:
            raise ph.err("date", "required field is missing (the date from which the scope addition applies)")
        rules = _scope_rules(doc, sub + ("include",), require_reason=True)
        if not rules:
            raise ph.err("include", "a phase needs at least one scope rule it adds (prefix / pattern / type)")
        policy.phases.append(Phase(name=ph.str("name", f"段階{i + 1}"), date=when, include=rules,
                                   note=ph.str("note", "")))
    s = _Reader(doc, path + ("sampling",), {"method", "random", "seed", "representative", "max_representative"})
    if p.has("sampling"):
        policy.sampling = SamplingPlan(
            method=s.str("method", None, choices=SAMPLING_METHODS), random=s.num("random", 40, kind=int),
            seed=s.num("seed", None, kind=int) if s.has("seed") else None,
            representative=s.str_list("representative", []),
            max_representative=s.num("max_representative", 15, kind=int))
    if policy.sampling is None:
        policy.sampling = SamplingPlan()


def _known_criteria() -> set[str]:
    try:
        from .rules.standards import load_standards
        return set(load_standards()[0])
    except Exception:   # the standards tables are checked on their own by check-config
        return set()


def effective_policy(policy: "Policy", on: dt.date) -> "Policy":
    """The policy in force on a date: the include rules of every phase dated on or before it are added, and
    exclusions decided the same way (same prefix / pattern / type) are dropped."""
    include, exclude = list(policy.include), list(policy.exclude)
    for phase in policy.phases:
        if phase.date <= on:
            include.extend(phase.include)
            added = {r.describe() for r in phase.include}
            exclude = [r for r in exclude if r.describe() not in added]
    return dataclasses.replace(policy, include=include, exclude=exclude)


def describe_scope(policy: "Policy", base_url: str, lang: str = "ja") -> list[str]:
    """Lines of the 対象となるウェブページに関する簡潔な説明 (JB.3.1), from the URL rules alone."""
    def target(rule) -> str:
        if rule.prefix is not None:
            url = urljoin(base_url + "/", rule.prefix)
            return f"{url} 以下" if lang == "ja" else f"under {url}"
        if rule.pattern is not None:
            return (f"URLが正規表現 {rule.pattern} に一致するページ" if lang == "ja"
                    else f"URLs matching {rule.pattern}")
        if rule.external is not None:
            return f"外部サービス（{rule.external}）" if lang == "ja" else f"external service {rule.external}"
        return f"{rule.type} 形式のファイル" if lang == "ja" else f"{rule.type} files"
    lines = []
    for r in policy.include:
        lines.append(("対象：" if lang == "ja" else "Included: ") + target(r) + (f"（{r.reason}）" if r.reason else ""))
    for r in policy.exclude:
        lines.append(("除外：" if lang == "ja" else "Excluded: ") + target(r) + (f"（{r.reason}）" if r.reason else ""))
    return lines
