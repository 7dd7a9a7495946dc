"""The backup a SQLite file gets before its schema is upgraded (`NAME.vN.bak`, N the version it had), one per upgrade
however often that upgrade is cut short and resumed.

`NAME.upgrading` beside the file names the backup of the upgrade under way; it goes when the upgrade ends. An open that
finds it (a killed upgrade resumed, or another process upgrading the file at once, which waits on its lock meanwhile)
keeps that backup instead of making another one of the half-upgraded file (each killed upgrade made one more full copy
before). A backup is written under `NAME.vN.bak.partial` and renamed once whole, so a backup killed while written never
replaces a good one of the same name with half a file.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import sqlite3
from contextlib import closing, suppress
from pathlib import Path

from peewee import Database

from qa_desktop.storage.stored_redaction import BackupProblem, remember

log = logging.getLogger(__name__)
_UPGRADING = ".upgrading"
_BACKUP_VERSION = re.compile(r".+\.v(\d+)\.bak")


def back_up(db: Database, path: Path, current: int, redacting: bool) -> list[BackupProblem]:
    """Back the file at `path` (schema `current`) up before its upgrade, unless the upgrade under way already did;
    `redacting`: the upgrade redacts stored text, so the backup is marked to be redacted once it ends (see
    stored_redaction.remember). The problem of a backup that could not be marked."""
    fd = os.open(_marker(path), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process backing the file up: wait for it, then keep its backup
        made = os.read(fd, 4096).decode(errors="replace")
        version = _BACKUP_VERSION.fullmatch(made)
        if version and int(version.group(1)) <= current and (made := path.with_name(made)).is_file():
            log.info("keeping %s, the backup made when this upgrade began", made)
            return []
        backup = path.with_name(f"{path.name}.v{current}.bak")
        problem = remember(backup) if redacting else None  # before it is made: a process killed later leaves it marked
        if _made_whole(db, backup, current):
            os.ftruncate(fd, 0)
            os.pwrite(fd, backup.name.encode(), 0)
            os.fsync(fd)
            log.info("backed up the database to %s before migrating", backup)
        return [problem] if problem else []
    finally:
        os.close(fd)


def _made_whole(db: Database, backup: Path, current: int) -> bool:
    """Copy the database to `backup` through a partial file renamed once whole; False, and nothing replaced, where the
    database has no file to copy or is no longer at `current` (another process upgraded it meanwhile)."""
    partial = backup.with_name(backup.name + ".partial")
    _remove(partial)  # a backup killed while written (the lock is ours: nobody else writes it)
    if not db.backup(partial):
        return False
    with closing(sqlite3.connect(partial)) as copy:
        copied = copy.execute("PRAGMA user_version").fetchone()[0]
    if copied != current:
        _remove(partial)
        return False
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, backup)
    folder = os.open(backup.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)
    return True


def upgrade_ended(path: Path) -> None:
    """The file's upgrade ended (or there was none to do): the next one makes its own backup."""
    with suppress(OSError):
        _marker(path).unlink(missing_ok=True)


def _marker(path: Path) -> Path:
    return path.with_name(path.name + _UPGRADING)


def _remove(file: Path) -> None:
    for part in (file, Path(f"{file}-journal"), Path(f"{file}-wal"), Path(f"{file}-shm")):
        part.unlink(missing_ok=True)
