"""A throwaway PostgreSQL server for tests and benchmarks: initdb in a temporary folder, started on
127.0.0.1 on a free port with trust authentication (and with `tls=True` a self-signed certificate), stopped and
deleted afterwards. It skips flushing to disk (fsync, synchronous commit, full page writes off), as tests may;
`durable=True` keeps PostgreSQL's defaults, for trials where the server is stopped `immediate` or killed.

The server binaries are found under /usr/lib/postgresql/*/bin (Debian's `postgresql` package; the newest
version wins), or in QA_PG_BIN, or on PATH. PostgreSQL refuses to run as root: as root, the server runs as
the `postgres` user the Debian package creates (or `nobody`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

USER = "qa"  # the server's superuser, who owns every database made here


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_binaries() -> Path:
    """The folder with initdb and pg_ctl."""
    candidates = [os.environ.get("QA_PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    candidates.append(str(Path(shutil.which("initdb") or "/nonexistent").parent))
    for folder in filter(None, candidates):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise PostgresMissing(
        "PostgreSQL server binaries not found (initdb, pg_ctl): install the Debian package "
        "'postgresql' (tools/system_deps.sh does) or set QA_PG_BIN to their folder"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayServer:
    """`with ThrowawayServer() as server:` a running server; `server.new_database()` is an empty database's URL."""

    def __init__(self, tls: bool = False, durable: bool = False) -> None:
        self.tls = tls
        self.durable = durable
        self.bin = server_binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="qa-postgres-"))
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:
            names = {entry.pw_name for entry in pwd.getpwall()}
            self.user = "postgres" if "postgres" in names else "nobody"
            shutil.chown(self.folder, self.user)
        self.url = f"postgresql://{USER}@127.0.0.1:{self.port}"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin / args[0]), *args[1:]], user=self.user, capture_output=True, text=True, cwd=self.folder
        )
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def __enter__(self) -> ThrowawayServer:
        data = str(self.folder / "data")
        self._run("initdb", "-D", data, "-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
        self._options = f"-h 127.0.0.1 -p {self.port} -k {self.folder}"
        if not self.durable:
            self._options += " -F -c synchronous_commit=off -c full_page_writes=off"
        self._options += " " + self._certificate() if self.tls else ""
        self.start()
        return self

    def start(self) -> None:
        """Start the server (it is started on entering; again after stop())."""
        self._pg_ctl("-o", self._options, "-l", str(self.folder / "server.log"), "start")

    def stop(self, mode: str = "fast", wait: bool = True) -> None:
        """Stop the server (`mode`: pg_ctl's smart, fast or immediate), ending every connection to it; without `wait`,
        return at once (a smart stop then lasts until the connections open end, refusing new ones meanwhile)."""
        self._pg_ctl("-m", mode, "stop", wait=wait)

    def _pg_ctl(self, *args: str, wait: bool = True) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-w" if wait else "-W", *args)

    def _certificate(self) -> str:
        """A self-signed certificate for 127.0.0.1 (openssl); the server options that turn TLS on with it."""
        cert, key = self.folder / "server.crt", self.folder / "server.key"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
            + ["-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )
        key.chmod(0o600)
        if self.user:
            shutil.chown(cert, self.user)
            shutil.chown(key, self.user)
        return f"-c ssl=on -c ssl_cert_file={cert} -c ssl_key_file={key}"

    def new_database(self, prefix: str = "qa", template: str | None = None) -> str:
        """The URL of a new database on this server: empty, or a copy of the database at URL `template` (which
        nobody may be connected to)."""
        copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{name}"{copy}')
        return f"{self.url}/{name}"

    def drop_database(self, url: str) -> None:
        """Delete the database at this URL, ending any connection to it."""
        self._sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as connection:
            connection.execute(statement)

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
