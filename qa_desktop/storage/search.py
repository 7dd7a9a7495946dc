"""Full-text search over the utterances, one query syntax on both stores.

What a user types: words, each of which must occur somewhere in the call (in the same utterance or not),
matched after stemming ("refunds" finds "refund"), and `card*` for a prefix. SQLite searches an FTS5
table (porter stemming) kept in step by triggers; PostgreSQL a GIN index over `to_tsvector` of the
utterance text, with an English snowball stemmer and no stop words (as FTS5 has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from peewee import Database

WORD = re.compile(r"[\w']+\*?")
HIT_START, HIT_END = "\x02", "\x03"  # around a match in a hit: never in a transcript, unlike "[" ("[card number]")


@dataclass(frozen=True)
class Term:
    """One word of a search, and whether it is a prefix (`card*`)."""

    word: str
    prefix: bool = False


def terms(text: str) -> list[Term]:
    """The terms of what a user typed, one per word."""
    found = []
    for word in WORD.findall(text):
        bare = word.rstrip("*")
        if re.search(r"[^\W_]", bare):  # a letter or digit: what both stores index
            found.append(Term(bare, word.endswith("*")))
    return found


class SearchIndex(Protocol):
    """What the library asks of a store's search index."""

    def create(self, db: Database) -> None:
        """Create the index over the stored utterances (a migration step)."""

    def query(self, found: list[Term], any_of: bool = False) -> str:
        """The value bound to the `?` of `calls_matching` and `hits`: every term (or, with any_of, any term)."""

    def calls_matching(self) -> str:
        """A condition on `c.id`: the call has an utterance matching the query bound to its one `?`."""

    def hits(self, marks: str) -> str:
        """(call id, snippet with HIT_START and HIT_END around the matches) of the utterances matching the query bound
        to the first `?`, among the calls bound to `marks`, best first."""


class Fts5Search:
    """SQLite: an FTS5 table `utterance_fts` (rowid = utterance id) that triggers keep in step."""

    TRIGGERS = (
        "CREATE TRIGGER IF NOT EXISTS utterance_fts_insert AFTER INSERT ON utterance BEGIN "
        "INSERT INTO utterance_fts (rowid, text, call_id) VALUES (new.id, new.text, new.call_id); END",
        "CREATE TRIGGER IF NOT EXISTS utterance_fts_delete AFTER DELETE ON utterance BEGIN "
        "DELETE FROM utterance_fts WHERE rowid = old.id; END",
        "CREATE TRIGGER IF NOT EXISTS utterance_fts_update AFTER UPDATE OF text, call_id ON utterance BEGIN "
        "UPDATE utterance_fts SET text = new.text, call_id = new.call_id WHERE rowid = old.id; END",
    )

    def create(self, db: Database) -> None:
        db.execute_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS utterance_fts USING fts5(text, call_id UNINDEXED, "
            "tokenize = 'porter unicode61')"
        )
        db.execute_sql("INSERT INTO utterance_fts (rowid, text, call_id) SELECT id, text, call_id FROM utterance")
        for statement in self.TRIGGERS:
            db.execute_sql(statement)

    def query(self, found: list[Term], any_of: bool = False) -> str:
        return (" OR " if any_of else " ").join('"' + t.word + '"' + ("*" if t.prefix else "") for t in found)

    def calls_matching(self) -> str:
        return "c.id IN (SELECT call_id FROM utterance_fts WHERE utterance_fts MATCH ?)"

    def hits(self, marks: str) -> str:
        """Ranked after the page's calls are kept: `ORDER BY rank` would have FTS5 score and sort every match in
        the library first (bm25 is what `rank` is)."""
        return (
            f"SELECT call_id, hit FROM (SELECT call_id, snippet(utterance_fts, 0, char(2), char(3), '…', 10) AS hit, "
            f"bm25(utterance_fts) AS score FROM utterance_fts WHERE utterance_fts MATCH ? AND call_id IN ({marks})) "
            "ORDER BY score"
        )


class TsvectorSearch:
    """PostgreSQL: a GIN index over `to_tsvector('qa_english', text)` of the utterance table itself."""

    CONFIG = "qa_english"
    VECTOR = f"to_tsvector('{CONFIG}', u.text)"

    def create(self, db: Database) -> None:
        exists = db.execute_sql("SELECT 1 FROM pg_ts_config WHERE cfgname = ?", [self.CONFIG]).fetchone()
        if not exists:  # the English stemmer without the stop-word list (FTS5 finds "the" too)
            db.execute_sql(
                f"CREATE TEXT SEARCH DICTIONARY {self.CONFIG}_stem (TEMPLATE = snowball, Language = english)"
            )
            db.execute_sql(f"CREATE TEXT SEARCH CONFIGURATION {self.CONFIG} (COPY = english)")
            db.execute_sql(
                f"ALTER TEXT SEARCH CONFIGURATION {self.CONFIG} ALTER MAPPING FOR asciiword, "
                f"asciihword, hword_asciipart, word, hword, hword_part WITH {self.CONFIG}_stem"
            )
        db.execute_sql(
            f"CREATE INDEX IF NOT EXISTS utterance_text_search ON utterance "
            f"USING GIN (to_tsvector('{self.CONFIG}', text))"
        )

    def query(self, found: list[Term], any_of: bool = False) -> str:
        """A tsquery: each word a lexeme (a word with an apostrophe, its parts in a row), `:*` for a prefix."""
        parts = []
        for term in found:
            pieces = [p for p in re.split(r"[\W_]+", term.word) if p]
            lexemes = [f"'{p}'" for p in pieces]
            if term.prefix:
                lexemes[-1] += ":*"
            parts.append("(" + " <-> ".join(lexemes) + ")")
        return (" | " if any_of else " & ").join(parts)

    def calls_matching(self) -> str:
        return f"c.id IN (SELECT u.call_id FROM utterance u WHERE {self.VECTOR} @@ to_tsquery('{self.CONFIG}', ?))"

    def hits(self, marks: str) -> str:
        options = "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=10, MinWords=3, MaxFragments=1, "
        options += "FragmentDelimiter=…'"
        return (
            f"SELECT u.call_id, ts_headline('{self.CONFIG}', u.text, q, {options}) "
            f"FROM utterance u, to_tsquery('{self.CONFIG}', ?) q "
            f"WHERE {self.VECTOR} @@ q AND u.call_id IN ({marks}) ORDER BY ts_rank({self.VECTOR}, q) DESC, u.id"
        )
