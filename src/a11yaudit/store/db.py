"""The store: the only module with SQL. SQLite file by default, PostgreSQL by URL; every write is transactional."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Iterable

from sqlalchemy import create_engine, event, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..errors import ConfigError, InfrastructureError, RunInterrupted
from ..rules.model import RuleResult
from .schema import findings, pages, rule_results, runs, sites

MIGRATIONS = Path(__file__).with_name("migrations")
_WS = re.compile(r"\s+")
log = logging.getLogger(__name__)


class DatabaseUnavailable(RunInterrupted):
    """Writes kept failing (disk full, server restarted or gone) after every retry: the run stops and stays
    resumable; nothing committed before is lost."""


def retry_budget() -> float:
    """Seconds a failing database write is retried with backoff before the run stops (A11YAUDIT_DB_RETRY_S,
    default 120: long enough for a PostgreSQL restart or a fail-over)."""
    try:
        return max(0.0, float(os.environ.get("A11YAUDIT_DB_RETRY_S", "120")))
    except ValueError:
        raise ConfigError(f"must be a number of seconds, got {os.environ['A11YAUDIT_DB_RETRY_S']!r}",
                          field="A11YAUDIT_DB_RETRY_S") from None


def transient(exc: BaseException) -> bool:
    """A database fault that may go away: disk full, I/O error, lock, lost connection, server shutting down.
    Not: constraint violations or SQL errors (bugs, retrying cannot help)."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    name = type(exc.orig).__name__ if exc.orig is not None else ""
    text = str(exc.orig or exc).lower()
    if name in ("OperationalError", "InterfaceError", "AdminShutdown", "CrashShutdown", "CannotConnectNow",
                "ConnectionException", "ConnectionFailure", "DiskFull", "OutOfMemory", "InsufficientResources"):
        return True
    return any(w in text for w in ("disk is full", "disk i/o error", "database is locked", "no space left",
                                   "server closed the connection", "connection refused", "terminating connection"))


def with_retry(fn, *args, budget: float | None = None, what: str = "database write", **kwargs):
    """`fn(*args, **kwargs)` (one transaction: idempotent when run again) retried on transient faults with
    exponential backoff (0.25, 0.5, 1 … 15 s) for up to `budget` seconds; then DatabaseUnavailable."""
    budget = retry_budget() if budget is None else budget
    started = time.monotonic()
    delay, attempt = 0.25, 0
    while True:
        try:
            return fn(*args, **kwargs)
        except DBAPIError as exc:
            attempt += 1
            if not transient(exc):
                raise
            spent = time.monotonic() - started
            first = str(exc.orig or exc).strip().splitlines()[0][:300] if str(exc.orig or exc).strip() else \
                type(exc).__name__
            if spent + delay > budget:
                raise DatabaseUnavailable(f"{what} failed {attempt} times in {spent:.0f} s: {first}") from None
            log.warning("%s failed (%s); retry %d in %.2f s", what, first, attempt, delay)
            time.sleep(delay)
            delay = min(delay * 2, 15.0)


def mask_url(text: str) -> str:
    """`text` with the password of every URL in it hidden (scheme://user:***@host), also in URLs that cannot be
    parsed (a password holding @, / or :, a bad port): everything from the user's colon to the last @ of the URL."""
    text = re.sub(r"(//[^:/@\s'\"]*:)[^\s'\"]*@", r"\1***@", text)
    return re.sub(r"(?i)(password=)[^\s&'\"]+", r"\1***", text)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def fingerprint(site_id: str, path: str, viewport: str, rule: str, selector: str) -> str:
    """Identity of a finding across runs: site, URL path, viewport, rule and normalised target."""
    target = _WS.sub(" ", selector.strip().lower())
    return hashlib.sha1("\x1f".join((site_id, path, viewport, rule, target)).encode("utf-8")).hexdigest()


def _insert(engine: Engine, table):
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif engine.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover
        raise ConfigError(f"unsupported database {engine.dialect.name}; use SQLite or PostgreSQL")
    return insert(table)


def _pg_text(value):
    """PostgreSQL text cannot hold NUL (a page's script can put one in its title or markup): U+FFFD instead."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _pg_rows(rows: list[dict]) -> list[dict]:
    return [{k: _pg_text(v) for k, v in row.items()} for row in rows]


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean the psycopg (3) driver, the one the `postgres` extra installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _dicts(result) -> list[dict]:
    """Rows as dicts, 3× faster than dict(row) over .mappings() for the 10⁵ findings of a large run."""
    keys = list(result.keys())
    return [dict(zip(keys, row)) for row in result]


_RUN_LOCK_NS = 834130   # first key of the PostgreSQL advisory locks that mark a run as being audited


def _run_busy(run_id: int) -> ConfigError:
    return ConfigError(f"run {run_id} is being audited by another process right now; wait for it to end (or stop "
                       "it) before resuming — 別のプロセスがこの実行を監査中です", field="--resume")


class Store:
    def __init__(self, url: str):
        url = normalise_url(url)
        self.url = url
        self._claims: dict[int, object] = {}     # runs this process audits (claim_run)
        self._lock_fd: int | None = None
        try:
            if url.startswith("sqlite:///"):
                path = url[len("sqlite:///"):]
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
            # pre-ping: a connection the server dropped (restart, fail-over) is replaced before use, not failed on.
            self.engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            # Never the raw URL or the parser's message (int('w') of a password "p@ss:w/rd" shows part of it).
            reason = (mask_url(str(exc)) if isinstance(exc, ImportError) or "Can't load plugin" in str(exc) else
                      "the URL cannot be parsed: a port that is not a number, or @ : / in the user name or password "
                      "that should be percent-encoded (%40 %3A %2F)")
            raise ConfigError(f"cannot use database URL {mask_url(repr(url))}: {reason}", field="--db") from None
        if self.engine.dialect.name == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn, _record):  # WAL: a kill -9 loses nothing committed
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.close()
        self.pg = self.engine.dialect.name == "postgresql"
        if self.pg:
            @event.listens_for(self.engine, "connect")
            def _utc(dbapi_conn, _record):  # times come back in UTC, as from SQLite (the report says UTC)
                cur = dbapi_conn.cursor()
                cur.execute("SET TIME ZONE 'UTC'")
                cur.close()
                dbapi_conn.commit()
        self.upgrade()

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (Alembic)."""
        from alembic import command
        from alembic.config import Config
        from alembic.util.exc import CommandError
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                if self.engine.dialect.name == "postgresql":
                    # Several coordinators (one per site) may open a new database at once: one migrates at a time.
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(8341300601)")
                else:
                    # SQLite: take the write lock before Alembic reads the version, so processes that open a
                    # new file at once migrate one after the other (busy_timeout waits) instead of racing to
                    # CREATE TABLE. The driver does not begin a transaction for DDL by itself.
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            raise InfrastructureError(mask_url(f"database {self.safe_url}: {str(exc).splitlines()[0]}")) from None
        except CommandError as exc:
            # A revision this code does not know: the database was upgraded by a newer a11yaudit.
            from alembic.script import ScriptDirectory
            head = ScriptDirectory.from_config(cfg).get_current_head()
            raise ConfigError(f"database {self.safe_url}: {exc}; this a11yaudit knows schema revisions up to "
                              f"{head} — the database was written by a newer a11yaudit: use that version "
                              "(or another --db). データベースのスキーマがこの版より新しいため開けません。",
                              field="--db") from None

    @property
    def safe_url(self) -> str:
        return mask_url(self.url)

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            try:
                return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            except SQLAlchemyError:
                return None

    # --- runs -------------------------------------------------------------------------------------------
    def create_run(self, site, *, profile: str, viewports: list[str], axe_version: str, tool_version: str,
                   source: str, artifacts_dir: str | None, config: dict) -> int:
        with self.engine.begin() as conn:
            ins = _insert(self.engine, sites).values(id=site.id, name=site.name, base_url=site.base_url,
                                                     created_at=now())
            conn.execute(ins.on_conflict_do_nothing(index_elements=["id"]))
            conn.execute(update(sites).where(sites.c.id == site.id).values(name=site.name, base_url=site.base_url))
            return conn.execute(runs.insert().values(
                site_id=site.id, status="running", started_at=now(), profile=profile, viewports=",".join(viewports),
                axe_version=axe_version, tool_version=tool_version, source=source, artifacts_dir=artifacts_dir,
                config_json=json.dumps(config, ensure_ascii=False, default=str))).inserted_primary_key[0]

    def set_run(self, run_id: int, **values) -> None:
        if "stats" in values:
            values["stats_json"] = json.dumps(values.pop("stats"), ensure_ascii=False)
        with self.engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(**values))

    def finish_run(self, run_id: int, status: str, stats: dict) -> None:
        self.set_run(run_id, status=status, finished_at=now(), stats=stats)
        self.release_run(run_id)

    # --- which process is auditing a run ---------------------------------------------------------------------
    def claim_run(self, run_id: int) -> None:
        """Hold run `run_id` for this process while it audits it, so that `--resume` from another process is refused
        instead of two processes auditing one run. PostgreSQL: a session advisory lock on a connection kept open;
        SQLite: a POSIX record lock on byte `run_id` of `<database file>.runs.lock`. Both end with the process —
        kill -9 included — so a run left by a dead process can be resumed at once. Idempotent in one process."""
        if run_id in self._claims:
            return
        if self.pg:
            conn = self.engine.connect()
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_RUN_LOCK_NS}, {int(run_id)})").scalar()
            conn.commit()
            if not got:
                conn.close()
                raise _run_busy(run_id)
            self._claims[run_id] = conn
            return
        path = self.url[len("sqlite:///"):] if self.url.startswith("sqlite:///") else ""
        if not path or path == ":memory:" or path.startswith("file:"):
            return
        import fcntl
        import os
        if self._lock_fd is None:
            self._lock_fd = os.open(path + ".runs.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, int(run_id))
        except OSError:
            raise _run_busy(run_id) from None
        self._claims[run_id] = True

    def release_run(self, run_id: int) -> None:
        held = self._claims.pop(run_id, None)
        if held is None:
            return
        try:
            if self.pg:
                held.exec_driver_sql(f"SELECT pg_advisory_unlock({_RUN_LOCK_NS}, {int(run_id)})")
                held.close()
            elif self._lock_fd is not None:
                import fcntl
                fcntl.lockf(self._lock_fd, fcntl.LOCK_UN, 1, int(run_id))
        except Exception:  # noqa: BLE001 — the lock ends with the connection or the process anyway
            import logging
            logging.getLogger(__name__).debug("releasing run %s", run_id, exc_info=True)

    def get_run(self, run_id: int) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        if row is None:
            raise ConfigError(f"no run {run_id} in {self.safe_url}", field="run")
        return dict(row)

    def list_runs(self, site_id: str | None = None) -> list[dict]:
        q = select(runs).order_by(runs.c.id)
        if site_id:
            q = q.where(runs.c.site_id == site_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def latest_run(self, site_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.site_id == site_id).order_by(runs.c.id.desc())
                               .limit(1)).mappings().first()
        return dict(row) if row else None

    def site(self, site_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(sites).where(sites.c.id == site_id)).mappings().first()
        return dict(row) if row else None

    # --- the frontier (pages table) ---------------------------------------------------------------------
    def enqueue(self, run_id: int, entries: Iterable[dict], conn=None) -> int:
        """Insert pages not yet known in this run (same URL twice is ignored). Returns rows inserted."""
        rows = [{"run_id": run_id, **e} for e in entries]
        if not rows:
            return 0
        if self.pg:
            rows = _pg_rows(rows)
        # PostgreSQL: the unique index is on md5(url) (migration 0006: URLs longer than a btree entry).
        keys = [pages.c.run_id, func.md5(pages.c.url)] if self.pg else ["run_id", "url"]
        stmt = _insert(self.engine, pages).on_conflict_do_nothing(index_elements=keys)
        if self.pg:   # psycopg reports no rowcount for a batched insert: count the rows it returns instead
            stmt = stmt.returning(pages.c.id)

        def run(c) -> int:
            res = c.execute(stmt, rows)
            return len(res.all()) if self.pg else (res.rowcount or 0)
        if conn is not None:
            return run(conn)
        with self.engine.begin() as c:
            return run(c)

    def urls(self, run_id: int) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(pages.c.url).where(pages.c.run_id == run_id)).scalars())

    def queued(self, run_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            q = (select(pages.c.id, pages.c.url, pages.c.depth, pages.c.scope, pages.c.kind)
                 .where(pages.c.run_id == run_id, pages.c.state == "queued").order_by(pages.c.id))
            return [dict(r) for r in conn.execute(q).mappings()]

    def ids_for(self, run_id: int, urls: list[str]) -> dict[str, int]:
        """Page ids of these URLs in one run."""
        with self.engine.connect() as conn:
            q = select(pages.c.url, pages.c.id).where(pages.c.run_id == run_id, pages.c.url.in_(urls))
            return {u: i for u, i in conn.execute(q)}

    def count_pages(self, run_id: int) -> dict[str, int]:
        with self.engine.connect() as conn:
            q = (select(pages.c.kind, pages.c.state, func.count()).where(pages.c.run_id == run_id)
                 .group_by(pages.c.kind, pages.c.state))
            return {f"{k}:{s}": n for k, s, n in conn.execute(q)}

    def set_page(self, page_id: int, **values) -> None:
        if self.pg:
            values = _pg_rows([values])[0]
        with self.engine.begin() as conn:
            conn.execute(update(pages).where(pages.c.id == page_id).values(**values))

    def record_page(self, run_id: int, site_id: str, page_id: int, path: str, page_values: dict,
                    results: list[RuleResult], new_pages: list[dict]) -> None:
        """Store one page's results and the links it revealed in ONE transaction (resume-safe)."""
        if self.pg:
            page_values = _pg_rows([page_values])[0]
        with self.engine.begin() as conn:
            conn.execute(rule_results.delete().where(rule_results.c.page_id == page_id))
            conn.execute(findings.delete().where(findings.c.page_id == page_id))
            if results:
                rrows = [{
                    "run_id": run_id, "page_id": page_id, "viewport": r.viewport, "rule": r.rule,
                    "outcome": r.outcome, "criteria": ",".join(r.criteria), "n_failed": r.n_failed,
                    "n_cant_tell": r.n_cant_tell, "n_passed": r.n_passed, "error": r.error} for r in results]
                conn.execute(rule_results.insert(), _pg_rows(rrows) if self.pg else rrows)
                rows = [{"run_id": run_id, "page_id": page_id, "viewport": f.viewport, "rule": f.rule,
                         "outcome": f.outcome, "criteria": ",".join(f.criteria), "selector": f.selector,
                         "snippet": f.snippet, "message": f.message, "message_en": f.message_en, "nid": f.nid,
                         "fingerprint": fingerprint(site_id, path, f.viewport, f.rule, f.selector)}
                        for r in results for f in r.findings]
                if rows:
                    conn.execute(findings.insert(), _pg_rows(rows) if self.pg else rows)
            if new_pages:
                self.enqueue(run_id, new_pages, conn=conn)
            conn.execute(update(pages).where(pages.c.id == page_id).values(fetched_at=now(), **page_values))

    def replace_site_results(self, run_id: int, site_id: str, rule_codes: list[str],
                             results_by_page: dict[int, list[RuleResult]], paths: dict[int, str]) -> None:
        """Site-level rules' results for a whole run, replacing earlier ones of the same rules (idempotent, so a
        resumed run computes them again without duplicates). One transaction."""
        with self.engine.begin() as conn:
            if rule_codes:
                conn.execute(rule_results.delete().where(rule_results.c.run_id == run_id,
                                                         rule_results.c.rule.in_(rule_codes)))
                conn.execute(findings.delete().where(findings.c.run_id == run_id, findings.c.rule.in_(rule_codes)))
            rows = [{"run_id": run_id, "page_id": pid, "viewport": r.viewport, "rule": r.rule, "outcome": r.outcome,
                     "criteria": ",".join(r.criteria), "n_failed": r.n_failed, "n_cant_tell": r.n_cant_tell,
                     "n_passed": r.n_passed, "error": r.error}
                    for pid, results in results_by_page.items() for r in results]
            if rows:
                conn.execute(rule_results.insert(), rows)
            frows = [{"run_id": run_id, "page_id": pid, "viewport": f.viewport, "rule": f.rule, "outcome": f.outcome,
                      "criteria": ",".join(f.criteria), "selector": f.selector, "snippet": f.snippet,
                      "message": f.message, "message_en": f.message_en, "nid": f.nid,
                      "fingerprint": fingerprint(site_id, paths.get(pid, ""), f.viewport, f.rule, f.selector)}
                     for pid, results in results_by_page.items() for r in results for f in r.findings]
            if frows:
                conn.execute(findings.insert(), _pg_rows(frows) if self.pg else frows)

    # --- reading a run back -----------------------------------------------------------------------------
    def run_pages(self, run_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            return _dicts(conn.execute(select(pages).where(pages.c.run_id == run_id).order_by(pages.c.url)))

    def run_results(self, run_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            return _dicts(conn.execute(select(rule_results).where(rule_results.c.run_id == run_id)))

    def run_findings(self, run_id: int, columns: tuple[str, ...] | None = None) -> list[dict]:
        """The run's findings (only `columns` of each when given: the trend report holds several large runs)."""
        cols = [findings.c[c] for c in columns] if columns else [findings]
        with self.engine.connect() as conn:
            q = select(*cols).where(findings.c.run_id == run_id).order_by(findings.c.page_id, findings.c.id)
            return _dicts(conn.execute(q))
