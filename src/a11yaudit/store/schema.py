"""The database schema (SQLAlchemy Core). Changes go through a new Alembic migration in migrations/versions."""

from __future__ import annotations

from sqlalchemy import (BigInteger, Column, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData, String,
                        Text, UniqueConstraint)

metadata = MetaData()

from sqlalchemy import Table  # noqa: E402

sites = Table(
    "sites", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("base_url", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", String(64), ForeignKey("sites.id"), nullable=False),
    Column("status", String(16), nullable=False),          # running | finished | interrupted | failed
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("profile", String(32), nullable=False),
    Column("viewports", Text, nullable=False),            # comma-separated
    Column("axe_version", String(32)),
    Column("browser_version", String(64)),
    Column("tool_version", String(32), nullable=False),
    Column("source", String(16), nullable=False),         # crawl | artifacts
    Column("artifacts_dir", Text),
    Column("config_json", Text, nullable=False),          # the site's settings as used
    Column("stats_json", Text),
    Index("ix_runs_site", "site_id", "id"),
)

pages = Table(
    "pages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),                  # canonical logical URL
    Column("kind", String(16), nullable=False),           # html | document
    Column("doc_type", String(16)),                       # pdf | office … for documents
    Column("depth", Integer, nullable=False),
    Column("found_via", String(16), nullable=False),      # start | link | sitemap
    Column("referrer", Text),
    Column("scope", String(16), nullable=False),          # in_scope | excluded | out_of_scope
    Column("scope_reason", Text),
    Column("state", String(16), nullable=False),          # queued | done | error | skipped
    Column("skip_reason", Text),                          # robots | budget | depth | outside_scope …
    Column("http_status", Integer),
    Column("final_url", Text),
    Column("title", Text),
    Column("lang", String(35)),
    Column("content_type", Text),
    Column("error_kind", String(32)),
    Column("error", Text),
    Column("fetched_at", DateTime(timezone=True)),
    Column("load_ms", Float),
    Column("timings_json", Text),
    UniqueConstraint("run_id", "url", name="uq_pages_run_url"),
    Index("ix_pages_run_state", "run_id", "state"),
)

rule_results = Table(
    "rule_results", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("page_id", Integer, ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
    Column("viewport", String(16), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),        # passed | failed | inapplicable | cantTell | error
    Column("criteria", Text, nullable=False),             # comma-separated SC ids
    Column("n_failed", Integer, nullable=False),
    Column("n_cant_tell", Integer, nullable=False),
    Column("n_passed", Integer, nullable=False),
    Column("error", Text),
    UniqueConstraint("page_id", "viewport", "rule", name="uq_results_page_vp_rule"),
    Index("ix_results_run_rule", "run_id", "rule"),
    Index("ix_results_run_outcome", "run_id", "outcome", "rule", "criteria", "page_id"),   # migration 0007
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("page_id", Integer, ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
    Column("viewport", String(16), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),        # failed | cantTell
    Column("criteria", Text, nullable=False),
    Column("selector", Text, nullable=False),
    Column("snippet", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("nid", Integer),
    Column("fingerprint", String(40), nullable=False),
    Column("message_en", Text),                        # migration 0009: English message (NULL: none)
    Index("ix_findings_run", "run_id", "page_id"),
    Index("ix_findings_fp", "fingerprint"),
    Index("ix_findings_page", "page_id"),          # migration 0008
)

# JIS X 8341-3:2016 JB.1.2 samples (migration 0003): population, seed and draw, stored with the run.
samples = Table(
    "samples", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("method", String(1), nullable=False),              # a | b | c | d
    Column("seed", BigInteger),
    Column("n_random_requested", Integer, nullable=False),
    Column("population_size", Integer, nullable=False),
    Column("population_sha1", String(40), nullable=False),   # of the sorted population URLs
    Column("population_json", Text, nullable=False),          # the sorted population URLs
    Column("params_json", Text, nullable=False),              # representative settings, counts per stratum
    Index("ix_samples_run", "run_id", "id"),
)

sample_pages = Table(
    "sample_pages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sample_id", Integer, ForeignKey("samples.id", ondelete="CASCADE"), nullable=False),
    Column("ord", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("page_id", Integer, ForeignKey("pages.id", ondelete="CASCADE")),
    Column("stratum", String(16), nullable=False),            # all | representative | random
    Column("reason", Text, nullable=False),
    UniqueConstraint("sample_id", "url", name="uq_sample_pages_url"),
)

# Incremental re-audit (migration 0007): what is needed to decide, on the next audit, that a page is unchanged.
page_state = Table(
    "page_state", metadata,
    Column("page_id", Integer, ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("reuse_key", String(40), nullable=False),      # tool + rules + axe + profile + viewports fingerprint
    Column("etag", Text),
    Column("last_modified", Text),
    Column("dom_hash", String(40)),                       # rendered DOM of every viewport + script/style validators
    Column("subresources_json", Text),                    # [[url, etag, last_modified], …] same-site scripts/styles
    Column("links_json", Text),                           # links the page revealed (to continue the crawl)
    Column("reused_from", Integer),                       # page id whose results were copied (None: audited)
    Column("reuse_via", String(16)),                      # validators | dom_hash | None
    Index("ix_page_state_run", "run_id"),
)

# Documents (migration 0010): the PDF / Office file behind a pages row of kind "document" that was fetched and
# checked — its type, size, hash and HTTP validators, and the facts the reports need.
documents = Table(
    "documents", metadata,
    Column("page_id", Integer, ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8)),                            # pdf | docx | xlsx | pptx (None: not recognised)
    Column("media_type", Text),
    Column("size", BigInteger),                           # bytes
    Column("sha256", String(64)),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("pages", Integer),                             # PDF pages, slides, sheets
    Column("title", Text),
    Column("lang", String(35)),
    Column("image_only_pages", Integer),                  # pages without a text layer (scans)
    Column("error_kind", String(32)),                     # checker error (timeout, damaged …) or fetch error
    Column("facts_json", Text),
    Index("ix_documents_run", "run_id"),
)

# The web workspace (migration 0011): local users (argon2 hashes) with a role, server-side sessions (the cookie
# holds a random token; its SHA-256 is the id), login attempts per user + address (rate limit).
ws_users = Table(
    "ws_users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),               # viewer | editor | admin
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ws_sessions = Table(
    "ws_sessions", metadata,
    Column("id", String(64), primary_key=True),               # sha256 of the cookie's token
    Column("user_id", Integer, ForeignKey("ws_users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

ws_login_attempts = Table(
    "ws_login_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),                # sha256 of user name + client address
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ok", Integer, nullable=False),
    Index("ix_ws_login_attempts_key", "key", "at"),
)

# Triage of a problem by (site, fingerprint): accepted (reason, expiry) or false_positive (reason); `open` after a
# reopen. The gate's `--baseline db:SITE` reads accepted / false-positive entries from here too.
triage = Table(
    "triage", metadata,
    Column("site_id", String(64), ForeignKey("sites.id"), primary_key=True),
    Column("fingerprint", String(40), primary_key=True),
    Column("status", String(16), nullable=False),             # open | accepted | false_positive
    Column("reason", Text, nullable=False),
    Column("expires", Date),
    Column("rule", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("viewport", String(16), nullable=False),
    Column("selector", Text, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

triage_log = Table(
    "triage_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", String(64), nullable=False),
    Column("fingerprint", String(40), nullable=False),
    Column("user_name", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("old_status", String(16), nullable=False),
    Column("new_status", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("expires", Date),
    Index("ix_triage_log_fp", "site_id", "fingerprint", "id"),
)

# Human test (人による試験) verdicts per run × page × criterion (migration 0012): entered in the workspace or
# imported by `a11yaudit shiken --human FILE`. url "" = the whole sample; url_sha1 keeps the unique key short
# (URLs of any length on PostgreSQL). verdict: pass (適合) | fail (不適合) | na (該当なし / 非適用).
human_verdicts = Table(
    "human_verdicts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("sample_id", Integer, ForeignKey("samples.id", ondelete="SET NULL")),
    Column("url", Text, nullable=False),
    Column("url_sha1", String(40), nullable=False),
    Column("criterion", String(16), nullable=False),
    Column("verdict", String(8), nullable=False),
    Column("note", Text, nullable=False),
    Column("tester", String(64), nullable=False),
    Column("tested_on", Date),
    Column("source", Text, nullable=False),                   # file:line of an import, or workspace:USER
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("run_id", "url_sha1", "criterion", name="uq_human_verdicts_key"),
)
