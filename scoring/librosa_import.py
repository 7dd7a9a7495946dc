"""librosa, imported one process at a time.

librosa's compiled (numba) functions are compiled as its modules are imported, and cached beside them. Two
processes compiling one at once can leave its two cache files out of step (numba issue #10128): from then on every
process that loads them crashes in it (a segmentation fault in `librosa.yin`). Two Dask workers, or two test
processes, starting at once on a fresh install do just that. So librosa's modules that compile are imported under
a lock file that every process of this user shares (docs/decisions.md).
"""

from __future__ import annotations

import importlib
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

from filelock import FileLock
from platformdirs import user_cache_dir

# the modules of librosa whose compiled functions this project runs (numba compiles them as they are imported)
COMPILED = (
    "librosa.util.utils",
    "librosa.core.audio",
    "librosa.core.spectrum",
    "librosa.core.pitch",
    "librosa.feature",
)


@cache
def librosa() -> ModuleType:
    """The librosa module, its compiled modules imported (compiled, or loaded from numba's cache) while no other
    process of this user imports them."""
    with FileLock(_lock_folder() / "librosa-import.lock"):
        for name in COMPILED:
            importlib.import_module(name)
        return importlib.import_module("librosa")


def _lock_folder() -> Path:
    """The user's cache folder for qa-desktop, or the temporary folder where it cannot be made (a read-only home on
    a cluster's worker)."""
    folder = Path(user_cache_dir("qa-desktop"))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path(tempfile.gettempdir())
    return folder
