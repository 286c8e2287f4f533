"""The CI gate for page publication (issue 6): audit a few pages (URLs, local HTML files or a CMS preview on
standard input) with the audit engine, compare the findings with a baseline and fail only on NEW findings at the
configured level.

Pure parts (baseline files, comparison, the JSON / JUnit / SARIF writers, the summary) need no browser; `run_gate`
gathers the pages with the same Browser / gather_page / evaluate as a site audit, and identifies findings with the
same `fingerprint()` as the database, so baseline entries from site audits and from the gate agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import mimetypes
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from . import __version__, settings
from .config import http_url_problem
from .errors import ConfigError, InfrastructureError

# "advisory": A/AA failures and also the advisory rules' failures (axe-core best practices, smartphone readiness).
FAIL_ON_LEVELS = {"A": {"A"}, "AA": {"A", "AA"}, "AAA": {"A", "AA", "AAA"}, "advisory": {"A", "AA"}, "none": set()}
ENTRY_FIELDS = ("fingerprint", "rule", "url", "viewport", "selector", "reason", "expires", "accepted_at")
_FP_RE = re.compile(r"^[0-9a-f]{40}$")
MAX_INPUT = 8 * 1024 * 1024
FILE_SITE = "file"                 # the site part of the fingerprint of a local file outside every configured site
LOCAL_ORIGIN = "http://local-file.a11yaudit.invalid"   # where local files are served (from a route, no server)

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
# Targets
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Target:
    spec: str                      # as given on the command line
    kind: str                      # url | file | stdin
    load_url: str                  # what Chromium loads
    identity_url: str              # stored / reported URL (logical URL, or the file path for local files)
    site_key: str                  # site part of the fingerprint: site id, host, or "file"
    fp_path: str                   # path part of the fingerprint
    location: str                  # SARIF artifact URI: the URL or the file path
    site: Any = None               # config.Site or None
    profile: str = settings.DEFAULT_PROFILE
    body: bytes | None = None      # HTML served at load_url (file / stdin)
    serve_root: Path | None = None  # folder served at serve_origin (relative links of files, served sites)
    serve_origin: str | None = None


def check_html(data: bytes, name: str) -> None:
    """Reject input that is not an HTML page (exit 2): empty, binary, too large, or without any markup."""
    if not data or not data.strip():
        raise ConfigError("the HTML input is empty", file=name)
    if len(data) > MAX_INPUT:
        raise ConfigError(f"the HTML input is too large ({len(data)} bytes; at most {MAX_INPUT})", file=name)
    if b"\x00" in data[:65536]:
        raise ConfigError("the input is binary (NUL bytes), not an HTML page", file=name)
    from .gather.browser import _decode
    text = _decode(data[:65536], "")
    if not re.search(r"<\s*[a-zA-Z!]", text):
        raise ConfigError("the input contains no HTML markup", file=name)


def _html_content_type(data: bytes) -> str:
    try:
        data.decode("utf-8")
        return "text/html; charset=utf-8"
    except UnicodeDecodeError:
        return "text/html"       # Chromium reads the <meta charset> (Shift_JIS pages)


def _site_for_url(url: str, sites: list) -> Any:
    """The configured site whose origins (scheme, host, port) include the URL's (discover/scope.py)."""
    from .discover.scope import ScopeClassifier
    for site in sites:
        if ScopeClassifier(site).same_site(url):
            return site
    return None


def _site_for_file(path: Path, sites: list) -> tuple[Any, str | None]:
    for site in sites:
        if site.serve is None:
            continue
        try:
            rel = path.resolve().relative_to(site.serve.resolve())
        except ValueError:
            continue
        return site, rel.as_posix()
    return None, None


def resolve_targets(specs: list[str], *, base_url: str | None, sites: list, profile: str | None,
                    read_stdin=None, cwd: Path | None = None) -> list[Target]:
    """Command-line targets → Target objects; every input problem is a ConfigError (exit 2)."""
    from .discover.urls import canonicalize, host_of, path_of
    from .gather.guard_proxy import origin_tuple
    cwd = cwd or Path.cwd()
    if not specs:
        raise ConfigError("give at least one TARGET (URL, HTML file or '-')", field="TARGET")
    if specs.count("-") > 1:
        raise ConfigError("'-' (standard input) can be given once", field="TARGET")
    if base_url is not None and "-" not in specs:
        raise ConfigError("--base-url is used with '-' (HTML on standard input) only", field="--base-url")
    out: list[Target] = []
    for spec in specs:
        if spec == "-":
            if not base_url:
                raise ConfigError("HTML on standard input ('-') needs --base-url URL (where the page will be "
                                  "published; relative links and CSS resolve against it)", field="--base-url")
            if http_url_problem(base_url):     # a malformed URL (http://[::1/) is bad input, not a crash
                raise ConfigError(f"must be an http(s) URL, got {base_url!r} ({http_url_problem(base_url)})",
                                  field="--base-url")
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"must be an http(s) URL, got {base_url!r}", field="--base-url")
            data = (read_stdin or (lambda: sys.stdin.buffer.read()))()
            check_html(data, "<stdin>")
            load_url = base_url.split("#", 1)[0]
            if not parts.path:
                load_url += "/"
            ident = canonicalize(load_url) or load_url
            site = _site_for_url(ident, sites)
            t = Target(spec, "stdin", load_url, ident, site.id if site else host_of(ident), path_of(ident), ident,
                       site=site, body=data)
        elif re.match(r"^https?://", spec, re.I):
            if http_url_problem(spec):
                raise ConfigError(f"not a valid URL: {spec!r} ({http_url_problem(spec)})", field="TARGET")
            parts = urlsplit(spec)
            if not parts.hostname:
                raise ConfigError(f"not a valid URL: {spec!r}", field="TARGET")
            ident = canonicalize(spec) or spec
            site = _site_for_url(ident, sites)
            t = Target(spec, "url", spec, ident, site.id if site else host_of(ident), path_of(ident), spec, site=site)
        else:
            path = Path(spec)
            if path.is_dir():
                path = path / "index.html"
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                raise ConfigError("file not found (a TARGET is a URL, an HTML file or '-')", file=spec) from None
            except OSError as exc:
                raise ConfigError(f"cannot read the file: {exc.strerror}", file=spec) from None
            check_html(data, spec)
            site, rel = _site_for_file(path, sites)
            if site is not None:
                load_url = site.base_url + "/" + quote(rel)
                ident = canonicalize(load_url) or load_url
                t = Target(spec, "file", load_url, ident, site.id, path_of(ident), path.as_posix(), site=site,
                           body=data, serve_root=site.serve, serve_origin=site.base_url)
            else:
                resolved = path.resolve()
                try:
                    rel = resolved.relative_to(cwd.resolve()).as_posix()
                    root = cwd.resolve()
                except ValueError:
                    rel, root = resolved.name, resolved.parent
                load_url = LOCAL_ORIGIN + "/" + quote(rel)
                t = Target(spec, "file", load_url, rel, FILE_SITE, rel, rel, body=data, serve_root=root,
                           serve_origin=LOCAL_ORIGIN)
        if t.site is not None and t.site.serve is not None and t.serve_root is None \
                and origin_tuple(t.load_url) == origin_tuple(t.site.base_url):
            t.serve_root, t.serve_origin = t.site.serve, t.site.base_url   # a served site's logical URL
        t.profile = _profile_for(t, profile)
        out.append(t)
    return out


def _profile_for(target: Target, cli_profile: str | None) -> str:
    """Command line > the site's profile in sites.yaml > jis2016 (the project's settings precedence)."""
    from .rules.standards import parse_profile_spec, profile_spec_string
    spec = cli_profile or (target.site.profile if target.site is not None else None) or settings.DEFAULT_PROFILE
    return profile_spec_string(*parse_profile_spec(spec))


# ---------------------------------------------------------------------------------------------------------------
# Baselines
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class BaselineEntry:
    fingerprint: str
    rule: str = ""
    url: str = ""
    viewport: str = ""
    selector: str = ""
    reason: str = ""
    expires: dt.date | None = None
    accepted_at: str = ""

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def to_dict(self) -> dict:
        d = {"fingerprint": self.fingerprint, "rule": self.rule, "url": self.url, "viewport": self.viewport,
             "selector": self.selector, "reason": self.reason}
        if self.expires is not None:
            d["expires"] = self.expires.isoformat()
        d["accepted_at"] = self.accepted_at
        return d


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_baseline(text: str, file: str) -> list[BaselineEntry]:
    """Parse a baseline file (YAML, or JSON when the name ends in .json). Errors name the file, the line (YAML)
    and the field. Top level: a list of entries, or a mapping with `entries:` (and an optional `version: 1`)."""
    from .yamlsrc import load_json, load_yaml
    if file.lower().endswith(".json"):
        doc = load_json(file, text)      # duplicate keys, NaN and Infinity refused as in YAML
    else:
        doc = load_yaml(file, text)
    data = doc.data
    prefix: tuple = ()
    if data is None:
        return []
    if isinstance(data, dict):
        unknown = [k for k in data if k not in ("version", "entries")]
        if unknown:
            raise doc.error((unknown[0],), "unknown field; a baseline is a list of entries (or {version, entries})")
        if data.get("version", 1) != 1:
            raise doc.error(("version",), f"unsupported version {data.get('version')!r}; this a11yaudit reads 1")
        data, prefix = data.get("entries") or [], ("entries",)
    if not isinstance(data, list):
        raise doc.error(prefix, f"must be a list of entries, got {type(data).__name__}")
    entries, seen = [], set()
    for i, item in enumerate(data):
        path = prefix + (i,)
        if not isinstance(item, dict):
            raise doc.error(path, "each entry must be a mapping {fingerprint, rule, url, viewport, selector, "
                                  "reason, expires, accepted_at}")
        for key in item:
            if key not in ENTRY_FIELDS:
                raise doc.error(path + (key,), f"unknown field; allowed: {', '.join(ENTRY_FIELDS)}")
        fp = item.get("fingerprint")
        if not isinstance(fp, str) or not _FP_RE.match(fp.strip().lower()):
            raise doc.error(path + ("fingerprint",), f"must be a 40-digit hex fingerprint, got {fp!r}")
        values: dict[str, Any] = {"fingerprint": fp.strip().lower()}
        for key in ("rule", "url", "viewport", "selector", "reason"):
            value = item.get(key)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise doc.error(path + (key,), f"must be a string, got {value!r}")
            values[key] = value
        if item.get("expires") not in (None, ""):
            expires = _date(item["expires"])
            if expires is None:
                raise doc.error(path + ("expires",), f"must be a date YYYY-MM-DD, got {item['expires']!r}")
            values["expires"] = expires
        acc = item.get("accepted_at")
        if acc not in (None, ""):
            if not isinstance(acc, (str, dt.date)) or (isinstance(acc, str) and _date(acc[:10]) is None):
                raise doc.error(path + ("accepted_at",), f"must be a date or date-time, got {acc!r}")
            values["accepted_at"] = acc.isoformat() if isinstance(acc, dt.date) else acc
        if values["fingerprint"] in seen:
            raise doc.error(path + ("fingerprint",), "duplicate fingerprint")
        seen.add(values["fingerprint"])
        entries.append(BaselineEntry(**values))
    return entries


def load_baseline_file(path: str | Path) -> list[BaselineEntry]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("baseline file not found (create it with `a11yaudit baseline accept`)",
                          file=str(path), field="--baseline") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", file=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the baseline: {exc.strerror}", file=str(path)) from None
    return parse_baseline(text, str(path))


def dump_baseline(entries: list[BaselineEntry], file: str) -> str:
    rows = [e.to_dict() for e in sorted(entries, key=lambda e: (e.url, e.viewport, e.rule, e.selector))]
    if file.lower().endswith(".json"):
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    import yaml
    header = ("# a11yaudit gate baseline: accepted findings (fingerprint = site, URL path, viewport, rule, selector).\n"
              "# Update: a11yaudit baseline accept TARGET... --baseline FILE --reason TEXT [--expires YYYY-MM-DD]\n")
    return header + (yaml.safe_dump(rows, allow_unicode=True, sort_keys=False, width=120) if rows else "[]\n")


def db_baseline(store, site_id: str) -> list[BaselineEntry]:
    """The findings (failed) of the latest finished run of a site, as baseline entries, and the site's triage."""
    runs = [r for r in store.list_runs(site_id) if r["status"] == "finished"]
    if not runs:
        raise ConfigError(f"no finished audit of site {site_id!r} in the database {store.safe_url}",
                          field="--baseline")
    run = runs[-1]
    urls = {p["id"]: p["url"] for p in store.run_pages(run["id"])}
    when = run["finished_at"] or run["started_at"]
    reason = f"site audit run {run['id']} ({when:%Y-%m-%d})" if when else f"site audit run {run['id']}"
    out, seen = [], set()
    for f in store.run_findings(run["id"]):
        if f["outcome"] != "failed" or f["fingerprint"] in seen:
            continue
        seen.add(f["fingerprint"])
        out.append(BaselineEntry(fingerprint=f["fingerprint"], rule=f["rule"], url=urls.get(f["page_id"], ""),
                                 viewport=f["viewport"], selector=f["selector"], reason=reason,
                                 accepted_at=when.isoformat() if when else ""))
    # The workspace's triage (`a11yaudit serve`): an accepted problem (until its expiry) or a false positive replaces
    # the run's entry for its fingerprint; an expired acceptance no longer lets the finding through.
    from .store.workspace import baseline_triage
    by_fp = {e.fingerprint: i for i, e in enumerate(out)}
    for row in baseline_triage(store, site_id):
        label = "accepted" if row["status"] == "accepted" else "false positive"
        entry = BaselineEntry(fingerprint=row["fingerprint"], rule=row["rule"], url=row["url"],
                              viewport=row["viewport"], selector=row["selector"],
                              reason=f"{label} ({row['updated_by']}): {row['reason']}", expires=row["expires"],
                              accepted_at=(row["updated_at"].isoformat() if row["updated_at"] else ""))
        if row["fingerprint"] in by_fp:
            out[by_fp[row["fingerprint"]]] = entry
        else:
            out.append(entry)
    return out


def merge_baseline(existing: list[BaselineEntry], findings: list["GateFinding"], gated_urls: set[str],
                   viewports: set[str], *, reason: str, expires: dt.date | None, today: dt.date
                   ) -> tuple[list[BaselineEntry], dict]:
    """`baseline accept`: the current failed findings of the gated pages, keeping existing entries (their reasons
    and dates); entries of the gated pages × viewports that were not seen any more are dropped (fixed); entries of
    other pages are kept as they are."""
    by_fp = {e.fingerprint: e for e in existing}
    current = {f.fingerprint: f for f in findings if f.outcome == "failed"}
    out, stats = [], {"added": 0, "kept": 0, "dropped": 0}
    for e in existing:
        if e.fingerprint in current:
            out.append(e)
            stats["kept"] += 1
        elif e.url in gated_urls and (e.viewport in viewports or e.viewport == "document"):   # a gated file
            stats["dropped"] += 1
        else:
            out.append(e)
    for fp, f in current.items():
        if fp in by_fp:
            continue
        out.append(BaselineEntry(fingerprint=fp, rule=f.rule, url=f.url, viewport=f.viewport, selector=f.selector,
                                 reason=reason, expires=expires, accepted_at=today.isoformat()))
        stats["added"] += 1
    return out, stats


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
    from .checks.encoding import declared, misdecoded
    page = artifacts.get("page") or {}
    if "content_type" not in page:
        return None
    source = (artifacts.get("dom") or {}).get("source") or ""
    if source.isascii() or declared(page.get("content_type"), source):
        return None
    charset = page.get("charset") or "?"
    if not misdecoded(source, page.get("title") or "", charset):
        return None
    return (f"garbled: 文字コードの宣言がなく、ブラウザーが {charset} として読んだため文字化けしています。作者の文字を"
            f"判定できません / no encoding declared and the browser read the page as {charset}: the text is garbled "
            f"(mojibake), so the gate cannot judge what the author wrote (declare charset=UTF-8)")


def compare(targets: list[Target], loads: dict, results: dict, baseline: list[BaselineEntry], *, ruleset,
            fail_on: str, today: dt.date | None = None) -> GateResult:
    """Findings of every loaded target × viewport, classified against the baseline; fixed = baseline entries of
    the gated pages × viewports whose finding was not seen any more (and whose rule ran)."""
    from .rules.standards import load_standards, parse_profile_spec
    from .store.db import fingerprint
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
            if load.final_url and not _same_document(load.final_url, t.load_url):
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


# ---------------------------------------------------------------------------------------------------------------
# Gathering (browser)
# ---------------------------------------------------------------------------------------------------------------

async def _serve_folder(route, root: Path, block: set[str]) -> None:
    """Fulfil a request under a served origin from a local folder (no dot files, nothing outside the folder)."""
    req = route.request
    if req.resource_type in block:
        await route.abort("blockedbyclient")
        return
    path = unquote(urlsplit(req.url).path)
    parts = [p for p in path.split("/") if p]
    target = root.joinpath(*parts) if parts else root
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    try:
        ok = not any(p.startswith(".") for p in parts) and target.resolve().is_relative_to(root.resolve()) \
            and target.is_file()
    except OSError:
        ok = False
    if not ok:
        await route.fulfill(status=404, body=b"not found", headers={"content-type": "text/plain"})
        return
    data = target.read_bytes()
    ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if ctype == "text/html":
        ctype = _html_content_type(data)
    elif ctype.startswith("text/") or ctype in ("application/javascript",):
        ctype += "; charset=utf-8"
    await route.fulfill(status=200, body=data, headers={"content-type": ctype})


async def _serve_body(route, body: bytes) -> None:
    await route.fulfill(status=200, body=body, headers={"content-type": _html_content_type(body)})


def gate_allowance(targets: list[Target]):
    """The origins the gated pages may reach on special addresses: each target's own origin (a local dev server the
    user names, the --base-url of a preview, the served folder of a file) and its configured site's origins —
    nothing else on loopback, private or link-local addresses (gather/guard_proxy.py)."""
    from .discover.urls import origin_of
    from .gather.guard_proxy import Allowance
    entries: list[str] = []
    for t in targets:
        entries.append(origin_of(t.load_url))
        if t.serve_origin:
            entries.append(t.serve_origin)
        if t.site is not None:
            from .discover.scope import ScopeClassifier
            entries += sorted(ScopeClassifier(t.site).origins) + list(t.site.allowed_hosts)
    return Allowance(entries)


def _doc_key(url: str) -> str:
    """A URL as Chromium may spell it (case, default port, percent-encoding), without its fragment."""
    from .discover.urls import canonicalize
    url = url.split("#", 1)[0]
    return canonicalize(url, strip_params=[]) or url


def _same_document(a: str, b: str) -> bool:
    return a.split("#", 1)[0] == b.split("#", 1)[0] or _doc_key(a) == _doc_key(b)


class GateRoutes:
    """One context's requests in the gate: the pages given as files / on stdin and their folders are served from
    here; other requests to special addresses outside the allowance are refused (the proxy refuses the redirect
    hops); and the top document stays the target: any other top-level navigation (location.replace, a meta
    refresh, a link followed) is stopped and recorded, so the target is judged or the load fails — never the page
    it led to, nor Chromium's error page."""

    def __init__(self, targets: list[Target], allowance, block: set[str]):
        self.bodies = {_doc_key(t.load_url): t.body for t in targets if t.body is not None}
        self.folders = {t.serve_origin.rstrip("/"): t.serve_root for t in targets
                        if t.serve_root is not None and t.serve_origin}
        self.allowance = allowance
        self.block = block
        self.page = None               # the tab's page, whose main frame must stay on the target
        self.target: Target | None = None
        self.navigations: list[str] = []

    async def handle(self, route) -> None:
        from .gather.guard_proxy import is_ip, origin_tuple, special
        req = route.request
        url = req.url
        scheme = url.split(":", 1)[0].lower()
        if scheme in ("data", "blob", "about"):
            await route.continue_()
            return
        if scheme not in ("http", "https"):
            await route.abort("blockedbyclient")
            return
        try:
            top = req.is_navigation_request() and req.frame.parent_frame is None
        except Exception:  # noqa: BLE001 — e.g. a worker's request has no frame
            top = False
        if top:
            ours = self.page is not None and req.frame == self.page.main_frame
            if not (ours and self.target is not None and _same_document(url, self.target.load_url)):
                if ours:
                    self.navigations.append(url)
                await route.abort("blockedbyclient")      # (a popup is not followed either)
                return
        if req.resource_type in self.block:
            await route.abort("blockedbyclient")
            return
        bare = url.split("#", 1)[0]
        body = self.bodies.get(_doc_key(url))
        if body is not None:
            await _serve_body(route, body)
            return
        for origin, root in self.folders.items():
            if bare == origin or bare.startswith(origin + "/"):
                await _serve_folder(route, root, self.block)
                return
        origin = origin_tuple(url)
        if origin is None:
            await route.abort("blockedbyclient")
            return
        host = origin[1]
        if not self.allowance.allows(*origin) and (
                host == "localhost" or host.endswith(".localhost") or (is_ip(host) and special(host))):
            await route.abort("blockedbyclient")
            return
        await route.continue_()


def navigation_error(target: Target, load, navigations: list[str]) -> str | None:
    """Why a gated load does not show the target (fail closed), or None when it does."""
    from .gather.guard_proxy import origin_tuple
    if navigations:
        return (f"ページが対象から移動しようとしました / the page navigated away from the target to "
                f"{navigations[0][:300]} (the gate judges the target itself; gate that URL directly if it is the "
                f"page meant)")
    final = load.final_url or ""
    if final.startswith("chrome-error:"):
        return f"Chromium のエラーページ / Chromium's error page instead of the target ({load.error or final})"
    if final and origin_tuple(final) != origin_tuple(target.load_url):
        return (f"別のオリジンへ転送されました / redirected away from the target's origin to {final[:300]} "
                "(gate that URL directly if it is the page meant)")
    return None


async def gather_targets(browser, targets: list[Target], viewports: list[str], ruleset, *, timeout: float,
                         settle: float, start_task=None) -> tuple[dict, dict]:
    """Load every target in every viewport (viewports in parallel, one context each) and evaluate the rules.
    Returns ({(spec, viewport): PageLoad}, {(spec, viewport): [RuleResult]})."""
    from .gather.browser import Tab, gather_page
    from .rules.engine import evaluate
    if start_task is not None:
        await start_task
    loads: dict = {}
    results: dict = {}
    allowance = gate_allowance(targets)
    # This call's own port of the filtering proxy: its allowance is these targets' origins only (serve-gate runs
    # several calls on one browser; one request's allowance never carries over to another).
    proxy = getattr(browser, "proxy", None)
    listener = await asyncio.to_thread(proxy.listen, allowance) if proxy is not None else None
    # Cross-viewport rules (SP08: content of the PC rendering missing on the smartphone) compare a page's smartphone
    # rendering with its PC one: the other viewports wait for the PC load of the same target (PC never waits).
    pc_loaded = {t.spec: asyncio.Event() for t in targets}

    async def one_viewport(viewport: str) -> None:
        try:
            await _viewport_targets(viewport)
        finally:
            if viewport == "pc":          # whatever happened, nobody waits for a PC load any more
                for event in pc_loaded.values():
                    event.set()

    async def _viewport_targets(viewport: str) -> None:
        ctx = None
        tab = None
        routes = GateRoutes(targets, allowance, browser.block_resources)
        for t in targets:
            if ctx is None:
                ctx = await browser.new_context(viewport, proxy=listener[0] if listener else None)
                await ctx.route("**/*", routes.handle)        # the last route registered wins over the browser's
                tab = Tab(ctx)
            try:
                routes.page, routes.target, routes.navigations = await tab.ensure(), t, []
                load = await gather_page(tab, t.load_url, viewport, timeout=timeout, settle=settle,
                                         interactions=ruleset.interactions(t.profile, viewport))
                why = navigation_error(t, load, routes.navigations)
                routes.target = None
                if why is not None:      # fail closed: the target was not what got judged (or nothing was)
                    load.artifacts, load.error_kind, load.error = None, "navigated_away", why
            finally:
                if viewport == "pc":
                    pc_loaded[t.spec].set()
            loads[(t.spec, viewport)] = load
            if load.artifacts is not None:
                peer = None
                if viewport != "pc" and "pc" in viewports:
                    await pc_loaded[t.spec].wait()
                    pc = loads.get((t.spec, "pc"))
                    peer = pc.artifacts if pc is not None else None
                results[(t.spec, viewport)] = await asyncio.to_thread(
                    evaluate, load.artifacts, viewport, ruleset, t.profile, t.identity_url, peer=peer)
            elif load.error_kind == "renderer_crash":
                with contextlib.suppress(Exception):
                    await ctx.close()
                ctx = None
                if browser.browser is None or not browser.browser.is_connected():
                    with contextlib.suppress(Exception):
                        await browser.ensure()
        if ctx is not None:
            with contextlib.suppress(Exception):
                await ctx.close()

    try:
        await asyncio.gather(*(one_viewport(vp) for vp in viewports))
    finally:
        if listener is not None:
            proxy.unlisten(listener[1])
    return loads, results


@dataclass
class GateOptions:
    targets: list[str]
    base_url: str | None = None
    viewports: list[str] = field(default_factory=lambda: list(settings.DEFAULT_VIEWPORTS))
    profile: str | None = None
    config: str = settings.DEFAULT_CONFIG
    timeout: float = 30.0
    settle: float = 0.3
    baseline: str | None = None
    db_url: str | None = None


def _load_sites(config: str) -> list:
    if not config or not Path(config).exists():
        return []
    from .config import load_sites
    from .rules.standards import load_standards
    _, profiles = load_standards()
    return load_sites(config, known_profiles=set(profiles)).sites


def _prepare(opt: GateOptions, read_stdin=None):
    from .rules.loader import load_rules
    sites = _load_sites(opt.config)
    baseline = load_baseline_spec(opt.baseline, opt.db_url)
    targets = resolve_targets(opt.targets, base_url=opt.base_url, sites=sites, profile=opt.profile,
                              read_stdin=read_stdin)
    return targets, load_rules(), baseline


async def _gate_async(opt: GateOptions, read_stdin=None):
    """Chromium starts while the input, sites.yaml and the rules are read (in a thread)."""
    from .gather.browser import Browser
    # guard: every request goes through the filtering proxy (each gather_targets call opens its own port of it
    # with the targets' allowance; the browser's default port allows no special address at all).
    browser = Browser(block_resources=list(settings.CRAWL_DEFAULTS["block_resources"]), guard=True)
    start = asyncio.ensure_future(browser.start())
    try:
        try:
            targets, ruleset, baseline = await asyncio.to_thread(_prepare, opt, read_stdin)
        except BaseException:
            start.cancel()
            with contextlib.suppress(BaseException):
                await start
            raise
        timeout = min([t.site.crawl.timeout for t in targets if t.site is not None] or [opt.timeout])
        loads, results = await gather_targets(browser, targets, opt.viewports, ruleset, timeout=timeout,
                                              settle=opt.settle, start_task=start)
        return targets, ruleset, baseline, loads, results
    finally:
        with contextlib.suppress(Exception):
            await browser.close()


DOCUMENT_SUFFIXES = (".pdf", ".docx", ".xlsx", ".pptx")


def is_document_spec(spec: str) -> bool:
    """A local PDF / Office file given as a TARGET (checked by the document checker, not rendered)."""
    return spec != "-" and not re.match(r"^https?://", spec, re.I) and spec.lower().endswith(DOCUMENT_SUFFIXES)


@dataclass
class DocumentLoad:
    """A checked document in the shape of a page load (gate.compare reads artifacts, error_kind, error)."""
    url: str
    viewport: str
    artifacts: dict | None = None
    error_kind: str | None = None
    error: str | None = None
    final_url: str | None = None


def document_targets(specs: list[str], *, sites: list, profile: str | None, cwd: Path | None = None) -> list[Target]:
    """Local documents → Targets (fingerprints like a site audit's when the file is inside a served site)."""
    from .discover.urls import canonicalize, path_of
    cwd = cwd or Path.cwd()
    out = []
    for spec in specs:
        path = Path(spec)
        if not path.is_file():
            raise ConfigError("file not found (a TARGET is a URL, an HTML file, a PDF/Office file or '-')", file=spec)
        site, rel = _site_for_file(path, sites)
        if site is not None:
            ident = canonicalize(site.base_url + "/" + quote(rel)) or site.base_url + "/" + quote(rel)
            t = Target(spec, "file", ident, ident, site.id, path_of(ident), path.as_posix(), site=site)
        else:
            resolved = path.resolve()
            try:
                rel = resolved.relative_to(cwd.resolve()).as_posix()
            except ValueError:
                rel = resolved.name
            t = Target(spec, "file", LOCAL_ORIGIN + "/" + quote(rel), rel, FILE_SITE, rel, rel)
        t.profile = _profile_for(t, profile)
        out.append(t)
    return out


def gather_documents(targets: list[Target], ruleset) -> tuple[dict, dict]:
    """Check each document in the document checker's isolated worker; results as the site audit stores them
    (viewport "document"). A document that cannot be checked (damaged, password, bomb, timeout …) is a load error
    (exit 3), like a page that cannot be loaded."""
    from .documents import DocumentChecker
    from .documents.integrate import DOCUMENT_VIEWPORT, rule_results
    loads, results = {}, {}
    with DocumentChecker() as checker:
        checker._rules = ruleset          # the gate's rules, loaded once
        for t in targets:
            r = checker.check(t.spec)
            key = (t.spec, DOCUMENT_VIEWPORT)
            if r.error_kind:
                loads[key] = DocumentLoad(t.identity_url, DOCUMENT_VIEWPORT, None, r.error_kind, r.error)
            else:
                loads[key] = DocumentLoad(t.identity_url, DOCUMENT_VIEWPORT, {"page": {"title": r.title}})
                results[key] = rule_results(r, profile=t.profile, ruleset=ruleset)
    return loads, results


def gather(opt: GateOptions, read_stdin=None):
    """Targets, rules, baseline, page loads and rule results; raises ConfigError (2) / InfrastructureError (3).
    PDF / Office files among the targets are checked by the document checker (documents/), the rest rendered."""
    doc_specs = [s for s in opt.targets if is_document_spec(s)]
    if doc_specs:
        import dataclasses

        from .rules.loader import load_rules
        pages = [s for s in opt.targets if not is_document_spec(s)]
        if pages:
            targets, ruleset, baseline, loads, results = asyncio.run(
                _gate_async(dataclasses.replace(opt, targets=pages), read_stdin))
        else:
            targets, ruleset, baseline, loads, results = [], load_rules(), \
                load_baseline_spec(opt.baseline, opt.db_url), {}, {}
        doc_targets = document_targets(doc_specs, sites=_load_sites(opt.config), profile=opt.profile)
        doc_loads, doc_results = gather_documents(doc_targets, ruleset)
        targets, loads, results = targets + doc_targets, {**loads, **doc_loads}, {**results, **doc_results}
    else:
        targets, ruleset, baseline, loads, results = asyncio.run(_gate_async(opt, read_stdin))
    if loads and all(ld.artifacts is None for ld in loads.values()):
        first = next(iter(loads.values()))
        raise InfrastructureError(f"no target could be loaded ({first.url} [{first.viewport}]: "
                                  f"{first.error_kind}: {first.error})")
    return targets, ruleset, baseline, loads, results


def load_baseline_spec(spec: str | None, db_url: str | None) -> list[BaselineEntry]:
    """--baseline FILE or db:SITE (the latest finished audit of that site)."""
    if not spec:
        return []
    if spec.startswith("db:"):
        site_id = spec[3:].strip()
        if not site_id:
            raise ConfigError("db: needs a site id, e.g. --baseline db:sample", field="--baseline")
        from .store.db import Store
        return db_baseline(Store(db_url or settings.DEFAULT_DB), site_id)
    return load_baseline_file(spec)


def write_output(text: str, output: str | None) -> None:
    if output:
        from .fsutil import atomic_write_text
        atomic_write_text(output, text + ("" if text.endswith("\n") else "\n"))
    else:
        sys.stdout.write(text + ("" if text.endswith("\n") else "\n"))
        sys.stdout.flush()


def today() -> dt.date:
    """Today's date; A11YAUDIT_TODAY=YYYY-MM-DD overrides it (tests, reproducible CI runs)."""
    env = os.environ.get("A11YAUDIT_TODAY")
    if env:
        d = _date(env)
        if d is None:
            raise ConfigError(f"must be YYYY-MM-DD, got {env!r}", field="A11YAUDIT_TODAY")
        return d
    return dt.date.today()
