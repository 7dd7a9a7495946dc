"""The SQL that differs between the two stores (SQLite and PostgreSQL), as fragments the queries put together.

Everything else is written once in SQL both understand: flags are tested bare (`s.current`, `NOT c.reviewed`)
and counted as `CAST(flag AS INTEGER)`, parameters are `?` (the PostgreSQL database translates them).
"""

from __future__ import annotations

import datetime as dt
import json


class SqliteDialect:
    """SQLite's spelling of the fragments."""

    name = "sqlite"

    def nocase(self, expr: str) -> str:
        """An expression sorted without regard to case."""
        return f"{expr} COLLATE NOCASE"

    def day(self, expr: str) -> str:
        """The date of a timestamp."""
        return f"date({expr})"

    def week_start(self, day: str) -> str:
        """The Monday of a date's week."""
        return f"date({day}, 'weekday 0', '-6 days')"

    def json_number(self, column: str, key: str) -> str:
        """A number stored under a key of a JSON column."""
        return f"json_extract({column}, '$.{key}')"

    def least(self, a: str, b: str) -> str:
        return f"MIN({a}, {b})"

    def round(self, expr: str, digits: int) -> str:
        return f"ROUND({expr}, {digits})"

    def floor_int(self, expr: str) -> str:
        """The integer part of a non-negative number."""
        return f"CAST({expr} AS INTEGER)"

    def joined(self, expr: str, separator: str) -> str:
        """An aggregate joining the group's values with a separator."""
        return f"group_concat({expr}, '{separator}')"

    def among(self, expr: str, ids: list[int]) -> tuple[str, object]:
        """A condition that `expr` is one of `ids`, and its one parameter: thousands of ids bound as one value, not
        one `?` each (building and parsing 2,000 `?` was most of a bulk assign's time)."""
        return f"{expr} IN (SELECT value FROM json_each(?))", json.dumps(ids)

    @staticmethod
    def date_value(value: object) -> dt.date:
        """A date a query returned (SQLite: text)."""
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class PostgresDialect(SqliteDialect):
    """PostgreSQL's spelling of the fragments."""

    name = "postgresql"

    def nocase(self, expr: str) -> str:
        return f"LOWER({expr})"

    def among(self, expr: str, ids: list[int]) -> tuple[str, object]:
        return f"{expr} = ANY(?)", ids

    def day(self, expr: str) -> str:
        return f"CAST({expr} AS DATE)"

    def week_start(self, day: str) -> str:
        return f"CAST(date_trunc('week', {day}) AS DATE)"  # ISO weeks start on Monday

    def json_number(self, column: str, key: str) -> str:
        return f"CAST({column} ->> '{key}' AS DOUBLE PRECISION)"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})"

    def round(self, expr: str, digits: int) -> str:
        return f"ROUND(CAST({expr} AS NUMERIC), {digits})"  # PostgreSQL rounds to digits only a NUMERIC

    def floor_int(self, expr: str) -> str:
        return f"CAST(FLOOR({expr}) AS INTEGER)"  # a CAST alone rounds to nearest

    def joined(self, expr: str, separator: str) -> str:
        return f"string_agg({expr}, '{separator}')"
