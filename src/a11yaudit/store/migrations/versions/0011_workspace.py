"""The web workspace (`a11yaudit serve`): local users with roles, server-side sessions, login attempts (rate
limit), and triage of problems by (site, fingerprint) with its audit trail.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ws_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ws_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("ws_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ws_login_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Integer, nullable=False),
    )
    op.create_index("ix_ws_login_attempts_key", "ws_login_attempts", ["key", "at"])
    op.create_table(
        "triage",
        sa.Column("site_id", sa.String(64), sa.ForeignKey("sites.id"), primary_key=True),
        sa.Column("fingerprint", sa.String(40), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("expires", sa.Date),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("viewport", sa.String(16), nullable=False),
        sa.Column("selector", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "triage_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_status", sa.String(16), nullable=False),
        sa.Column("new_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("expires", sa.Date),
    )
    op.create_index("ix_triage_log_fp", "triage_log", ["site_id", "fingerprint", "id"])


def downgrade():
    op.drop_index("ix_triage_log_fp", table_name="triage_log")
    op.drop_table("triage_log")
    op.drop_table("triage")
    op.drop_index("ix_ws_login_attempts_key", table_name="ws_login_attempts")
    op.drop_table("ws_login_attempts")
    op.drop_table("ws_sessions")
    op.drop_table("ws_users")
