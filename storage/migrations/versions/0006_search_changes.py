"""The change feed of the search indexes (storage.searchindex): ``search_changes`` gets a row
for every article whose indexed data changed and every registered index (``search_indexes``),
filled by triggers on ``articles``, ``article_regions`` and ``article_dimensions``. Each index
consumes its own rows, so several indexes of one archive (a server's, a laptop's) each see
every change; with no index registered the triggers write nothing.

``updated_at`` cannot be the feed: takedowns and story bookkeeping keep it on purpose. Story
membership changes are ``articles.story_id`` updates; the sync re-indexes the other members
of a story whose membership changed (their "story has several articles" flag).

SQLite: row triggers (an update only when an indexed column changed). PostgreSQL: statement
triggers over transition tables, one insert per statement whatever the number of rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: The article columns the index is made of: an update of any other column is not a change.
INDEXED_COLUMNS = (
    "title",
    "text",
    "search_text",
    "published_at",
    "source_id",
    "story_id",
    "relevant",
    "score",
    "hidden_at",
)
TAG_TABLES = ("article_regions", "article_dimensions")
_CHANGED_SQLITE = " OR ".join(f"old.{c} IS NOT new.{c}" for c in INDEXED_COLUMNS)
_ROW_PG = ", ".join("{t}." + c for c in INDEXED_COLUMNS)

SQLITE = [
    "CREATE TRIGGER search_changes_articles_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO search_changes(index_id, article_id) SELECT id, new.id FROM search_indexes; END",
    f"CREATE TRIGGER search_changes_articles_update AFTER UPDATE ON articles WHEN {_CHANGED_SQLITE} BEGIN "
    "INSERT INTO search_changes(index_id, article_id) SELECT id, new.id FROM search_indexes; END",
    "CREATE TRIGGER search_changes_articles_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO search_changes(index_id, article_id) SELECT id, old.id FROM search_indexes; END",
]
for _table in TAG_TABLES:
    SQLITE += [
        f"CREATE TRIGGER search_changes_{_table}_insert AFTER INSERT ON {_table} BEGIN "
        "INSERT INTO search_changes(index_id, article_id) SELECT id, new.article_id FROM search_indexes; END",
        f"CREATE TRIGGER search_changes_{_table}_update AFTER UPDATE ON {_table} BEGIN "
        "INSERT INTO search_changes(index_id, article_id) SELECT i.id, a.article_id FROM search_indexes i, "
        "(SELECT new.article_id AS article_id UNION SELECT old.article_id) a; END",
        f"CREATE TRIGGER search_changes_{_table}_delete AFTER DELETE ON {_table} BEGIN "
        "INSERT INTO search_changes(index_id, article_id) SELECT id, old.article_id FROM search_indexes; END",
    ]

# One function per key column; a trigger with transition tables has one event, so three each.
POSTGRES = [
    "CREATE FUNCTION search_changes_of_articles() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'INSERT' THEN INSERT INTO search_changes(index_id, article_id) "
    "SELECT i.id, n.id FROM new_rows n CROSS JOIN search_indexes i; "
    "ELSIF TG_OP = 'DELETE' THEN INSERT INTO search_changes(index_id, article_id) "
    "SELECT i.id, o.id FROM old_rows o CROSS JOIN search_indexes i; "
    "ELSE INSERT INTO search_changes(index_id, article_id) SELECT i.id, n.id FROM new_rows n "
    "JOIN old_rows o ON o.id = n.id CROSS JOIN search_indexes i "
    f"WHERE ({_ROW_PG.format(t='n')}) IS DISTINCT FROM ({_ROW_PG.format(t='o')}); "
    "END IF; RETURN NULL; END $$",
    "CREATE FUNCTION search_changes_of_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'INSERT' THEN INSERT INTO search_changes(index_id, article_id) "
    "SELECT i.id, a.article_id FROM (SELECT DISTINCT article_id FROM new_rows) a CROSS JOIN search_indexes i; "
    "ELSIF TG_OP = 'DELETE' THEN INSERT INTO search_changes(index_id, article_id) "
    "SELECT i.id, a.article_id FROM (SELECT DISTINCT article_id FROM old_rows) a CROSS JOIN search_indexes i; "
    "ELSE INSERT INTO search_changes(index_id, article_id) SELECT i.id, a.article_id FROM "
    "(SELECT article_id FROM new_rows UNION SELECT article_id FROM old_rows) a CROSS JOIN search_indexes i; "
    "END IF; RETURN NULL; END $$",
]
EVENTS = ("insert", "update", "delete")
_TRANSITIONS = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows"}
_FUNCTIONS = {"articles": "search_changes_of_articles", **{t: "search_changes_of_tags" for t in TAG_TABLES}}
for _table, _function in _FUNCTIONS.items():
    for _event in EVENTS:
        _referencing = _TRANSITIONS.get(_event, "OLD TABLE AS old_rows NEW TABLE AS new_rows")
        POSTGRES.append(
            f"CREATE TRIGGER search_changes_{_table}_{_event} AFTER {_event.upper()} ON {_table} "
            f"REFERENCING {_referencing} FOR EACH STATEMENT EXECUTE FUNCTION {_function}()"
        )


def _triggers() -> list[tuple[str, str]]:
    return [(f"search_changes_{table}_{event}", table) for table in _FUNCTIONS for event in EVENTS]


def upgrade() -> None:
    op.create_table(
        "search_indexes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "search_changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("index_id", sa.Integer, nullable=False, index=True),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sqlite_autoincrement=True,
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS search_changes_of_articles()")
        op.execute("DROP FUNCTION IF EXISTS search_changes_of_tags()")
    op.drop_table("search_changes")
    op.drop_table("search_indexes")
