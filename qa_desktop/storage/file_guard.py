"""Keep the database's -wal and -shm safe from other processes, whatever this one does with the file's name.

SQLite's locks are POSIX record locks, which a process loses when it closes *any* descriptor of the file:
a file dialog's MIME sniffing (`QMimeDatabase().mimeTypeForFile`), a hash, a copy. In WAL mode two of
them guard the files: the SHARED lock on the database file, which a closing connection tests to decide
that it is the last one (it then checkpoints ignoring everyone's WAL locks and deletes -wal and -shm
under the feet of the other processes), and the DMS lock on the -shm file, which an opening connection
tests to decide that nobody uses the shared memory (it then truncates and rebuilds it). A FileGuard
holds the same two locks as open-file-description (OFD) locks on descriptors of its own: they belong to
that descriptor, not to the process, so no other open or close in the process drops them, and they
conflict with other processes' SQLite locks as SQLite's own do. Linux only (elsewhere a no-op:
Windows locks are per handle already).
"""

from __future__ import annotations

import fcntl
import logging
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

PENDING_BYTE = 0x40000000  # SQLite's lock bytes in the database file (os_unix.c)
SHARED_FIRST, SHARED_SIZE = PENDING_BYTE + 2, 510
SHM_DMS_BYTE = 128  # the "dead man switch" byte of the -shm file: (22 + 8) * 4 + 8
_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", None)


def _read_lock(fd: int, start: int, length: int) -> None:
    """A shared OFD lock on [start, start + length); retried for a few seconds while a writer holds it."""
    flock = struct.pack("hhqqi4x", fcntl.F_RDLCK, os.SEEK_SET, start, length, 0)
    deadline = time.monotonic() + 10
    while True:
        try:
            fcntl.fcntl(fd, _OFD_SETLK, flock)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class FileGuard:
    """Shared OFD locks on a WAL database's SHARED bytes and its -shm's DMS byte, until released."""

    def __init__(self, path: Path) -> None:
        self._fds: list[int] = []
        if _OFD_SETLK is None:
            return
        path = path.resolve()  # opened through a link, SQLite keeps -wal and -shm beside the file linked to
        for file, start, length in ((path, SHARED_FIRST, SHARED_SIZE), (Path(f"{path}-shm"), SHM_DMS_BYTE, 1)):
            try:
                fd = os.open(file, os.O_RDONLY)
            except FileNotFoundError:
                continue
            self._fds.append(fd)
            try:
                _read_lock(fd, start, length)
            except OSError as exc:  # a filesystem without OFD locks: SQLite's own locks only
                log.warning("cannot guard %s against other processes: %s", file, exc)

    def release_around(self, close_connection: Callable[[], None]) -> None:
        """Drop the database lock, close the connection, then drop the -shm lock: so a process that is
        really the last one checkpoints and removes -wal and -shm as usual."""
        fds, self._fds = self._fds, []
        for fd in fds[:1]:
            os.close(fd)
        try:
            close_connection()
        finally:
            for fd in fds[1:]:
                os.close(fd)
