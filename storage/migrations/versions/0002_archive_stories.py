"""The real archive: WARC pointers, article versions and takedowns, stories of near
duplicates with their LSH bands, conditional-GET state of feeds, adaptive polling state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)

WARC_COLUMNS = (
    ("warc_file", sa.Text),
    ("warc_offset", sa.BigInteger),
    ("warc_length", sa.BigInteger),
)


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("representative_id", sa.Integer),
        sa.Column("first_published", UTC),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_table(
        "article_bands",
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("band", sa.Integer, primary_key=True),
        sa.Column("hash", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_article_bands_band_hash", "article_bands", ["band", "hash"])
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("title", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("text_hash", sa.String(40)),
        sa.Column("extractor_version", sa.String(50)),
        sa.Column("replaced_at", UTC, nullable=False),
        *(sa.Column(name, kind) for name, kind in WARC_COLUMNS),
    )
    for name, kind in WARC_COLUMNS:
        op.add_column("articles", sa.Column(name, kind))
        op.add_column("fetched_urls", sa.Column(name, kind))
    op.add_column("articles", sa.Column("story_id", sa.Integer))
    op.create_index("ix_articles_story_id", "articles", ["story_id"])
    op.add_column("articles", sa.Column("minhash", sa.LargeBinary))
    op.add_column("articles", sa.Column("hidden_at", UTC))
    op.add_column("articles", sa.Column("hidden_reason", sa.Text))
    op.add_column("articles", sa.Column("removed_at", UTC))
    op.add_column("articles", sa.Column("revisited_at", UTC))
    op.add_column("fetched_urls", sa.Column("body_hash", sa.String(40)))
    op.add_column("sources", sa.Column("poll_seconds", sa.Integer))
    op.add_column("sources", sa.Column("last_new_at", UTC))


def downgrade() -> None:
    for column in ("poll_seconds", "last_new_at"):
        op.drop_column("sources", column)
    op.drop_column("fetched_urls", "body_hash")
    for column in ("revisited_at", "removed_at", "hidden_reason", "hidden_at", "minhash", "story_id"):
        if column == "story_id":
            op.drop_index("ix_articles_story_id", table_name="articles")
        op.drop_column("articles", column)
    for name, _ in WARC_COLUMNS:
        op.drop_column("fetched_urls", name)
        op.drop_column("articles", name)
    op.drop_table("article_versions")
    op.drop_index("ix_article_bands_band_hash", table_name="article_bands")
    op.drop_table("article_bands")
    op.drop_table("stories")
