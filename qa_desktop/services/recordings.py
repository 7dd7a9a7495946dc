"""Finding moved recordings again by their content (Locate… in the review, `qa-desktop relocate`): it rewrites
where calls' recordings are, so it is a QA lead's or an admin's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.storage import recordings
from qa_desktop.storage.recordings import Relocation


def relocate(
    folder: Path, progress: Callable[[int, int], None] | None = None, should_cancel: Callable[[], bool] | None = None
) -> Relocation:
    """Search `folder` for the missing recordings and store the paths found (QA lead or admin only)."""
    require(current_user(), "relocate")
    return recordings.relocate(folder, progress, should_cancel)
