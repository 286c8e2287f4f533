"""The web workspace's tables (migration 0011): users, sessions, login attempts, triage and its audit trail.
SQL for `a11yaudit serve`, `a11yaudit user` and the gate's `--baseline db:SITE` lives here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import OperationalError

from ..errors import ConfigError
from .db import Store, now
from .schema import findings, pages, runs, triage, triage_log, ws_login_attempts, ws_sessions, ws_users

ROLES = ("viewer", "editor", "admin")
TRIAGE_STATUSES = ("open", "accepted", "false_positive")
SESSION_HOURS = 12
LOGIN_WINDOW_MIN = 15          # failed logins per user + address counted over this many minutes
LOGIN_MAX_FAILURES = 5         # … and refused (even with the right password) once this many failed
PASSWORD_MIN = 8
WRITE_ATTEMPTS = 8             # a write that meets "database is locked" (SQLite) is tried again this many times


def _aware(when):
    """SQLite gives naive datetimes back (stored UTC)."""
    if when is not None and getattr(when, "tzinfo", None) is None:
        return when.replace(tzinfo=dt.timezone.utc)
    return when


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write(store: Store, work):
    """`work(conn)` in one write transaction. SQLite: BEGIN IMMEDIATE takes the write lock before the first read
    (a read-then-write transaction would otherwise fail at once with "database is locked" when another writer
    committed in between; busy_timeout only covers waiting for the lock), and a write that still meets a locked
    database is tried again. PostgreSQL: the rows read are locked by the statements themselves (FOR UPDATE)."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with store.engine.begin() as conn:
                if store.engine.dialect.name == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                return work(conn)
        except OperationalError as exc:
            locked = "database is locked" in str(exc) or "database is busy" in str(exc)
            if not locked or attempt == WRITE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1) + secrets.randbelow(50) / 1000)


# --- users ------------------------------------------------------------------------------------------------------

def _hasher():
    from argon2 import PasswordHasher
    return PasswordHasher()


def add_user(store: Store, name: str, password: str, role: str) -> int:
    """A new local account (argon2id hash). ConfigError for a bad role or name, or a name already taken."""
    name = name.strip()
    if role not in ROLES:
        raise ConfigError(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="--role")
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise ConfigError("a user name is 1–64 characters without spaces", field="NAME")
    if len(password) < PASSWORD_MIN:
        raise ConfigError(f"the password must have at least {PASSWORD_MIN} characters", field="password")
    hashed = _hasher().hash(password)

    def work(conn):
        if conn.execute(select(ws_users.c.id).where(ws_users.c.name == name)).first():
            raise ConfigError(f"user {name!r} exists already", field="NAME")
        res = conn.execute(ws_users.insert().values(name=name, password_hash=hashed, role=role, created_at=now()))
        return int(res.inserted_primary_key[0])
    return _write(store, work)


def verify_password(store: Store, user_id: int, password: str) -> bool:
    """Whether `password` is the user's (no attempt is recorded: for the password change of a logged-in user)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
    with store.engine.connect() as conn:
        hashed = conn.execute(select(ws_users.c.password_hash).where(ws_users.c.id == user_id)).scalar()
    if hashed is None:
        return False
    try:
        return _hasher().verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_password(store: Store, name: str, password: str, keep_session: str | None = None) -> bool:
    """A new password (a new argon2id hash, with a new salt); every session of the user ends except the one with
    the id `keep_session` (the session that changed it). False: no such user. ConfigError: too short."""
    if len(password) < PASSWORD_MIN:
        raise ConfigError(f"the password must have at least {PASSWORD_MIN} characters", field="password")
    hashed = _hasher().hash(password)

    def work(conn):
        uid = conn.execute(select(ws_users.c.id).where(ws_users.c.name == name.strip())).scalar()
        if uid is None:
            return False
        conn.execute(update(ws_users).where(ws_users.c.id == uid).values(password_hash=hashed))
        ended = delete(ws_sessions).where(ws_sessions.c.user_id == uid)
        if keep_session:
            ended = ended.where(ws_sessions.c.id != keep_session)
        conn.execute(ended)
        return True
    return _write(store, work)


def header_login(store: Store, name: str) -> dict | None:
    """{user_id, name, role, csrf} of an existing user named by the trusted reverse proxy's header, else None.
    There is no session row: the CSRF token is a keyed hash of the name with the user's password hash as the key
    (a secret of the database, the same in every server process on it; it changes with the password)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(ws_users.c.id, ws_users.c.name, ws_users.c.role, ws_users.c.password_hash)
                           .where(ws_users.c.name == name.strip())).mappings().first()
    if row is None:
        return None
    token = hmac.new(row["password_hash"].encode("utf-8"), b"a11yws-header-csrf\x1f" + row["name"].encode("utf-8"),
                     hashlib.sha256).hexdigest()
    return {"user_id": row["id"], "name": row["name"], "role": row["role"], "csrf": token}


def list_users(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(ws_users.c.id, ws_users.c.name, ws_users.c.role,
                                                     ws_users.c.created_at).order_by(ws_users.c.name)).mappings()]


def set_role(store: Store, name: str, role: str) -> bool:
    """Change a user's role (ends the user's sessions, so the new role applies at once). False: no such user."""
    if role not in ROLES:
        raise ConfigError(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="--role")
    with store.engine.begin() as conn:
        uid = conn.execute(select(ws_users.c.id).where(ws_users.c.name == name)).scalar()
        if uid is None:
            return False
        conn.execute(update(ws_users).where(ws_users.c.id == uid).values(role=role))
        conn.execute(delete(ws_sessions).where(ws_sessions.c.user_id == uid))
    return True


def login_key(name: str, address: str) -> str:
    return _sha(f"{name.strip().lower()}\x1f{address}")


def login_blocked(store: Store, key: str) -> bool:
    since = now() - dt.timedelta(minutes=LOGIN_WINDOW_MIN)
    with store.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(ws_login_attempts).where(
            ws_login_attempts.c.key == key, ws_login_attempts.c.ok == 0, ws_login_attempts.c.at >= since)).scalar()
    return (n or 0) >= LOGIN_MAX_FAILURES


def check_password(store: Store, name: str, password: str, key: str) -> dict | None:
    """The user when the password is right (the attempt is recorded either way), else None."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
    with store.engine.connect() as conn:
        row = conn.execute(select(ws_users).where(ws_users.c.name == name.strip())).mappings().first()
    ok = False
    if row is not None:
        try:
            ok = _hasher().verify(row["password_hash"], password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher().hash(password)          # the same work for an unknown name: no timing hint
    with store.engine.begin() as conn:
        conn.execute(delete(ws_login_attempts).where(      # attempts older than the window count no more
            ws_login_attempts.c.at < now() - dt.timedelta(minutes=LOGIN_WINDOW_MIN)))
        conn.execute(ws_login_attempts.insert().values(key=key, at=now(), ok=1 if ok else 0))
        if ok:    # a successful login clears the failures of this user + address
            conn.execute(delete(ws_login_attempts).where(ws_login_attempts.c.key == key))
    return dict(row) if ok else None


# --- sessions ---------------------------------------------------------------------------------------------------

def new_session(store: Store, user_id: int) -> str:
    """A new session; returns the cookie's token (only its SHA-256 is stored)."""
    token = secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(delete(ws_sessions).where(ws_sessions.c.expires_at < now()))
        conn.execute(ws_sessions.insert().values(id=_sha(token), user_id=user_id, csrf=secrets.token_urlsafe(32),
                                                 created_at=now(),
                                                 expires_at=now() + dt.timedelta(hours=SESSION_HOURS)))
    return token


def session_user(store: Store, token: str | None) -> dict | None:
    """{user_id, name, role, csrf, session} of a live session, else None."""
    if not token or len(token) > 100:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(
            select(ws_sessions.c.id.label("session"), ws_sessions.c.csrf, ws_sessions.c.expires_at,
                   ws_users.c.id.label("user_id"), ws_users.c.name, ws_users.c.role)
            .join(ws_users, ws_users.c.id == ws_sessions.c.user_id)
            .where(ws_sessions.c.id == _sha(token))).mappings().first()
    if row is None or _aware(row["expires_at"]) < now():
        return None
    return dict(row)


def end_session(store: Store, token: str | None) -> None:
    if token:
        with store.engine.begin() as conn:
            conn.execute(delete(ws_sessions).where(ws_sessions.c.id == _sha(token)))


# --- triage -----------------------------------------------------------------------------------------------------

def finding_of(store: Store, site_id: str, fp: str) -> dict | None:
    """The newest stored finding with this fingerprint on the site, with its page's URL and title."""
    q = (select(findings, pages.c.url, pages.c.title)
         .join(runs, runs.c.id == findings.c.run_id).join(pages, pages.c.id == findings.c.page_id)
         .where(runs.c.site_id == site_id, findings.c.fingerprint == fp)
         .order_by(findings.c.run_id.desc(), findings.c.id).limit(1))
    with store.engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    return dict(row) if row else None


def triage_of_site(store: Store, site_id: str) -> dict[str, dict]:
    with store.engine.connect() as conn:
        return {r["fingerprint"]: dict(r) for r in
                conn.execute(select(triage).where(triage.c.site_id == site_id)).mappings()}


def triage_history(store: Store, site_id: str, fp: str) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(triage_log).where(triage_log.c.site_id == site_id, triage_log.c.fingerprint == fp)
            .order_by(triage_log.c.id.desc())).mappings()]


def set_triage(store: Store, site_id: str, fp: str, status: str, reason: str, expires: dt.date | None,
               user_name: str) -> dict:
    """Change a problem's triage status and record old → new in the audit trail (one transaction)."""
    if status not in TRIAGE_STATUSES:
        raise ConfigError(f"status must be one of {', '.join(TRIAGE_STATUSES)}", field="status")
    finding = finding_of(store, site_id, fp)
    if finding is None:
        raise ConfigError(f"no finding {fp} on site {site_id!r}", field="fingerprint")
    def work(conn):
        when = now()
        old = conn.execute(select(triage.c.status).where(triage.c.site_id == site_id, triage.c.fingerprint == fp)
                           .with_for_update()).scalar()
        values = {"status": status, "reason": reason, "expires": expires if status == "accepted" else None,
                  "rule": finding["rule"], "url": finding["url"], "viewport": finding["viewport"],
                  "selector": finding["selector"], "updated_by": user_name, "updated_at": when}
        if old is None:
            conn.execute(triage.insert().values(site_id=site_id, fingerprint=fp, **values))
        else:
            conn.execute(update(triage).where(triage.c.site_id == site_id, triage.c.fingerprint == fp)
                         .values(**values))
        conn.execute(triage_log.insert().values(site_id=site_id, fingerprint=fp, user_name=user_name, at=when,
                                                old_status=old or "open", new_status=status, reason=reason,
                                                expires=values["expires"]))
    _write(store, work)
    return finding


def baseline_triage(store: Store, site_id: str) -> list[dict]:
    """Accepted and false-positive entries of a site (for `gate --baseline db:SITE`)."""
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(triage).where(triage.c.site_id == site_id, triage.c.status.in_(("accepted", "false_positive")))
            .order_by(triage.c.fingerprint)).mappings()]
