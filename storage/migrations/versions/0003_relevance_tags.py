"""Relevance tags: the reasons of an article's score, its smart-city dimensions and the
regions and provinces it is about, in indexed tables the search filters use.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("articles", sa.Column("reasons", JSON))
    op.create_table(
        "article_regions",
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
    )
    op.create_index("ix_article_regions_code", "article_regions", ["code"])
    op.create_table(
        "article_dimensions",
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("dimension", sa.String(20), primary_key=True),
    )
    op.create_index("ix_article_dimensions_dimension", "article_dimensions", ["dimension"])


def downgrade() -> None:
    op.drop_index("ix_article_dimensions_dimension", table_name="article_dimensions")
    op.drop_table("article_dimensions")
    op.drop_index("ix_article_regions_code", table_name="article_regions")
    op.drop_table("article_regions")
    op.drop_column("articles", "reasons")
