"""Alembic environment: migrations run on the connection storage.db.upgrade hands over.

There is no alembic.ini: ``storage.db.upgrade(engine)`` (``kabar db upgrade``) is the way to
migrate. New revisions go in versions/ (copy the layout of 0001_initial.py; put dialect
differences behind ``op.get_bind().dialect.name``).
"""

from __future__ import annotations

from alembic import context

from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise SystemExit("kabar migrations run through storage.db.upgrade(engine) (kabar db upgrade)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
