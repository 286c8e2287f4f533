"""Initial schema: sites, runs, pages, rule_results, findings.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sites",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("base_url", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(64), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("viewports", sa.Text, nullable=False),
        sa.Column("axe_version", sa.String(32)),
        sa.Column("browser_version", sa.String(64)),
        sa.Column("tool_version", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("artifacts_dir", sa.Text),
        sa.Column("config_json", sa.Text, nullable=False),
        sa.Column("stats_json", sa.Text),
    )
    op.create_index("ix_runs_site", "runs", ["site_id", "id"])
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("doc_type", sa.String(16)),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("found_via", sa.String(16), nullable=False),
        sa.Column("referrer", sa.Text),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("scope_reason", sa.Text),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("skip_reason", sa.Text),
        sa.Column("http_status", sa.Integer),
        sa.Column("final_url", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("lang", sa.String(35)),
        sa.Column("content_type", sa.Text),
        sa.Column("error_kind", sa.String(32)),
        sa.Column("error", sa.Text),
        sa.Column("fetched_at", sa.DateTime(timezone=True)),
        sa.Column("load_ms", sa.Float),
        sa.Column("timings_json", sa.Text),
        sa.UniqueConstraint("run_id", "url", name="uq_pages_run_url"),
    )
    op.create_index("ix_pages_run_state", "pages", ["run_id", "state"])
    op.create_table(
        "rule_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("page_id", sa.Integer, sa.ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("viewport", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("n_failed", sa.Integer, nullable=False),
        sa.Column("n_cant_tell", sa.Integer, nullable=False),
        sa.Column("n_passed", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("page_id", "viewport", "rule", name="uq_results_page_vp_rule"),
    )
    op.create_index("ix_results_run_rule", "rule_results", ["run_id", "rule"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("page_id", sa.Integer, sa.ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("viewport", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("selector", sa.Text, nullable=False),
        sa.Column("snippet", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("nid", sa.Integer),
        sa.Column("fingerprint", sa.String(40), nullable=False),
    )
    op.create_index("ix_findings_run", "findings", ["run_id", "page_id"])
    op.create_index("ix_findings_fp", "findings", ["fingerprint"])


def downgrade():
    for table in ("findings", "rule_results", "pages", "runs", "sites"):
        op.drop_table(table)
