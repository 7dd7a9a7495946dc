"""Several processes on one database file: nothing committed is lost, whatever a process does with the
file's name; writers wait their turn; a bad database file is one clear line, not a traceback."""

# SQLite only: several processes on one SQLite file (its locks, -wal and -shm); a server's concurrency is in
# team_database_test

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from peewee import OperationalError

from qa_desktop.cli.main import main
from qa_desktop.services.ingest import IngestListener, Ingestor
from qa_desktop.services.rescore import rescore_call
from qa_desktop.storage.database import DatabaseFileError, close_database, open_database
from qa_desktop.storage.database_errors import FULL
from qa_desktop.storage.migrations import LATEST
from qa_desktop.storage.models import Call, Job, Score, Team, database
from qa_desktop.storage.repository import current_score
from qa_desktop.storage.stored_redaction import redact_backups, remember_backups
from scoring.scorecard import default_scorecard_path, load_scorecard
from tests.support.demo import ROOT
from tests.support.stored_calls import SHORT_CHAT, shipped_scorecard, stored_conversation

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}

# Process A: opens the database, touches its files' names the way a file dialog and a hash do, then,
# once told to go on, writes from its main connection and from a new thread's connection.
PROCESS_A = """
import sys, threading
from PySide6.QtCore import QMimeDatabase
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import Team, database
from tests.support.demo import ROOT
path = sys.argv[1]
open_database(path)
Team.create(name="before")
for name in (path, path + "-wal", path + "-shm"):
    QMimeDatabase().mimeTypeForFile(name)
    open(name, "rb").close()
print("touched", flush=True)
sys.stdin.readline()
Team.create(name="after")
def in_thread():
    with database.connection_context():
        Team.create(name="after, in a thread")
thread = threading.Thread(target=in_thread)
thread.start()
thread.join()
close_database()
print("closed", flush=True)
"""


def _python(code: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_writes_survive_another_process_closing_after_a_foreign_open_and_close(tmp_path):
    path = str(tmp_path / "calls.sqlite3")
    a = subprocess.Popen(
        [sys.executable, "-c", PROCESS_A, path],
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert a.stdout.readline().strip() == "touched"
    b = _python(
        "import sys\nfrom qa_desktop.storage.database import close_database, open_database\n"
        "open_database(sys.argv[1]); close_database()",
        path,
    )
    assert b.returncode == 0, b.stderr
    out, err = a.communicate("go on\n", timeout=120)
    assert a.returncode == 0 and "closed" in out, err
    fresh = _python(
        "import sys\nfrom qa_desktop.storage.database import open_database\n"
        "from qa_desktop.storage.models import Team\nopen_database(sys.argv[1])\n"
        "print(sorted(t.name for t in Team.select()))",
        path,
    )
    assert fresh.stdout.strip() == "['after', 'after, in a thread', 'before']", fresh.stderr


# The guard holds the -shm's "dead man switch" where SQLite keeps the -shm: beside the file a link points to. While
# it is held, another process that opens the database finds the shared memory in use and does not rebuild it.
def test_a_database_opened_through_a_link_is_guarded_where_its_files_are(tmp_path):
    real = tmp_path / "calls.sqlite3"
    open_database(real)
    close_database()
    link = tmp_path / "link" / "calls.sqlite3"
    link.parent.mkdir()
    link.symlink_to(real)
    open_database(link)
    try:
        Team.create(name="written")
        open(f"{real}-shm", "rb").close()  # a foreign open and close: this process's own lock is gone
        assert _shared_memory_seen_by_another_process(f"{real}-shm") == "in use"
    finally:
        close_database()


def test_a_new_database_is_guarded_from_its_first_open(tmp_path):
    path = tmp_path / "calls.sqlite3"
    open_database(path)  # the file is made now: its -shm did not exist before the open
    try:
        Team.create(name="written")
        open(f"{path}-shm", "rb").close()
        assert _shared_memory_seen_by_another_process(f"{path}-shm") == "in use"
    finally:
        close_database()


def _shared_memory_seen_by_another_process(shm: str) -> str:
    """'in use' when another process cannot take the -shm's "dead man switch" (it would rebuild the shared
    memory under this one's feet), else 'free to rebuild'."""
    other = _python(
        "import fcntl, struct, sys\n"
        "from qa_desktop.storage.file_guard import SHM_DMS_BYTE\n"
        "with open(sys.argv[1], 'rb+') as shm:\n"
        "    try:\n"
        "        fcntl.fcntl(shm, fcntl.F_SETLK, struct.pack('hhqqi4x', fcntl.F_WRLCK, 0, SHM_DMS_BYTE, 1, 0))\n"
        "    except OSError:\n"
        "        print('in use')\n"
        "    else:\n"
        "        print('free to rebuild')",
        shm,
    )
    assert other.returncode == 0, other.stderr
    return other.stdout.strip()


def test_a_process_that_exits_without_closing_leaves_no_wal_behind(tmp_path):
    path = tmp_path / "calls.sqlite3"
    done = _python(
        """
        import sys
        from qa_desktop.storage.database import open_database
        from qa_desktop.storage.models import Team
        open_database(sys.argv[1])
        Team.create(name="written")
    """,
        str(path),
    )  # as the command line does: it exits with the database open
    assert done.returncode == 0, done.stderr
    assert not Path(f"{path}-wal").exists()  # checkpointed: a plain copy of the file is a whole backup


def test_two_writers_and_a_reader_lose_nothing_and_never_fail(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from soak_database import soak

    stored, lost, errors = soak(tmp_path / "soak.sqlite3", seconds=3)
    assert stored > 0 and lost == 0 and errors == []


WRITER = """
import sys, time
from qa_desktop.storage import people
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.models import Agent
open_database(sys.argv[1])
agent = Agent.create(name=sys.argv[2])
sys.stdin.readline()
done, errors, deadline = 0, [], time.monotonic() + 3
while time.monotonic() < deadline:
    try:
        people.move_agent(agent, f"Team {done % 5}", sys.argv[2])  # reads (the team), then writes
        done += 1
    except Exception as exc:
        errors.append(str(exc))
close_database()
print(done, len(errors), errors[:1])
"""


def test_writers_in_two_processes_wait_their_turn(tmp_path):
    path = str(tmp_path / "calls.sqlite3")
    open_database(path)
    close_database()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, path, name],
            env=ENV,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("Ana", "Bo")
    ]
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    outcomes = [writer.communicate(timeout=120)[0].split(maxsplit=2) for writer in writers]
    assert all(int(done) > 0 and errors == "0" for done, errors, _ in outcomes), outcomes


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    newer = tmp_path / "newer.sqlite3"
    open_database(newer)
    database.execute_sql(f"PRAGMA user_version = {LATEST + 1}")
    Team.create(name="padding " * 2000)
    close_database()
    truncated = tmp_path / "truncated.sqlite3"
    open_database(truncated)
    Team.insert_many([{"name": f"team {i} " * 50} for i in range(2000)]).execute()
    close_database()
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 3])
    text = tmp_path / "notes.txt"
    text.write_text("this is not a database\n" * 100)
    folder = tmp_path / "a folder"
    folder.mkdir()
    return {
        "newer": (newer, "newer than this qa-desktop"),
        "text": (text, "not a qa-desktop database"),
        "truncated": (truncated, "damaged or truncated"),
        "folder": (folder, "is a folder"),
    }


@pytest.mark.parametrize("kind", ["newer", "text", "truncated", "folder"])
def test_a_bad_database_file_is_one_line_naming_it_and_exit_code_2(tmp_path, capsys, kind):
    path, reason = _bad_files(tmp_path)[kind]
    with pytest.raises(DatabaseFileError, match=reason):
        open_database(path)
    for command in (["rescore", "--db", str(path)], ["retag", "--db", str(path)]):
        assert main(command) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and str(path) in err and reason in err, err


def _tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` (needs root to mount; skipped elsewhere)."""
    folder.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a small tmpfs here")
    yield folder
    close_database()
    subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs: too small for a new database."""
    yield from _tmpfs(tmp_path / "tiny", "64k")


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs: room for a database, until `_fill` fills it."""
    yield from _tmpfs(tmp_path / "small", "1m")


def _fill(folder: Path) -> None:
    """Write to a file in `folder` until its filesystem has no room left."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, bytes(512))
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_a_full_disk_is_reported_as_such(tiny_disk, capsys):
    path = tiny_disk / "calls.sqlite3"
    assert main(["rescore", "--db", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: database {path}: database or disk is full (free some space)"


@pytest.fixture
def old_file_disk(tmp_path):
    """A 192 KiB tmpfs holding a schema v9 file: room for it and its -shm, not for a backup of it."""
    for disk in _tmpfs(tmp_path / "old", "192k"):
        shutil.copy(Path(__file__).parent / "data" / "old_databases" / "v9.sqlite3", disk / "calls.sqlite3")
        yield disk


def test_an_old_database_without_room_for_its_backup_is_reported_as_full_and_left_as_it_was(old_file_disk, capsys):
    path = old_file_disk / "calls.sqlite3"
    assert main(["rescore", "--db", str(path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: database {path}: database or disk is full (free some space)"
    assert not (old_file_disk / "calls.sqlite3.v9.bak").exists()  # not left half-written
    with closing(sqlite3.connect(path)) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA user_version").fetchone() == (9,)


# A WAL database that was closed has no -shm: opening it again on a full disk, SQLite cannot make one and says
# "disk I/O error" (SQLITE_IOERR_SHMSIZE), in the app's database and in a backup being redacted alike.
def test_a_database_on_a_disk_that_filled_up_is_reported_as_full(small_disk, capsys):
    path = small_disk / "calls.sqlite3"
    open_database(path)
    database.obj.backup(small_disk / "calls.sqlite3.v12.bak")  # a backup in WAL mode, as migrations make them
    close_database()
    remember_backups(path)
    _fill(small_disk)
    assert main(["rescore", "--db", str(path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: database {path}: {FULL}"
    assert [p.reason for p in redact_backups(path)] == [FULL]


def _fill_up() -> None:
    """No room for one more page in the open file, as on a full disk."""
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages}")


def _free_space() -> None:
    database.execute_sql("PRAGMA max_page_count = 1073741823")


def _chats(folder: Path, count: int) -> list[Path]:
    files = [folder / f"chat{i}.csv" for i in range(count)]
    for i, path in enumerate(files):
        path.write_text(f'{SHORT_CHAT}Jordan,"Thanks, that is all ({i})."\n')
    return files


# A short call fills the file inside a savepoint nested in the call's transaction (the scorecard's first
# stored copy): SQLite rolls the whole transaction back, and the savepoint's own rollback must not then hide
# that error behind "no such savepoint".
def test_a_full_database_fails_that_file_with_its_reason_and_the_batch_goes_on(db, tmp_path):
    class FreeSpaceAfterFirst(IngestListener):
        def file_finished(self, result):
            _free_space()

    _fill_up()
    ingestor = Ingestor(None, shipped_scorecard(), agent_speakers=["Sam (Acme)"])
    results = ingestor.ingest(_chats(tmp_path, 2), FreeSpaceAfterFirst())
    assert [(r.status, r.message) for r in results][0] == ("failed", FULL)
    assert results[1].status == "imported"
    assert [(j.status, j.error) for j in Job.select().order_by(Job.id)] == [("failed", FULL), ("done", None)]
    assert Call.select().count() == Score.select().count() == 1


def test_a_full_database_refuses_a_rescore_with_its_reason_and_keeps_the_score(db, tmp_path):
    call = stored_conversation(_chats(tmp_path, 1)[0], shipped_scorecard())
    edited = tmp_path / "card.toml"
    edited.write_text(Path(default_scorecard_path()).read_text().replace('name = "Contact', 'name = "Edited', 1))
    scorecard = load_scorecard(edited)
    _fill_up()
    with pytest.raises(OperationalError, match="^database or disk is full$"):
        rescore_call(call, scorecard)
    assert current_score(call).scorecard.hash == shipped_scorecard().hash and Score.select().count() == 1
    _free_space()
    rescore_call(call, scorecard)  # the same connection, once there is room again
    assert current_score(call).scorecard.hash == scorecard.hash and Score.select().count() == 2
