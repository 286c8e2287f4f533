"""Gate baselines: accepted findings by fingerprint, from a YAML/JSON file or a site's triage in the database;
merging a gate run into a baseline file."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import settings
from ..errors import ConfigError
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .compare import GateFinding

ENTRY_FIELDS = ("fingerprint", "rule", "url", "viewport", "selector", "reason", "expires", "accepted_at")
_FP_RE = re.compile(r"^[0-9a-f]{40}$")



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
    from ..yamlsrc import load_json, load_yaml
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
    by_fp = {e.fingerprint: i for i, e in enumerate(out)}
    for entry in triage_entries(store, site_id):
        if entry.fingerprint in by_fp:
            out[by_fp[entry.fingerprint]] = entry
        else:
            out.append(entry)
    return out


def triage_entries(store, site_id: str) -> list[BaselineEntry]:
    """The site's triage in the workspace as baseline entries: accepted problems (with their expiry) and false
    positives."""
    from ..store.workspace import baseline_triage
    out = []
    for row in baseline_triage(store, site_id):
        label = "accepted" if row["status"] == "accepted" else "false positive"
        out.append(BaselineEntry(fingerprint=row["fingerprint"], rule=row["rule"], url=row["url"],
                                 viewport=row["viewport"], selector=row["selector"],
                                 reason=f"{label} ({row['updated_by']}): {row['reason']}", expires=row["expires"],
                                 accepted_at=(row["updated_at"].isoformat() if row["updated_at"] else "")))
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



def load_baseline_spec(spec: str | None, db_url: str | None) -> list[BaselineEntry]:
    """--baseline FILE or db:SITE (the latest finished audit of that site)."""
    if not spec:
        return []
    if spec.startswith("db:"):
        site_id = spec[3:].strip()
        if not site_id:
            raise ConfigError("db: needs a site id, e.g. --baseline db:sample", field="--baseline")
        from ..store.db import Store
        return db_baseline(Store(db_url or settings.DEFAULT_DB), site_id)
    return load_baseline_file(spec)



def today() -> dt.date:
    """Today's date; A11YAUDIT_TODAY=YYYY-MM-DD overrides it (tests, reproducible CI runs)."""
    env = os.environ.get("A11YAUDIT_TODAY")
    if env:
        d = _date(env)
        if d is None:
            raise ConfigError(f"must be YYYY-MM-DD, got {env!r}", field="A11YAUDIT_TODAY")
        return d
    return dt.date.today()
