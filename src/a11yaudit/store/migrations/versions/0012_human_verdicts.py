"""Human test (人による試験) verdicts per run × page × criterion: entered in the workspace or imported by
`a11yaudit shiken --human FILE`, combined with the automated results by `a11yaudit shiken`.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "human_verdicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sample_id", sa.Integer, sa.ForeignKey("samples.id", ondelete="SET NULL")),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("url_sha1", sa.String(40), nullable=False),
        sa.Column("criterion", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("tester", sa.String(64), nullable=False),
        sa.Column("tested_on", sa.Date),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("run_id", "url_sha1", "criterion", name="uq_human_verdicts_key"),
    )


def downgrade():
    op.drop_table("human_verdicts")
