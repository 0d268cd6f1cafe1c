"""Crawl runs: the process that owns a run (pid and host), so a run left 'running' by a crawl
killed with SIGKILL can be closed as killed; and the feed or sitemap items a run dropped for
being on another host.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("pid", sa.Integer))
    op.add_column("crawl_runs", sa.Column("host", sa.String(255)))
    op.add_column("crawl_runs", sa.Column("offsite_dropped", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("offsite_dropped")
        batch.drop_column("host")
        batch.drop_column("pid")
