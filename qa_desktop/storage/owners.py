"""The process that owns a job ("pid@start time@machine": a pid alone can be reused, and a team's database is
shared by several machines), and whether it still runs where this process can tell."""

from __future__ import annotations

import hashlib
import os
import socket

import psutil


def this_process() -> str:
    """This process as a job owner."""
    return _owner(os.getpid())


def _owner(pid: int) -> str:
    return f"{pid}@{psutil.Process(pid).create_time():.2f}@{socket.gethostname()}"


def running_here(owner: str) -> bool:
    """Whether the process `owner` names still runs; one on another machine is taken to be."""
    pid, _, rest = owner.partition("@")
    host = rest.partition("@")[2]
    if host and host != socket.gethostname():
        return True
    try:
        return _owner(int(pid)).startswith(f"{pid}@{rest.partition('@')[0]}@")
    except (ValueError, psutil.Error):
        return False


def owner_key(owner: str) -> int:
    """A signed 64-bit number for `owner` (a PostgreSQL advisory lock's key)."""
    return int.from_bytes(hashlib.blake2b(owner.encode(), digest_size=8).digest(), "big", signed=True)
