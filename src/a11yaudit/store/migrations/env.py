"""Alembic environment: migrations run programmatically from a11yaudit.store.db.upgrade()."""

from alembic import context

from a11yaudit.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through a11yaudit.store.db.upgrade()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
