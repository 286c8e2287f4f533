"""Incremental re-audit: per audited page, the HTTP validators, rendered-DOM hash, same-site script/style
validators and links seen at render time, and whether its results were reused from an earlier run.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
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


def downgrade():
    op.drop_index("ix_page_state_run", table_name="page_state")
    op.drop_table("page_state")
