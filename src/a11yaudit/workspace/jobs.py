"""Audits started from the workspace: each one is a worker process (`python -m a11yaudit.cli --config … audit SITE
[--resume N]`, the database URL in A11YAUDIT_DB so that a password never shows in `ps`), in its own session so the
web server stays responsive and a server restart does not stop it; its output goes to a log file under the work
folder (`serve --workdir`, default `a11yaudit-work/` next to an SQLite database, else in the current folder).

What is running is read from the database, never from this process's memory: a run is live while its status is
`running` and a process holds its lock (Store.claim_run: `<db>.runs.lock` for SQLite, an advisory lock for
PostgreSQL). A run left `running` or `interrupted` with no process holding it is resumable. The work folder keeps one
small JSON file per site (`jobs/<site>.json`: the worker's pid, its run once known, its log) so that a server
restarted meanwhile can still cancel (SIGTERM; the CLI leaves the run `interrupted` and resumable) a worker it
started."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from ..errors import ConfigError
from ..store.db import Store
from ..store.schema import pages, runs

SITE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
RATE_WINDOW_S = 300          # pages per minute over the last five minutes (since the first page while shorter)
LOG_TAIL_CHARS = 4000


def _aware(when):
    if when is not None and getattr(when, "tzinfo", None) is None:
        return when.replace(tzinfo=dt.timezone.utc)
    return when


def default_workdir(db_url: str) -> Path:
    if db_url.startswith("sqlite:///"):
        path = db_url[len("sqlite:///"):]
        if path and path != ":memory:" and not path.startswith("file:"):
            return Path(path).absolute().parent / "a11yaudit-work"
    return Path("a11yaudit-work").absolute()


class Jobs:
    def __init__(self, store: Store, db_url: str, config: str | None, workdir: str | Path | None):
        self.store = store
        self.db_url = db_url
        self.config = str(Path(config).absolute()) if config else None
        self.workdir = Path(workdir).absolute() if workdir else default_workdir(db_url)
        self._procs: dict[int, subprocess.Popen] = {}      # workers this server started (reaped by poll())
        self._sites_cache: tuple | None = None

    # --- the configured sites ---------------------------------------------------------------------------------
    def sites(self) -> list:
        """The sites of sites.yaml (cached while the file is unchanged); ConfigError when it cannot be read."""
        if not self.config:
            raise ConfigError("no sites.yaml given to serve (--config)", field="--config")
        try:
            mtime = os.stat(self.config).st_mtime_ns
        except OSError as exc:
            raise ConfigError(f"cannot read {self.config}: {exc.strerror}", file=self.config) from None
        if self._sites_cache is None or self._sites_cache[0] != mtime:
            from ..config import load_sites
            from ..rules.standards import load_standards
            _, profiles = load_standards()
            self._sites_cache = (mtime, load_sites(self.config, known_profiles=set(profiles)).sites)
        return self._sites_cache[1]

    def site(self, site_id: str):
        for s in self.sites():
            if s.id == site_id:
                return s
        return None

    # --- processes ----------------------------------------------------------------------------------------------
    def alive(self, pid: int | None) -> bool:
        """Whether `pid` is still an a11yaudit worker (a child of this server is reaped here when it ended)."""
        if not pid:
            return False
        proc = self._procs.get(pid)
        if proc is not None:
            if proc.poll() is None:
                return True
            self._procs.pop(pid, None)
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return False       # someone else's process: the pid was reused
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists():       # a recycled pid of another program is not our worker
            try:
                return b"a11yaudit.cli" in cmdline.read_bytes()
            except OSError:
                return False
        return True

    def _job_path(self, site_id: str) -> Path:
        if not SITE_ID_RE.match(site_id):
            raise ConfigError(f"unusable site id {site_id!r}", field="site")
        return self.workdir / "jobs" / f"{site_id}.json"

    def job(self, site_id: str) -> dict | None:
        """The site's last worker started from the workspace, with `alive`; its run filled in once it exists."""
        path = self._job_path(site_id)
        try:
            job = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        job["alive"] = self.alive(job.get("pid"))
        if job.get("run_id") is None:
            with self.store.engine.connect() as conn:
                found = conn.execute(select(func.min(runs.c.id)).where(
                    runs.c.site_id == site_id, runs.c.id > int(job.get("before") or 0))).scalar()
            if found is not None:
                job["run_id"] = int(found)
                self._save_job(site_id, job)
        return job

    def _save_job(self, site_id: str, job: dict) -> None:
        path = self._job_path(site_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: v for k, v in job.items() if k != "alive"}), encoding="utf-8")
        os.replace(tmp, path)

    def log_tail(self, job: dict | None) -> str:
        if not job or not job.get("log"):
            return ""
        try:
            with open(job["log"], "rb") as fh:
                fh.seek(0, os.SEEK_END)
                size = fh.tell()
                fh.seek(max(0, size - LOG_TAIL_CHARS))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def spawn(self, site_id: str, resume: int | None = None) -> dict:
        """Start the worker for `site_id` (a new run, or `resume` run N); its job record."""
        if not self.config:
            raise ConfigError("no sites.yaml given to serve (--config)", field="--config")
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        log = logs / f"{site_id}-{stamp}{'-resume-' + str(resume) if resume else ''}.log"
        cmd = [sys.executable, "-m", "a11yaudit.cli", "--config", self.config, "audit", site_id,
               "--artifacts-dir", str(self.workdir / "artifacts"), "--reports-dir", str(self.workdir / "reports")]
        if resume is not None:
            cmd += ["--resume", str(int(resume))]
        with self.store.engine.connect() as conn:
            before = conn.execute(select(func.max(runs.c.id))).scalar() or 0
        env = {**os.environ, "A11YAUDIT_DB": self.db_url, "PYTHONUNBUFFERED": "1"}
        with open(log, "ab") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                                    start_new_session=True, close_fds=True)
        self._procs[proc.pid] = proc
        job = {"pid": proc.pid, "site_id": site_id, "run_id": resume, "before": before, "log": str(log),
               "started": time.time(), "resume": resume}
        self._save_job(site_id, job)
        job["alive"] = True
        return job

    def cancel(self, run_id: int, site_id: str) -> bool:
        """SIGTERM to the worker auditing `run_id` (started from this workspace); False when there is none."""
        job = self.job(site_id)
        if not job or job.get("run_id") != run_id or not job["alive"]:
            return False
        try:
            os.kill(int(job["pid"]), signal.SIGTERM)
        except ProcessLookupError:
            return False
        return True

    # --- what the database says -----------------------------------------------------------------------------------
    def is_live(self, run_id: int) -> bool:
        """A process holds the run's lock (it is being audited right now). SQLite on Linux: asked with F_GETLK,
        which takes no lock (a worker claiming the run at that moment is never refused); else tried and released."""
        held = self._sqlite_lock_held(run_id)
        if held is not None:
            return held
        try:
            self.store.claim_run(run_id)
        except ConfigError:
            return True
        self.store.release_run(run_id)
        return False

    def _sqlite_lock_held(self, run_id: int) -> bool | None:
        url = self.store.url
        if self.store.pg or not url.startswith("sqlite:///") or not sys.platform.startswith("linux"):
            return None
        path = url[len("sqlite:///"):]
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        import fcntl
        import struct
        try:
            fd = os.open(path + ".runs.lock", os.O_RDONLY)
        except FileNotFoundError:
            return False          # no run was ever claimed on this database
        except OSError:
            return None
        try:
            # struct flock (Linux): l_type, l_whence, l_start, l_len, l_pid; F_WRLCK asks "could I lock it?"
            arg = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, int(run_id), 1, 0)
            got = fcntl.fcntl(fd, fcntl.F_GETLK, arg)
            return struct.unpack("hhqqi4x", got)[0] != fcntl.F_UNLCK
        except (OSError, struct.error):
            return None
        finally:
            os.close(fd)

    def state(self, run: dict) -> str:
        """running (a process audits it) | interrupted (resumable) | finished | failed."""
        if run["status"] in ("running", "interrupted"):
            if run["status"] == "running" and self.is_live(run["id"]):
                return "running"
            return "interrupted" if run.get("source", "crawl") == "crawl" else run["status"]
        return run["status"]

    def site_state(self, site_id: str) -> dict:
        """For a site: its live run (or None), a worker started but with no run yet, the resumable runs, the job."""
        job = self.job(site_id) if SITE_ID_RE.match(site_id) else None
        live, resumable = None, []
        for run in reversed(self.store.list_runs(site_id)):
            st = self.state(run)
            if st == "running" and live is None:
                live = run
            elif st == "interrupted":
                resumable.append(run)
        starting = bool(job and job["alive"] and live is None)     # a worker starting up, or ending
        try:
            configured = self.site(site_id) is not None
        except ConfigError:
            configured = False
        return {"live": live, "starting": starting, "resumable": resumable, "job": job,
                "busy": live is not None or starting, "configured": configured}

    def progress(self, run: dict) -> dict:
        """Pages done (loaded and checked, or failed to load), queued, found; pages per minute over the last five
        minutes of stored pages; an estimate of the time left — all from the database."""
        with self.store.engine.connect() as conn:
            counts = {s: n for s, n in conn.execute(
                select(pages.c.state, func.count()).where(pages.c.run_id == run["id"]).group_by(pages.c.state))}
            now = dt.datetime.now(dt.timezone.utc)
            since = (now - dt.timedelta(seconds=RATE_WINDOW_S)).replace(tzinfo=None)
            recent = [_aware(t) for (t,) in conn.execute(
                select(pages.c.fetched_at).where(pages.c.run_id == run["id"], pages.c.fetched_at.is_not(None),
                                                 pages.c.fetched_at >= since).order_by(pages.c.fetched_at))]
        done = counts.get("done", 0) + counts.get("error", 0)
        queued = counts.get("queued", 0)
        rate = None
        if len(recent) >= 2 and recent[-1] > recent[0]:
            rate = (len(recent) - 1) / (recent[-1] - recent[0]).total_seconds() * 60
        elif done and run.get("started_at") is not None:
            span = (now - _aware(run["started_at"])).total_seconds()
            rate = done / span * 60 if span > 0 else None
        eta_min = queued / rate if rate and queued else None
        found = done + queued
        return {"done": done, "failed": counts.get("error", 0), "queued": queued, "found": found,
                "skipped": counts.get("skipped", 0), "rate": round(rate, 1) if rate else None,
                "eta_min": None if eta_min is None else max(1, round(eta_min)),
                "percent": round(done * 100 / found) if found else 0}
