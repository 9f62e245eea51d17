"""Full-text search behind one interface, on SQLite (FTS5) and PostgreSQL (tsvector + pg_trgm).

`SearchIndex.scores(session, words)` returns a subquery of `(product_id, score)` (higher is
better) that the product list joins like any filter. Matching is stemmed (porter / english) with
prefix matching on every word, so "shirts" and "shir" find "shirt". When nothing matches, each
word is corrected against the vocabulary (`catalog_search_term`): candidates within one edit
(two for long words, transpositions count as one), the most similar first. On PostgreSQL the
candidates come from a pg_trgm index; on SQLite from a length-bounded scan. Both keep a search
table beside `catalog_product` in sync with triggers (`catalog_fts`, FTS5 / `catalog_fts_pg`,
a weighted tsvector with a GIN index).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Protocol

from sqlalchemy import Float, String, Uuid, bindparam, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Subquery

from mercato.catalog.models import SearchTerm

MAX_WORDS = 8
_WORD = re.compile(r"[0-9a-z]+")
_STOP = {"the", "and", "for", "with", "of", "a", "an", "in", "on", "to"}


def words_of(query: str) -> list[str]:
    """Lower-case alphanumeric words of a query (the only thing that reaches SQL text)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", query).encode("ascii", "ignore").decode().lower()
    return [w for w in _WORD.findall(folded) if len(w) <= 40][:MAX_WORDS]


def vocabulary_of(text_value: str) -> set[str]:
    """Words worth correcting to: 3-40 letters, not stop words, not numbers."""
    return {
        w
        for w in words_of_all(text_value)
        if 3 <= len(w) <= 40 and w not in _STOP and not w.isdigit()
    }


def words_of_all(value: str) -> list[str]:
    import unicodedata

    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return _WORD.findall(folded)


def damerau_levenshtein(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (a transposition costs one), capped at `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) >= limit:
            return limit
        prev2, prev = prev, cur
    return min(prev[-1], limit)


def max_edits(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


class SearchIndex(Protocol):
    async def scores(self, session: AsyncSession, words: Sequence[str]) -> Subquery: ...

    async def has_match(self, session: AsyncSession, words: Sequence[str]) -> bool: ...


async def add_vocabulary(session: AsyncSession, terms: Iterable[str]) -> None:
    rows = [{"term": t, "length": len(t)} for t in sorted(set(terms))]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for start in range(0, len(rows), 2000):
        await session.execute(
            insert(SearchTerm).on_conflict_do_nothing(), rows[start : start + 2000]
        )


async def correct_words(session: AsyncSession, words: Sequence[str]) -> list[str]:
    """Each word replaced by the closest vocabulary term (itself when known or none is close)."""
    dialect = session.get_bind().dialect.name
    corrected: list[str] = []
    for word in words:
        allowed = max_edits(word)
        if allowed == 0 or word.isdigit():
            corrected.append(word)
            continue
        known = await session.scalar(select(SearchTerm.term).where(SearchTerm.term == word))
        if known:
            corrected.append(word)
            continue
        if dialect == "postgresql":
            rows = await session.execute(
                text(
                    "SELECT term FROM catalog_search_term WHERE term % :w "
                    "ORDER BY similarity(term, :w) DESC LIMIT 50"
                ),
                {"w": word},
            )
            candidates = [r[0] for r in rows]
            if not candidates:
                candidates = await _by_length(session, word, allowed)
        else:
            candidates = await _by_length(session, word, allowed)
        best: tuple[int, int, str] | None = None
        for candidate in candidates:
            distance = damerau_levenshtein(word, candidate, allowed + 1)
            if distance > allowed:
                continue
            # prefer fewer edits, then a shared first letter, then the shorter word
            rank = (distance, 0 if candidate[0] == word[0] else 1, candidate)
            if best is None or rank < (best[0], best[1], best[2]):
                best = rank
        corrected.append(best[2] if best else word)
    return corrected


async def _by_length(session: AsyncSession, word: str, allowed: int) -> list[str]:
    """Terms of a close length sharing the first or second letter (either order, so a swap of
    the first two letters is still found)."""
    first, second = word[0], word[1]
    rows = await session.scalars(
        select(SearchTerm.term)
        .where(
            SearchTerm.length.between(len(word) - allowed, len(word) + allowed),
            or_(
                func.substr(SearchTerm.term, 1, 1).in_([first, second]),
                func.substr(SearchTerm.term, 2, 1) == second,
            ),
        )
        .limit(50_000)
    )
    return list(rows)


# --------------------------------------------------------------------------- SQLite FTS5


class SqliteSearch:
    """An FTS5 table kept in sync with catalog_product by triggers; ranked with bm25."""

    # a match's text rank, higher is better: title, brand and body weighted 10, 4, 1
    RANK = "-bm25(catalog_fts, 10.0, 4.0, 1.0)"

    @staticmethod
    def match_expression(words: Sequence[str]) -> str:
        return " AND ".join(f'"{w}"*' for w in words)

    async def has_match(self, session: AsyncSession, words: Sequence[str]) -> bool:
        row = await session.execute(
            text("SELECT 1 FROM catalog_fts WHERE catalog_fts MATCH :q LIMIT 1"),
            {"q": self.match_expression(words)},
        )
        return row.first() is not None

    async def scores(self, session: AsyncSession, words: Sequence[str]) -> Subquery:
        stmt = text(
            f"SELECT p.id AS product_id, {SqliteSearch.RANK} AS score "
            "FROM catalog_fts JOIN catalog_product p ON p.rowid = catalog_fts.rowid "
            "WHERE catalog_fts MATCH :q"
        ).bindparams(bindparam("q", self.match_expression(words)))
        return stmt.columns(product_id=Uuid(), score=Float()).subquery("search")


# --------------------------------------------------------------------------- PostgreSQL


class PostgresSearch:
    """A tsvector per product in `catalog_fts_pg` (GIN), kept in sync by a trigger; ts_rank.

    Storing the weighted vector (title A, brand B, the rest D) means ranking reads it instead of
    re-parsing every matching product's text on each query.
    """

    # A public search ranked in the search table alone: the published products matching the
    # tsquery `:q`, and their score (`scores`' text rank plus the product list's exact-title
    # boost, the titles in `:exact`).
    PUBLISHED_MATCHES = "document @@ to_tsquery('english', :q) AND active"
    RANKED = (
        "(ts_rank(document, to_tsquery('english', :q))::float8 "
        "+ CASE WHEN title_lower = ANY(:exact) THEN 1000.0 ELSE 0.0 END)"
    )
    # after a cursor's (`:key`, `:pid`): by score descending, then id ascending
    AFTER = f"({RANKED} < :key OR ({RANKED} = :key AND product_id > :pid))"

    @staticmethod
    def tsquery(words: Sequence[str]) -> str:
        return " & ".join(f"{w}:*" for w in words)

    async def has_match(self, session: AsyncSession, words: Sequence[str]) -> bool:
        row = await session.execute(
            text(
                "SELECT 1 FROM catalog_fts_pg WHERE document @@ to_tsquery('english', :q) LIMIT 1"
            ),
            {"q": self.tsquery(words)},
        )
        return row.first() is not None

    async def scores(self, session: AsyncSession, words: Sequence[str]) -> Subquery:
        stmt = text(
            "SELECT product_id, ts_rank(document, to_tsquery('english', :q))::float8 AS score "
            "FROM catalog_fts_pg WHERE document @@ to_tsquery('english', :q)"
        ).bindparams(bindparam("q", self.tsquery(words)))
        return stmt.columns(product_id=Uuid(), score=Float()).subquery("search")

    async def top(
        self,
        session: AsyncSession,
        words: Sequence[str],
        exact_titles: Sequence[str],
        limit: int,
        after: tuple[float, uuid.UUID] | None = None,
    ) -> list[tuple[uuid.UUID, float]]:
        """The best `limit` published products, (id, score) by score then id, ranked in the search
        table alone: the same score as `scores` plus the product list's exact-title boost, so a
        cursor from either path continues the other. At 100k products a broad word matches
        thousands; joining each to `catalog_product` before the top-N cost 4x the ranking."""
        params: dict[str, object] = {
            "q": self.tsquery(words),
            "exact": list(exact_titles),
            "limit": limit,
        }
        score, where = self.RANKED, self.PUBLISHED_MATCHES
        if after is not None:
            where += f" AND {self.AFTER}"
            params.update(key=after[0], pid=after[1])
        rows = await session.execute(
            text(
                f"SELECT product_id, {score} AS score FROM catalog_fts_pg WHERE {where} "
                "ORDER BY score DESC, product_id ASC LIMIT :limit"
            ).bindparams(bindparam("exact", type_=ARRAY(String()))),
            params,
        )
        return [(row[0], float(row[1])) for row in rows]


def search_index_for(dialect: str) -> SearchIndex:
    return PostgresSearch() if dialect == "postgresql" else SqliteSearch()


# --------------------------------------------------------------------------- DDL (EXTRA_DDL)

_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_fts USING fts5("
    "title, brand, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS catalog_fts_ai AFTER INSERT ON catalog_product BEGIN "
    "INSERT INTO catalog_fts(rowid, title, brand, body) "
    "VALUES (new.rowid, new.title, new.brand, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_fts_ad AFTER DELETE ON catalog_product BEGIN "
    "DELETE FROM catalog_fts WHERE rowid = old.rowid; END",
    "CREATE TRIGGER IF NOT EXISTS catalog_fts_au AFTER UPDATE OF title, brand, search_text "
    "ON catalog_product BEGIN "
    "DELETE FROM catalog_fts WHERE rowid = old.rowid; "
    "INSERT INTO catalog_fts(rowid, title, brand, body) "
    "VALUES (new.rowid, new.title, new.brand, new.search_text); END",
]

_POSTGRES_DDL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE IF NOT EXISTS catalog_fts_pg ("
    "product_id uuid PRIMARY KEY REFERENCES catalog_product(id) ON DELETE CASCADE, "
    "document tsvector NOT NULL)",
    # what a public relevance search needs besides the text, so it ranks in this table alone
    # (PostgresSearch.top): published or not, and the title for the exact-title boost
    "ALTER TABLE catalog_fts_pg ADD COLUMN IF NOT EXISTS active boolean NOT NULL DEFAULT true",
    "ALTER TABLE catalog_fts_pg ADD COLUMN IF NOT EXISTS title_lower text NOT NULL DEFAULT ''",
    # fastupdate off: no pending list to scan linearly after bulk loads (the catalog is read-mostly)
    "CREATE INDEX IF NOT EXISTS ix_catalog_fts_pg_document ON catalog_fts_pg "
    "USING GIN (document) WITH (fastupdate = off)",
    "CREATE OR REPLACE FUNCTION catalog_fts_pg_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "INSERT INTO catalog_fts_pg (product_id, document, active, title_lower) VALUES (NEW.id, "
    "setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(NEW.brand, '')), 'B') || "
    "to_tsvector('english', coalesce(NEW.search_text, '')), "
    "NEW.status = 'active', lower(coalesce(NEW.title, ''))) "
    "ON CONFLICT (product_id) DO UPDATE SET document = EXCLUDED.document, "
    "active = EXCLUDED.active, title_lower = EXCLUDED.title_lower; "
    "RETURN NEW; END $$",
    "DROP TRIGGER IF EXISTS catalog_fts_pg_sync ON catalog_product",
    "CREATE TRIGGER catalog_fts_pg_sync AFTER INSERT OR UPDATE OF title, brand, search_text, "
    "status ON catalog_product FOR EACH ROW EXECUTE FUNCTION catalog_fts_pg_sync()",
    "CREATE INDEX IF NOT EXISTS ix_catalog_search_term_trgm ON catalog_search_term "
    "USING GIN (term gin_trgm_ops)",
]


def create_search_ddl(connection: Connection) -> None:
    """Non-ORM search objects; registered in mercato.models.EXTRA_DDL (and the migration)."""
    statements = _POSTGRES_DDL if connection.dialect.name == "postgresql" else _SQLITE_DDL
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_search_ddl(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS catalog_fts_pg_sync ON catalog_product")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS catalog_fts_pg_sync()")
        connection.exec_driver_sql("DROP TABLE IF EXISTS catalog_fts_pg")
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_catalog_search_term_trgm")
        return
    for name in ("catalog_fts_ai", "catalog_fts_ad", "catalog_fts_au"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    connection.exec_driver_sql("DROP TABLE IF EXISTS catalog_fts")
