"""Give the C heap's free memory back to the system.

CTranslate2's beam search and the VAD model allocate hundreds of MB of temporaries from threads of
their own; glibc keeps what they free in its arenas, so each Whisper batch would start on top of the
last one's leftovers (the peak it saves: docs/decisions.md). Results do not change.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _malloc_trim():  # the C function, or None where the C library has none (macOS, Windows, musl)
    name = ctypes.util.find_library("c")
    library = ctypes.CDLL(name) if name else None
    return getattr(library, "malloc_trim", None)


def release_free_memory() -> None:
    """Return the heap's free pages to the system (glibc's malloc_trim); nothing elsewhere."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
