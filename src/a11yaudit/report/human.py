"""Results of the human test (人による試験), imported from CSV or YAML and merged into the 試験結果 report.

A verdict is per success criterion, optionally per tested page (url). Columns / keys (Japanese headers work too):

    criterion (達成基準)   "1.1.1" (or the JIS 2010 number 7.1.1.1 under the jis2010 profile) — required
    url (URL)              a tested page (absolute, or a path on the site); empty = the whole sample
    applicability (適用)   適用 | 非適用 (also applicable / not applicable / ○ / －); default 適用
    result (結果)          適合 | 不適合 (also pass / fail / ○ / ×); may be empty only with 非適用 (→ 適合)
    note (注記)            free text (shown in the report, escaped)
    tester (試験実施者), date (試験日, YYYY-MM-DD)

Every error names the file, the line and the field, and the CLI exits 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from ..errors import ConfigError

APPLICABLE, NOT_APPLICABLE = "適用", "非適用"
PASS, FAIL = "適合", "不適合"
_APPLICABILITY = {"適用": APPLICABLE, "applicable": APPLICABLE, "yes": APPLICABLE, "○": APPLICABLE,
                  "非適用": NOT_APPLICABLE, "not applicable": NOT_APPLICABLE, "n/a": NOT_APPLICABLE,
                  "na": NOT_APPLICABLE, "no": NOT_APPLICABLE, "－": NOT_APPLICABLE, "-": NOT_APPLICABLE}
_RESULT = {"適合": PASS, "pass": PASS, "passed": PASS, "○": PASS, "不適合": FAIL, "fail": FAIL, "failed": FAIL,
           "×": FAIL, "x": FAIL}
_HEADERS = {"criterion": "criterion", "達成基準": "criterion", "no.": "criterion", "url": "url", "対象url": "url",
            "applicability": "applicability", "適用": "applicability", "result": "result", "結果": "result",
            "note": "note", "注記": "note", "tester": "tester", "試験実施者": "tester", "date": "date",
            "試験日": "date"}
FIELDS = ("criterion", "url", "applicability", "result", "note", "tester", "date")


@dataclass
class HumanVerdict:
    criterion: str
    url: str | None
    applicability: str
    result: str
    note: str
    tester: str
    date: dt.date | None
    source: str            # file:line

    @property
    def key(self) -> tuple:
        return (self.criterion, self.url)


class _Checker:
    def __init__(self, file: str, criteria: dict[str, str], tested: set[str], base_url: str):
        self.file, self.criteria, self.tested, self.base = file, criteria, tested, base_url.rstrip("/") + "/"
        self.seen: dict[tuple, int] = {}

    def err(self, line, field, message):
        return ConfigError(message, file=self.file, line=line, field=field)

    def verdict(self, row: dict, line: int | None, field_prefix: str = "") -> HumanVerdict:
        def text(key) -> str:
            value = row.get(key)
            if value is None:
                return ""
            if isinstance(value, (dt.date, int, float)):
                return str(value)
            if not isinstance(value, str):
                raise self.err(line, field_prefix + key, f"must be text, got {value!r}")
            return value.strip()
        crit = text("criterion")
        if not crit:
            raise self.err(line, field_prefix + "criterion", "required field is missing (the success criterion, "
                           "e.g. 1.1.1)")
        if crit not in self.criteria:
            raise self.err(line, field_prefix + "criterion", f"{crit!r} is not a success criterion of this report "
                           f"(the profile's criteria up to the target level and the policy's additional criteria)")
        crit = self.criteria[crit]
        url = text("url") or None
        if url is not None:
            url = urljoin(self.base, url)
            if url not in self.tested:
                raise self.err(line, field_prefix + "url", f"{url!r} is not a page of the sample (試験対象のページ); "
                               "see the list of tested URLs")
        raw_app = text("applicability")
        app = _APPLICABILITY.get(raw_app.lower(), None) if raw_app else APPLICABLE
        if app is None:
            raise self.err(line, field_prefix + "applicability", f"must be 適用 or 非適用, got {raw_app!r}")
        raw_res = text("result")
        if raw_res:
            res = _RESULT.get(raw_res.lower())
            if res is None:
                raise self.err(line, field_prefix + "result", f"must be 適合 or 不適合, got {raw_res!r}")
        elif app == NOT_APPLICABLE:
            res = PASS          # JIS practice: 非適用 → 適合 (該当コンテンツなし)
        else:
            raise self.err(line, field_prefix + "result", "required field is missing (適合 or 不適合; it may be "
                           "empty only when 適用 is 非適用)")
        if app == NOT_APPLICABLE and res == FAIL:
            raise self.err(line, field_prefix + "result", "a criterion that is 非適用 cannot be 不適合")
        raw_date = text("date")
        when = None
        if raw_date:
            try:
                when = dt.date.fromisoformat(raw_date)
            except ValueError:
                raise self.err(line, field_prefix + "date", f"must be a date YYYY-MM-DD, got {raw_date!r}") from None
        key = (crit, url)
        if key in self.seen:
            raise self.err(line, field_prefix + "criterion", f"duplicate verdict for {crit}"
                           + (f" on {url}" if url else "") + f" (first at line {self.seen[key]})")
        self.seen[key] = line or 0
        note = text("note") or ("該当コンテンツなし" if app == NOT_APPLICABLE else "")
        return HumanVerdict(crit, url, app, res, note, text("tester"), when, f"{Path(self.file).name}:{line}")


def load_human(path: str | Path, *, criteria: dict[str, str], tested_urls: set[str],
               base_url: str) -> list[HumanVerdict]:
    """Read a CSV (.csv) or YAML (.yaml/.yml) file of human verdicts. `criteria` maps every accepted number
    (1.1.1, and 7.1.1.1 under jis2010) to the criterion id."""
    file = str(path)
    p = Path(path)
    if not p.is_file():
        raise ConfigError("file not found", file=file, field="--human")
    checker = _Checker(file, criteria, tested_urls, base_url)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _load_csv(p, checker)
    if suffix in (".yaml", ".yml"):
        return _load_yaml(p, checker)
    raise ConfigError("must be a .csv, .yaml or .yml file", file=file, field="--human")


def _load_csv(p: Path, checker: _Checker) -> list[HumanVerdict]:
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise checker.err(None, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start}); save the CSV as "
                          "UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise checker.err(1, None, "empty file: the first line must be the header (criterion,url,applicability,"
                          "result,note)") from None
    columns = []
    for i, h in enumerate(header):
        name = _HEADERS.get(h.strip().lower())
        if name is None:
            raise checker.err(1, h or f"column {i + 1}", f"unknown column {h!r}; known: {', '.join(FIELDS)} "
                              "(or 達成基準, URL, 適用, 結果, 注記, 試験実施者, 試験日)")
        columns.append(name)
    if "criterion" not in columns or not ({"result", "applicability"} & set(columns)):
        raise checker.err(1, "criterion", "the header needs a criterion column and a result (or applicability) "
                          "column")
    out = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(columns):
                raise checker.err(line, None, f"{len(values)} values but the header has {len(columns)} columns")
            out.append(checker.verdict(dict(zip(columns, values)), line))
    except csv.Error as exc:
        raise checker.err(reader.line_num, None, f"CSV syntax error: {exc}") from None
    return out


def _load_yaml(p: Path, checker: _Checker) -> list[HumanVerdict]:
    from ..yamlsrc import format_path, load_yaml
    doc = load_yaml(p)
    data, base = doc.data, ()
    defaults = {}
    if isinstance(data, dict):
        unknown = set(data) - {"version", "tester", "date", "verdicts"}
        if unknown:
            k = sorted(unknown)[0]
            raise doc.error((k,), "unknown field; allowed: version, tester, date, verdicts")
        defaults = {k: data[k] for k in ("tester", "date") if data.get(k) is not None}
        data, base = data.get("verdicts"), ("verdicts",)
    if not isinstance(data, list) or not data:
        raise doc.error(base, "must be a non-empty list of verdicts ({criterion, result, note, url?})")
    out = []
    for i, row in enumerate(data):
        path = base + (i,)
        if not isinstance(row, dict):
            raise doc.error(path, "must be a mapping {criterion, result, note, url?}")
        unknown = [k for k in row if k not in FIELDS]
        if unknown:
            raise doc.error(path + (unknown[0],), f"unknown field; allowed: {', '.join(FIELDS)}")
        row = {**defaults, **row}
        try:
            out.append(checker.verdict(row, doc.line(path), field_prefix=format_path(path) + "."))
        except ConfigError as exc:
            # Point at the line of the offending key where YAML knows it.
            fld = (exc.field or "").rsplit(".", 1)[-1]
            raise ConfigError(exc.detail, file=exc.file, line=doc.line(path + (fld,)), field=exc.field) from None
    return out


# --- the stored verdicts (store/human.py: pass / fail / na per run × page × criterion) ---------------------------

VERDICT_CODES = {"pass": (APPLICABLE, PASS), "fail": (APPLICABLE, FAIL), "na": (NOT_APPLICABLE, PASS)}
VERDICT_LABELS = {"pass": PASS, "fail": FAIL, "na": "該当なし"}
WORKSPACE_SOURCE = "ワークスペース"


def verdict_code(v: HumanVerdict) -> str:
    return "na" if v.applicability == NOT_APPLICABLE else ("pass" if v.result == PASS else "fail")


def to_stored(v: HumanVerdict) -> dict:
    """An imported verdict as a row of the human_verdicts table."""
    return {"url": v.url, "criterion": v.criterion, "verdict": verdict_code(v), "note": v.note,
            "tester": v.tester, "tested_on": v.date, "source": v.source}


def from_stored(rows: list[dict], criteria_ids: set[str] | None = None) -> list[HumanVerdict]:
    """Stored verdicts as the 試験結果 takes them (those of criteria outside the report left out)."""
    out = []
    for r in rows:
        if criteria_ids is not None and r["criterion"] not in criteria_ids:
            continue
        applicability, result = VERDICT_CODES[r["verdict"]]
        note = r["note"] or ("該当コンテンツなし" if r["verdict"] == "na" else "")
        out.append(HumanVerdict(r["criterion"], r["url"] or None, applicability, result, note, r["tester"] or "",
                                r["tested_on"], r["source"] or WORKSPACE_SOURCE))
    return out


def report_criterion_ids(site, run: dict) -> list[str]:
    """The criteria of the run's 試験結果 (the profile's up to the policy's level, and its additional ones)."""
    from ..rules.standards import load_standards, parse_profile_spec
    from .shiken import report_criteria
    all_criteria, profiles = load_standards()
    profile, _ = parse_profile_spec(run["profile"], profiles)
    return [c.id for c, _ in report_criteria(profile, site.policy.level, site.policy.additional_criteria,
                                             all_criteria)]


def stored_human(store, site, run: dict, sample: dict) -> list[HumanVerdict]:
    """The human verdicts stored with the run (workspace and imports) for the sample's pages and the whole
    sample, as the 試験結果 (report/shiken.build_shiken) takes them."""
    from ..store.human import run_verdicts
    rows = run_verdicts(store, run["id"], urls={p["url"] for p in sample["pages"]})
    return from_stored(rows, set(report_criterion_ids(site, run)))
