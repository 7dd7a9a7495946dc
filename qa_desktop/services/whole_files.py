"""Exported files appear whole or not at all: each is written under a hidden name beside its own and renamed
once written, so a failed export (a full disk) or a killed process never leaves a half-written file under the
name the user asked for, and a file it replaces stays as it was until then. A file that cannot be written (a full
disk, a folder without permission) is an ExportError naming it.

The hidden name is the writer's own (`.NAME.part-TOKEN.SUFFIX`), locked while it is written: two exports to one
name never write into, or remove, each other's. What a killed export left (no process holds its lock) is removed
by the next export to that folder, so leftovers do not pile up; a killed pack's previous folder is put back.
Exports before that wrote to `.NAME.part.SUFFIX`, unlocked: such a leftover is removed too, but only when no process
on this machine has it (or a file in its build folder) open, which a write lease tells (elsewhere it stays)."""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

_PART = re.compile(r"\..+\.part-[0-9a-f]{12}(\.[^.]*)?")  # a hidden name `_partial` gives
_OLD_PART = re.compile(r"\.(.+)\.part(\.[^.]*)?")  # the hidden name exports gave before (no token, no lock)
_OWNER = ".owner"  # in a pack's build folder: the file its builder locks
_PREVIOUS = "previous"  # in a pack's build folder: the pack it replaces, while the new one is swapped in


class ExportError(Exception):
    """An export could not be written: the file or folder, and why."""


def _partial(path: Path, token: str) -> Path:
    """`.NAME.part-TOKEN.SUFFIX` beside `path`: hidden, the writer's own, and of the same type for writers that go
    by the suffix."""
    return path.with_name(f".{path.stem}.part-{token}{path.suffix}")


@contextmanager
def whole_file(path: Path) -> Iterator[Path]:
    """A name to write `path`'s content to; it becomes `path` when the block ends, and is removed if it fails."""
    try:
        _remove_leftovers(path.parent)
        partial, lock = _claim(path, lambda name: name)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        yield partial
        os.replace(partial, path)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    finally:
        partial.unlink(missing_ok=True)
        os.close(lock)


@contextmanager
def whole_folder(folder: Path) -> Iterator[Path]:
    """An empty folder to build `folder` in; when the block ends it replaces `folder`, and the zip of it replaces
    `folder.zip`. A failed or killed build leaves the previous folder and zip as they were."""
    try:
        _remove_leftovers(folder.parent)
        stage, lock = _claim(folder, _owner)
    except OSError as exc:
        raise _cannot_write(folder, exc) from exc
    built = stage / folder.name  # the folder's own name, so that the zip holds it under that name
    try:
        built.mkdir()
        yield built
        archive = shutil.make_archive(str(built), "zip", stage, folder.name)
        previous = stage / _PREVIOUS
        if folder.exists():
            folder.rename(previous)
        try:
            built.rename(folder)
        except OSError:
            if previous.exists():  # put back
                previous.rename(folder)
            raise
        os.replace(archive, folder.with_name(folder.name + ".zip"))
    except OSError as exc:
        raise _cannot_write(folder, exc) from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        os.close(lock)


def _owner(stage: Path) -> Path:
    """A pack's build folder, made (and the folders it goes in), and the file in it that its builder locks."""
    stage.mkdir(parents=True)
    return stage / _OWNER


def _claim(path: Path, locked_file: Callable[[Path], Path]) -> tuple[Path, int]:
    """A new hidden name beside `path` and the descriptor of the file `locked_file(name)` makes, locked for as long
    as it is written: while it is locked, no other export removes it."""
    while True:
        name = _partial(path, secrets.token_hex(6))
        try:
            lock_path = locked_file(name)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)  # as open() makes it: the umask decides
        except FileNotFoundError:
            if not path.parent.is_dir():
                raise
            continue  # its build folder was removed as a leftover before it was locked
        fcntl.flock(fd, fcntl.LOCK_EX)
        with suppress(FileNotFoundError):
            there, locked = os.stat(lock_path), os.fstat(fd)
            if (there.st_dev, there.st_ino) == (locked.st_dev, locked.st_ino):  # not removed as a leftover meanwhile
                return name, fd
        os.close(fd)


def _remove_leftovers(folder: Path) -> None:
    """Remove the hidden files and build folders that killed exports left in `folder`: those no process holds."""
    try:
        with os.scandir(folder) as entries:
            hidden = [Path(e.path) for e in entries if e.name.startswith(".")]
    except OSError:  # no such folder yet, or not readable: what is written there says so
        return
    for leftover in hidden:
        with suppress(OSError):
            if _PART.fullmatch(leftover.name):
                _remove_if_free(leftover)
            elif old := _OLD_PART.fullmatch(leftover.name):
                _remove_old(leftover, leftover.with_name(old.group(1) + (old.group(2) or "")))


def _remove_old(leftover: Path, path: Path) -> None:
    """An old export's hidden file or build folder for `path`, unless a process has it (or a file in it) open. A build
    folder is renamed to one of today's and removed as one: its builder's later steps fail instead of writing there."""
    if leftover.is_symlink():
        return
    files = [f for f in leftover.rglob("*") if f.is_file() and not f.is_symlink()] if leftover.is_dir() else [leftover]
    with ExitStack() as leases:
        if not all(leases.enter_context(_alone(file)) for file in files):
            return
        if not leftover.is_dir():
            leftover.unlink()
            return
        aside = _partial(path, secrets.token_hex(6))
        leftover.rename(aside)
    _remove_if_free(aside)


@contextmanager
def _alone(file: Path) -> Iterator[bool]:
    """Whether no other process on this machine has `file` open (a write lease is granted only then; not on every
    filesystem); while the block runs, a process opening it waits."""
    fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        try:
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # the lease ends with it


def _remove_if_free(leftover: Path) -> None:
    is_stage = leftover.is_dir() and not leftover.is_symlink()
    try:
        fd = os.open(leftover / _OWNER if is_stage else leftover, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:  # a build folder killed before its builder locked it (or one that is retrying)
        fd = None
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # being written
        if is_stage:
            _put_back_previous(leftover)
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    finally:
        if fd is not None:
            os.close(fd)


def _put_back_previous(stage: Path) -> None:
    """A pack killed while swapping the new one in: the one it replaced back under its name."""
    previous = stage / _PREVIOUS
    folder = stage.with_name(re.sub(r"\.part-[0-9a-f]{12}", "", stage.name)[1:])
    if previous.is_dir() and not folder.exists():
        previous.rename(folder)


def _cannot_write(path: Path, exc: OSError) -> ExportError:
    return ExportError(f"cannot write {path}: {exc.strerror or exc}")
