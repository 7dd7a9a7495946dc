"""The stores a test can run on: SQLite, and PostgreSQL on a throwaway server (marked `postgresql`, which the fast
tier, `make test-fast`, leaves out); and template databases, built once and copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import database
from qa_desktop.storage.postgres_database import DatabaseUrl, is_server_url

POSTGRESQL = pytest.mark.postgresql
STORES = ("sqlite", pytest.param("postgresql", marks=POSTGRESQL))  # parameters: a test or fixture once per store

T = TypeVar("T")


def stored_template(request: pytest.FixtureRequest, folder: Path, fill: Callable[[], T]) -> tuple[str, T]:
    """For a fixture parametrized with STORES: a new database of its store (a copy of the session's migrated one:
    a file in `folder`, or a database on the session's PostgreSQL server), filled by fill() and closed, for open_copy
    to copy; returns where it is and what fill() returned."""
    if request.param == "postgresql":
        migrated = request.getfixturevalue("migrated_postgresql")
        location = request.getfixturevalue("postgres_server").new_database("template", template=migrated)
    else:
        location = str(folder / "template.sqlite3")
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), location)
    open_database(location)
    try:
        filled = fill()
    finally:
        close_database()
        database.initialize(None)
    return location, filled


def open_copy(request: pytest.FixtureRequest, template: str, folder: Path) -> Path | DatabaseUrl:
    """Open a copy of a closed template database for this test: a file `folder`/calls.sqlite3, or a database made
    from it on the session's PostgreSQL server (dropped after the test); returns what open_database returns."""
    if is_server_url(template):
        server = request.getfixturevalue("postgres_server")
        url = server.new_database(template=template)
        request.addfinalizer(lambda: server.drop_database(url))
        return open_database(url)
    copy = folder / "calls.sqlite3"
    shutil.copyfile(template, copy)  # nobody has the template open: a plain copy is a whole database
    return open_database(copy)
