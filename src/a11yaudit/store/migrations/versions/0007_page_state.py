"""Incremental re-audit: per audited page, the HTTP validators, rendered-DOM hash, same-site script/style
validators and links seen at render time, and whether its results were reused from an earlier run; an index for
reports of large runs.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "page_state",
        sa.Column("page_id", sa.Integer, sa.ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reuse_key", sa.String(40), nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("dom_hash", sa.String(40)),
        sa.Column("subresources_json", sa.Text),
        sa.Column("links_json", sa.Text),
        sa.Column("reused_from", sa.Integer),
        sa.Column("reuse_via", sa.String(16)),
    )
    op.create_index("ix_page_state_run", "page_state", ["run_id"])
    # Reports of large runs read only the non-passing results and the (rule, criteria) pairs: a covering index
    # answers both without touching the ~2 million rows of a 10,000-page run.
    op.create_index("ix_results_run_outcome", "rule_results", ["run_id", "outcome", "rule", "criteria", "page_id"])


def downgrade():
    op.drop_index("ix_results_run_outcome", table_name="rule_results")
    op.drop_index("ix_page_state_run", table_name="page_state")
    op.drop_table("page_state")
