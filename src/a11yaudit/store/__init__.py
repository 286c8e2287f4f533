"""Store: SQLAlchemy Core schema, Alembic migrations, and the only module with SQL (db.py)."""
