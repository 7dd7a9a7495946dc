"""One INSERT run for many rows of a model (`Database.execute_many`), its values converted as peewee would."""

from __future__ import annotations

from peewee import Function

from qa_desktop.storage.models import JSONField, database


class BulkInsert:
    """A raw INSERT of rows with these columns, each value converted as peewee converts it (JSON through
    SQLite's json() or as PostgreSQL's JSONB, booleans, dates), so bulk rows are stored exactly as
    `Model.create` stores them."""

    def __init__(self, model: type, names: tuple[str, ...]) -> None:
        self.table = model._meta.table_name
        self.fields = [model._meta.fields[name] for name in names]

    def sql(self) -> str:
        """The INSERT for the open database (SQLite wraps JSON text in json())."""
        sqlite = database.dialect.name == "sqlite"
        marks = ", ".join("json(?)" if sqlite and isinstance(field, JSONField) else "?" for field in self.fields)
        columns = ", ".join(f'"{field.column_name}"' for field in self.fields)
        return f'INSERT INTO "{self.table}" ({columns}) VALUES ({marks})'

    def values(self, row: dict, skip: int = 0) -> list:
        """The row's values in column order, as bound parameters; from column `skip` on (the leading ones are
        filled in when inserting)."""
        values = [field.db_value(row[field.name]) for field in self.fields[skip:]]
        return [value.arguments[0] if isinstance(value, Function) else value for value in values]
