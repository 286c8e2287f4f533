"""An index on findings.page_id: storing a page again (resume) and copying an unchanged page's findings
(incremental re-audit) look findings up by page. Without it each did a full scan of the findings table, so the
per-page database time grew with the size of the database (measured: 59 ms per page at 2,000 pages, 97 ms at
10,000; copying a reused page's findings 80 → 136 ms); pruning old runs (ON DELETE CASCADE from pages) scanned too.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_findings_page", "findings", ["page_id"])


def downgrade():
    op.drop_index("ix_findings_page", table_name="findings")
