"""JIS X 8341-3:2016 JB.1.2 samples: the population, seed and draw of each sample taken from a run.

Revision ID: 0003
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(1), nullable=False),
        sa.Column("seed", sa.BigInteger),
        sa.Column("n_random_requested", sa.Integer, nullable=False),
        sa.Column("population_size", sa.Integer, nullable=False),
        sa.Column("population_sha1", sa.String(40), nullable=False),
        sa.Column("population_json", sa.Text, nullable=False),
        sa.Column("params_json", sa.Text, nullable=False),
    )
    op.create_index("ix_samples_run", "samples", ["run_id", "id"])
    op.create_table(
        "sample_pages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sample_id", sa.Integer, sa.ForeignKey("samples.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ord", sa.Integer, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("page_id", sa.Integer, sa.ForeignKey("pages.id", ondelete="CASCADE")),
        sa.Column("stratum", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint("sample_id", "url", name="uq_sample_pages_url"),
    )


def downgrade():
    op.drop_table("sample_pages")
    op.drop_index("ix_samples_run", "samples")
    op.drop_table("samples")
