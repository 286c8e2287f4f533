"""The human test's verdicts (人による試験, migration 0012): per run × page URL × success criterion, a verdict pass
(適合) / fail (不適合) / na (該当なし: 非適用), a note, who and when. Entered in the workspace (routes_human.py) or
imported by `a11yaudit shiken --human FILE`; `a11yaudit shiken` and the workspace's 試験結果 read them from here.
url "" is a verdict for the whole sample."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, select

from .db import Store, _insert, now
from .schema import human_verdicts

VERDICTS = ("pass", "fail", "na")
WHOLE_SAMPLE = ""


def _key(url: str | None) -> tuple[str, str]:
    url = url or WHOLE_SAMPLE
    return url, hashlib.sha1(url.encode("utf-8")).hexdigest()


def _row(store: Store, run_id: int, v: dict, sample_id: int | None, when) -> dict:
    if v["verdict"] not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {v['verdict']!r}")
    url, sha = _key(v.get("url"))
    row = {"run_id": run_id, "sample_id": sample_id, "url": url, "url_sha1": sha, "criterion": v["criterion"],
           "verdict": v["verdict"], "note": v.get("note") or "", "tester": (v.get("tester") or "")[:64],
           "tested_on": v.get("tested_on"), "source": v.get("source") or "", "updated_at": when}
    if store.pg:        # PostgreSQL text cannot hold NUL
        row = {k: (x.replace("\x00", "\ufffd") if isinstance(x, str) else x) for k, x in row.items()}
    return row


def save_verdicts(store: Store, run_id: int, verdicts: list[dict], *, sample_id: int | None = None,
                  clear: list[tuple[str, str]] = (), replace_source: str | None = None) -> int:
    """Insert or replace verdicts ({url, criterion, verdict, note, tester, tested_on, source}) of a run in one
    transaction, and delete the (url, criterion) pairs in `clear`. `replace_source` (a file name): the verdicts
    an earlier import of that file stored are deleted first, so a file imported again replaces its verdicts.
    Returns the number written."""
    when = now()
    rows = [_row(store, run_id, v, sample_id, when) for v in verdicts]
    with store.engine.begin() as conn:
        if replace_source:
            conn.execute(delete(human_verdicts).where(
                human_verdicts.c.run_id == run_id,
                human_verdicts.c.source.startswith(replace_source + ":", autoescape=True)))
        for url, criterion in clear:
            conn.execute(delete(human_verdicts).where(human_verdicts.c.run_id == run_id,
                                                      human_verdicts.c.url_sha1 == _key(url)[1],
                                                      human_verdicts.c.criterion == criterion))
        for row in rows:
            stmt = _insert(store.engine, human_verdicts).values(**row)
            stmt = stmt.on_conflict_do_update(
                index_elements=["run_id", "url_sha1", "criterion"],
                set_={k: stmt.excluded[k] for k in ("sample_id", "url", "verdict", "note", "tester", "tested_on",
                                                    "source", "updated_at")})
            conn.execute(stmt)
    return len(rows)


def run_verdicts(store: Store, run_id: int, urls: set[str] | None = None) -> list[dict]:
    """The stored verdicts of a run (those for the whole sample and, when `urls` is given, for those pages only),
    in the order they were first entered."""
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(human_verdicts).where(human_verdicts.c.run_id == run_id)
                                              .order_by(human_verdicts.c.id)).mappings()]
    for r in rows:
        if isinstance(r["tested_on"], dt.datetime):
            r["tested_on"] = r["tested_on"].date()
    if urls is not None:
        rows = [r for r in rows if r["url"] == WHOLE_SAMPLE or r["url"] in urls]
    return rows
