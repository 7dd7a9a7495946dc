"""Exported files appear whole or not at all: each is written under a hidden name beside its own and renamed
once written, so a failed export (a full disk) or a killed process never leaves a half-written file under the
name the user asked for, and a file it replaces stays as it was until then. A file that cannot be written (a full
disk, a folder without permission) is an ExportError naming it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ExportError(Exception):
    """An export could not be written: the file or folder, and why."""


def _partial(path: Path) -> Path:
    """`.NAME.part.SUFFIX` beside `path`: hidden, and of the same type for writers that go by the suffix."""
    return path.with_name(f".{path.stem}.part{path.suffix}")


@contextmanager
def whole_file(path: Path) -> Iterator[Path]:
    """A name to write `path`'s content to; it becomes `path` when the block ends, and is removed if it fails."""
    partial = _partial(path)
    try:
        yield partial
        os.replace(partial, path)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def whole_folder(folder: Path) -> Iterator[Path]:
    """An empty folder to build `folder` in; when the block ends it replaces `folder`, and the zip of it replaces
    `folder.zip`. A failed or killed build leaves the previous folder and zip as they were (what a killed one left
    in the hidden build folder is removed by the next)."""
    stage = _partial(folder)
    built = stage / folder.name  # the folder's own name, so that the zip holds it under that name
    try:
        shutil.rmtree(stage, ignore_errors=True)
        built.mkdir(parents=True)
        yield built
        archive = shutil.make_archive(str(built), "zip", stage, folder.name)
        previous = stage / "previous"
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


def _cannot_write(path: Path, exc: OSError) -> ExportError:
    return ExportError(f"cannot write {path}: {exc.strerror or exc}")
