"""Give the C heap's free memory back to the system.

CTranslate2's beam search and the VAD model allocate hundreds of MB of temporaries from threads of
their own; glibc keeps what they free in its arenas, so each Whisper batch would start on top of the
last one's leftovers (the peak it saves: docs/decisions.md). Results do not change.

Dask's nanny starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which also fixes glibc's mmap threshold
at 128 KiB: every large buffer of the model is then mapped and unmapped again, page by page, and a call
takes half again as much CPU (docs/decisions.md). `keep_large_buffers` undoes that in such a process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_MMAP_THRESHOLD = 32 << 20  # glibc's own ceiling for its dynamic mmap threshold on 64-bit systems


@cache
def _libc():  # the C library, or None where it cannot be found
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


@cache
def _malloc_trim():  # the C function, or None where the C library has none (macOS, Windows, musl)
    return getattr(_libc(), "malloc_trim", None)


def release_free_memory() -> None:
    """Return the heap's free pages to the system (glibc's malloc_trim); nothing elsewhere."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def keep_large_buffers() -> None:
    """Let buffers up to 32 MiB come from the heap and stay there until `release_free_memory` (glibc's
    thresholds once a program has freed such a buffer), whatever the environment set; nothing elsewhere."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is not None and _malloc_trim() is not None:  # glibc
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_THRESHOLD)
