"""Where a call's recording is: calls keep the absolute path they were imported from and the sha256 of
the file's bytes, so a recording that was moved or renamed is found again by its content."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from qa_desktop.storage.models import Call, database
from scoring.audio import audio_files_in, file_sha256
from scoring.redact import SSN, name_is_redacted, redact_name


def absolute_recording(stored: str, sha256: str) -> str | None:
    """The absolute path of a call's recording: `stored` if absolute, else the file it names from the current
    folder when that file has the call's content; None when not found."""
    path = Path(stored)
    if path.is_absolute():
        return stored
    candidate = path.resolve()
    try:
        return str(candidate) if candidate.is_file() and file_sha256(candidate) == sha256 else None
    except OSError:
        return None


def needs_search(stored: str) -> bool:
    """Whether finding a call's file means hashing files: a card number in its name was stored redacted (a
    recorder's id may read as one), so the file is told among those whose names read the same by its content."""
    return name_is_redacted(stored) and not Path(stored).exists()


def recording_file(stored: str, sha256: str) -> str:
    """Where a call's file is: its stored path, or, where a card number in a name was stored redacted (a recorder's
    id may read as one), the file whose names read the same once redacted and whose content is the call's (hashing
    them: tens of ms for a 10-minute WAV, more on a network share, so off the UI thread when `needs_search`)."""
    if not needs_search(stored):
        return stored
    for candidate in named_files(stored):
        try:
            if file_sha256(candidate) == sha256:
                return str(candidate)
        except OSError:
            continue
    return stored


def named_files(stored: str) -> list[Path]:
    """The files a path stored with a card number redacted may stand for: those whose names read the same once
    redacted (several where their numbers end alike)."""
    return [candidate for candidate in _unredacted(Path(stored)) if candidate.is_file()]


def _unredacted(path: Path) -> list[Path]:
    """The paths a redacted path may stand for: each redacted part matched among its folder's entries."""
    found = [Path(path.anchor)]
    for part in path.parts[1:]:
        if not name_is_redacted(part):
            found = [f / part for f in found]
            continue
        found = [folder / name for folder in found for name in _names_redacted(folder).get(part, [])]
    return found


def _names_redacted(folder: Path) -> dict[str, list[str]]:
    """A folder's entries by their redacted names, read again only when the folder changes (retention and relocate
    look up many calls of one recorder's folder, which may hold tens of thousands of files)."""
    try:
        return _listing(str(folder), folder.stat().st_mtime_ns)
    except OSError:  # not a folder, gone, or not readable
        return {}


@lru_cache(maxsize=32)
def _listing(folder: str, _changed_ns: int) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for name in os.listdir(folder):
        before_v21 = redact_name(name, issued_only=False)  # digits no SSN has were stored as [ssn] too
        for redacted in {before_v21, redact_name(name)} if SSN in before_v21 else (before_v21,):
            names.setdefault(redacted, []).append(name)
    return names


def missing_recordings() -> dict[str, list[int]]:
    """sha256 -> ids of the calls whose recording is not where it was stored."""
    missing: dict[str, list[int]] = {}
    for call_id, path, sha256 in Call.select(Call.id, Call.path, Call.sha256).tuples():
        if not Path(recording_file(path, sha256)).is_file():
            missing.setdefault(sha256, []).append(call_id)
    return missing


@dataclass
class Relocation:
    """What a search for missing recordings found."""

    found: dict[int, str] = field(default_factory=dict)  # call id -> new path
    missing: int = 0  # calls whose recording was looked for
    searched: int = 0  # audio files whose content was checked
    cancelled: bool = False


def relocate(
    folder: Path, progress: Callable[[int, int], None] | None = None, should_cancel: Callable[[], bool] | None = None
) -> Relocation:
    """Look in `folder` (recursively) for the recordings of calls whose file is missing, by content hash,
    and store the paths found. Files named like a missing recording are checked first."""
    wanted = missing_recordings()
    result = Relocation(missing=sum(len(ids) for ids in wanted.values()))
    if not wanted:
        return result
    names = {
        Path(p).name
        for (p,) in Call.select(Call.path).where(Call.id.in_([i for ids in wanted.values() for i in ids])).tuples()
    }
    files = sorted(audio_files_in(folder), key=lambda p: p.name not in names)
    for index, path in enumerate(files):
        if not wanted or (should_cancel and should_cancel()):
            result.cancelled = bool(wanted)
            break
        try:
            digest = file_sha256(path)
        except OSError:
            continue
        result.searched += 1
        for call_id in wanted.pop(digest, []):
            result.found[call_id] = str(path.resolve())
        if progress:
            progress(index + 1, len(files))
    with database.atomic():
        for call_id, path in result.found.items():
            Call.update(path=path).where(Call.id == call_id).execute()
    return result
