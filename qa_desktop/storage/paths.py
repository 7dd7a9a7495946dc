"""Where qa-desktop keeps its files, per platform conventions (platformdirs)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "qa-desktop"


def data_dir() -> Path:
    """The user's data folder for qa-desktop (database, exports)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_path() -> Path:
    """The database used when no --db is given."""
    return data_dir() / "calls.sqlite3"
