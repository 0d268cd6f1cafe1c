"""Alembic migrations of the archive schema, run programmatically by storage.db.upgrade."""
