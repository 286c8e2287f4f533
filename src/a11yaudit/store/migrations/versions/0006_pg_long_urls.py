"""PostgreSQL: page URLs of any length (a btree entry is limited to ~2.7 KB; long query strings exist).

The unique constraint on (run_id, url) becomes a unique index on (run_id, md5(url)), and lookups by URL use a hash
index (no size limit). SQLite has no such limit and keeps its constraint: this migration does nothing there.
schema.py still declares uq_pages_run_url, which is what SQLite has.

Revision ID: 0006
Revises: 0003
"""
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint("uq_pages_run_url", "pages", type_="unique")
    op.execute("CREATE UNIQUE INDEX uq_pages_run_url_md5 ON pages (run_id, md5(url))")
    op.execute("CREATE INDEX ix_pages_url_hash ON pages USING hash (url)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_pages_url_hash")
    op.execute("DROP INDEX uq_pages_run_url_md5")
    op.create_unique_constraint("uq_pages_run_url", "pages", ["run_id", "url"])
