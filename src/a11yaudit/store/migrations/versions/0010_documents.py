"""Documents: per fetched and checked PDF / Office file (a pages row of kind "document"), its type, size, sha256,
HTTP validators, pages, title, language, image-only pages and the checker's error kind and facts.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "documents",
        sa.Column("page_id", sa.Integer, sa.ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(8)),
        sa.Column("media_type", sa.Text),
        sa.Column("size", sa.BigInteger),
        sa.Column("sha256", sa.String(64)),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("pages", sa.Integer),
        sa.Column("title", sa.Text),
        sa.Column("lang", sa.String(35)),
        sa.Column("image_only_pages", sa.Integer),
        sa.Column("error_kind", sa.String(32)),
        sa.Column("facts_json", sa.Text),
    )
    op.create_index("ix_documents_run", "documents", ["run_id"])


def downgrade():
    op.drop_index("ix_documents_run", table_name="documents")
    op.drop_table("documents")
