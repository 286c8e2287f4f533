"""English finding messages: each finding keeps the message in the audit's language (Japanese) and, when the rule
has one, its English message (our rules' `message.en`; axe-core's failure summary built from its English templates),
so `--lang en` reports show English throughout. NULL for findings stored before this migration and for rules with
no English message: reports then show the stored message.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("findings", sa.Column("message_en", sa.Text, nullable=True))


def downgrade():
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("message_en")
