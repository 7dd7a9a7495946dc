"""Team mode: a PostgreSQL database migrated from empty and upgraded like a SQLite file, searched with the same
syntax, and shared by several processes without lost updates (on both stores)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import peewee
import pytest

from qa_desktop.cli.main import main
from qa_desktop.services.rescore import rescore_all
from qa_desktop.services.trust.disputes import DisputeError, accept, raise_dispute, reject
from qa_desktop.storage import library, pass_counts
from qa_desktop.storage.database import (
    DatabaseFileError,
    close_database,
    describe_database_error,
    open_database,
    open_reader,
)
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.migrations import LATEST, migrate
from qa_desktop.storage.models import (
    ALL_MODELS,
    AuditEntry,
    Call,
    CriterionResultRow,
    Dispute,
    Score,
    UtteranceRow,
    database,
)
from qa_desktop.storage.postgres_database import DatabaseUrl, TeamDatabase, translate
from qa_desktop.storage.review import StaleReviewError, current_result, mark_checked, override, set_reviewed
from qa_desktop.storage.search import HIT_END, HIT_START
from tests.support.stored_calls import stored_call
from tools.synthetic_library import fill
from tools.throwaway_postgres import ThrowawayServer

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_fresh_postgres_database_is_migrated_from_empty_to_the_latest_version(postgres_url):
    assert open_database(postgres_url) == postgres_url
    try:
        assert database.schema_version() == LATEST
        assert set(database.get_tables()) == {m._meta.table_name for m in ALL_MODELS} | {"qa_schema", pass_counts.TABLE}
        assert {c.name: c.data_type for c in database.get_columns("score")}["overall"] == "double precision"
        indexes = {i.name: i.sql for i in database.get_indexes("utterance")}
        assert "USING gin (to_tsvector('qa_english'::regconfig, text))" in indexes["utterance_text_search"]
    finally:
        close_database()


def test_a_version_10_postgres_database_is_upgraded_keeping_its_calls(postgres_url):
    old = TeamDatabase(postgres_url)
    database.initialize(old)
    migrate(old, target=10)
    for table in ("call", "criterionresult"):  # what version 10 wrote: no revisions
        old.execute_sql(f"ALTER TABLE {table} DROP COLUMN revision")
    fill(3)
    old.close()
    open_database(postgres_url)
    try:
        assert database.schema_version() == LATEST
        assert [c.revision for c in Call.select()] == [0, 0, 0]
        assert (
            Call.create(
                path="/new.wav",
                sha256="n",
                duration_s=1,
                channels=1,
                sample_rate=8000,
                agent=Call.get().agent,
                model="m",
                device="cpu",
            ).id
            == 4
        )  # ids go on after the copy
    finally:
        close_database()


def test_two_processes_opening_a_new_postgres_database_migrate_it_once(postgres_url):
    code = """
        import sys
        from qa_desktop.storage.database import close_database, open_database
        from qa_desktop.storage.models import database
        open_database(sys.argv[1])
        print(database.schema_version())
        close_database()
    """
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), postgres_url],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [(p.returncode, out.strip()) for p, (out, _) in zip(procs, outputs)] == [(0, str(LATEST))] * 3, outputs


def test_a_server_that_refuses_is_one_line_naming_it_without_the_password(postgres_server):
    url = postgres_server.url.replace("qa@", "qa:secret@") + "/no_such_database"
    with pytest.raises(DatabaseFileError) as raised:
        open_database(url)
    message = str(raised.value)
    assert "no_such_database" in message and "secret" not in message and "\n" not in message
    assert DatabaseUrl(url).name == "no_such_database"


@pytest.mark.postgresql
def test_a_restarted_server_is_connected_to_again_and_keeps_what_was_committed():
    with ThrowawayServer() as server:
        url = server.new_database()
        open_database(url)
        try:
            fill(2)
            Call.update(reviewed=False).execute()
            for call in Call.select():  # each after a restart (its first statement outside a transaction)
                server.stop("fast")
                server.start()
                set_reviewed(call, "Lead A")
            assert Call.select().where(Call.reviewed).count() == 2
            with pytest.raises(peewee.OperationalError) as lost, database.atomic():  # lost mid-transaction
                Call.update(reviewed=False).execute()
                server.stop("fast")
            server.start()
            assert "lost the connection to the server" in str(describe_database_error(url, lost.value))
            assert Call.select().where(Call.reviewed).count() == 2  # none of that transaction, all before it
            open_reader(url)  # a reader's connection, read-only again once reconnected
            server.stop("fast")
            server.start()
            with pytest.raises(peewee.InternalError, match="read-only transaction"):
                Call.update(reviewed=False).execute()
        finally:
            close_database()


@pytest.mark.postgresql
def test_a_server_shutting_down_is_named_as_restarting_not_in_its_own_words():
    import psycopg

    with ThrowawayServer() as server:
        url = server.new_database()
        with psycopg.connect(url):  # a session still open: the smart stop waits for it, refusing new ones meanwhile
            server.stop("smart", wait=False)
            with pytest.raises(DatabaseFileError) as refused:
                open_database(url)
        while (server.folder / "data" / "postmaster.pid").exists():  # the session ended: the stop completes
            time.sleep(0.1)
        server.start()  # to be stopped on leaving
    # before: "connection failed: connection to server at "127.0.0.1", port ... failed: FATAL:  the database system ..."
    assert str(refused.value) == f"database {url}: the server is restarting or shutting down: try again in a moment"


@pytest.mark.postgresql
def test_the_app_names_the_team_database_whose_server_stopped_and_goes_on_once_it_is_back(qtbot):
    from qa_desktop.app.error_report import describe
    from qa_desktop.app.main_window import MainWindow

    with ThrowawayServer() as server:
        url = server.new_database()
        open_database(url)
        try:
            fill(2)
            first, second = [c.id for c in Call.select().order_by(Call.id)]
            window = MainWindow(DatabaseUrl(url))
            qtbot.addWidget(window)
            qtbot.wait(500)  # the window's start-up reads, with the server up
            server.stop()
            errors = []
            try:
                for action in (lambda: window.review.open_call(first), lambda: window.calls.reload(names=True)):
                    with pytest.raises(peewee.OperationalError) as stopped:
                        action()  # on the UI thread: the error dialog shows describe()'s line
                    errors.append(describe(stopped.value))
            finally:
                server.start()
            reason = "cannot reach the server (it is stopped, or the network is down)"
            assert errors == [f"database {url}: {reason}"] * 2, errors
            window.review.open_call(second)  # the next action after the server is back works
            assert window.review.call.id == second
        finally:
            close_database()


@pytest.mark.postgresql
def test_a_call_chosen_while_the_server_is_stopped_shows_no_call_and_opens_when_chosen_again(qtbot):
    """Before: the library selected the chosen row while the review went on showing the call open before, with
    its Mark reviewed button live; and a click on the selected row after the restart did nothing."""
    from PySide6.QtWidgets import QApplication

    from qa_desktop.app.main_window import MainWindow
    from qa_desktop.app.review_view import NOT_OPENED

    with ThrowawayServer() as server:
        url = server.new_database()
        open_database(url)
        try:
            fill(2)
            window = MainWindow(DatabaseUrl(url))
            qtbot.addWidget(window)
            qtbot.waitUntil(lambda: window.calls.rowCount() == 2)
            QApplication.processEvents()  # the start-up's queued reads (the retention check), with the server up
            window.select_row(0)
            first = window.review.call.id
            server.stop()
            try:
                with qtbot.capture_exceptions() as raised:
                    window.select_row(1)  # on the UI thread: the error dialog says the server cannot be reached
            finally:
                server.start()
            assert [type(e[1]) for e in raised] == [peewee.OperationalError]
            assert window.review.call is None and not window.review.isEnabled()
            assert window.review.title.text() == NOT_OPENED
            assert not window.table.selectionModel().selectedRows()  # so that a click on the row opens it again
            window.select_row(1)
            assert window.review.call is not None and window.review.call.id != first
        finally:
            close_database()


def _uses_tls() -> bool:
    return database.execute_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0]


def test_the_url_s_sslmode_decides_whether_the_connection_uses_tls(postgres_server, capsys):
    with ThrowawayServer(tls=True) as secure:
        url = secure.new_database()
        open_database(f"{url}?sslmode=require")
        assert _uses_tls()
        open_database(f"{url}?sslmode=disable")
        assert not _uses_tls()
        close_database()
    plain = postgres_server.new_database()  # a server without TLS: asked for, it is one line naming the database
    with pytest.raises(DatabaseFileError, match="server does not support SSL, but SSL was required") as refused:
        open_database(f"{plain}?sslmode=require")
    assert "\n" not in str(refused.value) and plain.rsplit("/", 1)[1] in str(refused.value)
    assert main(["users", "list", "--db", f"{plain}?sslmode=verify-full"]) == 2
    assert capsys.readouterr().err.startswith(f"error: database {plain}?sslmode=verify-full: connection failed")


def test_queries_keep_literal_percent_signs_and_question_marks_in_strings():
    assert (
        translate("SELECT '100%?' , x FROM t WHERE a LIKE ? AND b = ?")
        == "SELECT '100%%?' , x FROM t WHERE a LIKE %s AND b = %s"
    )


@pytest.mark.both_stores
def test_search_finds_stems_prefixes_and_words_anywhere_in_the_call(db):
    fill(1)
    call_id = Call.get().id
    UtteranceRow.update(text="The cards were declined twice").where(UtteranceRow.position == 0).execute()
    UtteranceRow.update(text="I want my [card number] refunds back").where(UtteranceRow.position == 1).execute()
    for typed in ("card", "card*", "refund", "declining", "twice refund", "the", "cards declined"):
        assert library.call_ids(LibraryFilter(search=typed)) == [call_id], typed
    for typed in ("carp*", "refund chargeback", "xyzzy"):
        assert library.call_ids(LibraryFilter(search=typed)) == [], typed
    hit = library.rows([call_id], "refund")[0].hit
    assert f"{HIT_START}refunds{HIT_END}" in hit and hit.count(HIT_START) == 1
    assert "[card number]" in hit  # a redacted card number is no match (the brackets marked matches: it was one)


@pytest.mark.both_stores
def test_a_review_changed_by_two_leads_at_once_tells_the_second(db):
    fill(1, with_results=True)
    first = CriterionResultRow.get(CriterionResultRow.criterion == "greeting")
    second = CriterionResultRow.get_by_id(first.id)  # the other lead's view, read at the same time
    new = "fail" if first.effective == "pass" else "pass"
    override(first, new, "heard no greeting", "Lead A")
    call = Call.get()
    shown = f"the call '{call.agent.name}, {call.call_time:%Y-%m-%d %H:%M}'"  # as the library lists it, not its id
    with pytest.raises(StaleReviewError) as refused:
        override(second, "na", "not applicable", "Lead B")
    said = rf"criterion 'Greeting' of {shown} was changed by Lead A \(override at \d\d:\d\d\) since you opened it"
    assert re.match(said, str(refused.value)), refused.value  # its scorecard name, not 'greeting' of call 1
    with pytest.raises(StaleReviewError):
        mark_checked(second, "Lead B", "confirmed")
    stored = CriterionResultRow.get_by_id(first.id)
    assert (stored.override, stored.override_by, stored.checked) == (new, "Lead A", None)
    assert [(e.actor, e.action) for e in AuditEntry.select()] == [("Lead A", "override")]
    mark_checked(second, "Lead B", "evidence")  # having played the evidence is true whatever changed
    assert CriterionResultRow.get_by_id(first.id).checked == "evidence"
    call, stale = Call.get(), Call.get()
    set_reviewed(call, "Lead A")
    with pytest.raises(StaleReviewError, match=f"^{shown} was changed by Lead A"):
        set_reviewed(stale, "Lead B", False)
    assert Call.get().reviewed_by == "Lead A"


@pytest.mark.both_stores
def test_another_process_changing_a_criterion_refuses_this_process_s_stale_override(db):
    fill(1, with_results=True)
    mine = CriterionResultRow.get(CriterionResultRow.criterion == "closing")
    other = _python(
        """
        import sys
        from qa_desktop.storage.database import close_database, open_database
        from qa_desktop.storage.models import CriterionResultRow
        from qa_desktop.storage.review import override
        open_database(sys.argv[1])
        override(CriterionResultRow.get_by_id(int(sys.argv[2])), "na", "no closing needed", "Lead A")
        close_database()
    """,
        db,
        mine.id,
    )
    assert other.returncode == 0, other.stderr
    with pytest.raises(StaleReviewError, match="Lead A"):
        override(mine, "pass", "closed fine", "Lead B")
    assert CriterionResultRow.get_by_id(mine.id).override == "na"


@pytest.mark.both_stores
def test_a_dispute_settled_by_another_lead_meanwhile_is_not_settled_again(db):
    call = stored_call(
        "Ben", "Support", "2026-03-02 09:00", 300, (50, 50, 50), False, {"closing": ("fail", None)}, ["hello"]
    )
    dispute = raise_dispute(current_result(call.id, "closing"), "Ben", "I said goodbye", "Rita")
    stale = [Dispute.get_by_id(dispute.id) for _ in range(2)]  # lead B's view, read before lead A settles it
    other = _python(
        """
        import sys
        from qa_desktop.services.trust.disputes import accept
        from qa_desktop.storage.database import close_database, open_database
        from qa_desktop.storage.models import Dispute
        open_database(sys.argv[1])
        accept(Dispute.get_by_id(int(sys.argv[2])), "Lead A", "heard the goodbye")
        close_database()
    """,
        db,
        dispute.id,
    )
    assert other.returncode == 0, other.stderr
    settled = (
        r"the dispute on criterion 'Closing' of the call 'Ben, 2026-03-02 09:00' was accepted by Lead A at \d\d:\d\d "
        "since you opened it; nothing was saved"
    )
    with pytest.raises(DisputeError, match=settled):
        reject(stale[0], "Lead B", "no goodbye heard")
    stale[1].status = "open"  # as read; the check on the stored row refuses it all the same
    with pytest.raises(DisputeError, match=settled):
        accept(stale[1], "Lead B", "fine")
    stored = Dispute.get_by_id(dispute.id)
    assert (stored.status, stored.resolved_by, stored.resolution) == ("accepted", "Lead A", "heard the goodbye")
    assert current_result(call.id, "closing").override_by == "Lead A"
    actions = [(e.actor, e.action) for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions == [("Rita", "dispute raised"), ("Lead A", "override"), ("Lead A", "dispute accepted")]


def test_a_rescore_stores_on_postgresql_exactly_what_it_stores_on_sqlite(tmp_path, postgres_url, scorecard):
    stored = []
    for location in (tmp_path / "calls.sqlite3", postgres_url):
        open_database(location)
        try:
            fill(200, with_words=True)
            assert rescore_all(scorecard) == 200  # bulk inserts: lastrowid on SQLite, RETURNING on PostgreSQL
            scores = [f for f in Score._meta.sorted_fields if f.name != "created_at"]
            stored.append(
                (
                    list(Score.select(*scores).order_by(Score.id).tuples()),
                    list(CriterionResultRow.select().order_by(CriterionResultRow.id).tuples()),
                )
            )
        finally:
            close_database()
    assert len(stored[0][0]) == 400 and stored[0][1]
    for sqlite_rows, postgres_rows in zip(*stored):
        for a, b in zip(sqlite_rows, postgres_rows):
            assert a == b


def test_the_app_opens_the_team_database_its_settings_name_without_showing_the_password(qtbot, postgres_server):
    from qa_desktop.app.database_dialog import open_or_choose
    from qa_desktop.app.main_window import MainWindow
    from qa_desktop.services.settings import Settings
    from qa_desktop.storage.credentials import password_file

    url = postgres_server.new_database("team")
    with pytest.raises(ValueError, match="holds a password"):  # never kept in the settings in clear
        Settings().set("database", url.replace("qa@", "qa:secret@"))
    secret = password_file()  # the password comes from the 0600 file (trust: any password will do)
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("secret\n")
    secret.chmod(0o600)
    Settings().set("database", url)
    opened = open_or_choose(Settings().get("database"))
    try:
        fill(3)
        window = MainWindow(opened, Settings())
        qtbot.addWidget(window)
        assert window.windowTitle().endswith(opened.name) and opened.name.startswith("team_")
        assert "3 calls · database postgresql://qa@127.0.0.1" in window.count.text()
        assert "secret" not in window.count.text()
    finally:
        close_database()


def test_the_command_line_ingests_into_and_reports_from_the_team_database(postgres_url, tmp_path, capsys):

    chat = ROOT / "resources" / "demo_calls" / "2026-11-07T13-30_priya-shah_support_NW-1006.csv"
    assert main(["ingest", str(chat), "--db", postgres_url, "--agent-speaker", "Sam (Acme)"]) == 0
    assert main(["ingest", str(chat), "--db", postgres_url, "--agent-speaker", "Sam (Acme)"]) == 0  # a duplicate
    assert main(["report", "--out", str(tmp_path / "report"), "--db", postgres_url]) == 0
    open_database(postgres_url)
    try:
        assert Call.select().count() == 1 and Call.get().medium == "text"
    finally:
        close_database()
    assert (tmp_path / "report").is_dir() and any((tmp_path / "report").iterdir())


@pytest.mark.both_stores
def test_a_job_running_on_another_workstation_is_not_taken_for_an_orphan(db):
    import socket

    import psycopg

    from qa_desktop.storage.models import Job
    from qa_desktop.storage.owners import owner_key
    from qa_desktop.storage.repository import interrupt_orphaned_jobs, this_process

    on_server = isinstance(database.obj, TeamDatabase)
    elsewhere = Job.create(path="/a.wav", status="running", owner="4242@1700000000.00@another-workstation")
    gone = Job.create(path="/e.wav", status="running", owner="4343@1700000000.00@another-workstation")
    dead_here = Job.create(path="/b.wav", status="running", owner=f"999999@1.00@{socket.gethostname()}")
    old_style = Job.create(path="/c.wav", status="running", owner="999999@1.00")  # before hosts were recorded
    mine = Job.create(path="/d.wav", status="running", owner=this_process())
    with contextlib.ExitStack() as other_machine:
        if on_server:  # the other workstation's process, connected: its connection holds its lock, as ours do
            connection = other_machine.enter_context(psycopg.connect(database.obj.database, autocommit=True))
            connection.execute("SELECT pg_advisory_lock_shared(%s)", [owner_key(elsewhere.owner)])
        assert interrupt_orphaned_jobs() == (3 if on_server else 2)
    assert [Job.get_by_id(j.id).status for j in (elsewhere, gone, dead_here, old_style, mine)] == [
        "running",
        "interrupted" if on_server else "running",  # a team's server knows it is not connected; a file cannot
        "interrupted",
        "interrupted",
        "running",
    ]


# An import with one file in flight: its job started, the file not yet stored, until told to go on.
IMPORTING = """
import sys
from qa_desktop.storage.database import open_database
from qa_desktop.storage.repository import start_job
open_database(sys.argv[1])
start_job(sys.argv[2])
print("started", flush=True)
sys.stdin.readline()
"""


@pytest.mark.postgresql
def test_a_job_whose_import_lost_the_server_ends_interrupted_and_importing_again_finishes_it(tmp_path, capsys):
    from qa_desktop.storage.models import Job
    from qa_desktop.storage.repository import interrupt_orphaned_jobs

    chat = tmp_path / "chat.csv"
    chat.write_text("speaker,text\nagent,Hello, thanks for calling.\ncustomer,My bill is wrong.\n")
    with ThrowawayServer() as server:
        url = server.new_database()
        importing = subprocess.Popen(
            [sys.executable, "-c", IMPORTING, url, str(chat)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            assert importing.stdout is not None and importing.stdout.readline() == "started\n"
            open_database(url)
            assert interrupt_orphaned_jobs() == 0 and Job.get().status == "running"  # its import is connected
            close_database()
            server.stop("fast")  # an outage: the import lives on, its connection is gone
            server.start()
            open_database(url)
            job = Job.get()
            assert job.status == "interrupted" and "lost its connection" in job.error  # was 'running' for good
            close_database()
            assert main(["ingest", "--db", url, str(chat)]) == 0
            assert "resuming 1 file an earlier import left unfinished" in capsys.readouterr().err
            open_database(url)
            assert [(j.status, j.call_id is not None) for j in Job.select()] == [("done", True)]  # resumed, not a twin
        finally:
            importing.kill()
            importing.wait()
            close_database()


# An import with two files in flight when the server goes: one goes on, the other's end cannot be written meanwhile.
LOSING_THE_SERVER = """
import sys
from peewee import DatabaseError
from qa_desktop.storage.database import open_database
from qa_desktop.storage.models import Call
from qa_desktop.storage.repository import finish_job, start_job
open_database(sys.argv[1])
going_on, cut_off = start_job(sys.argv[2]), start_job(sys.argv[3])
print("started", flush=True)
sys.stdin.readline()
try:
    finish_job(cut_off, "failed", error="the server stopped")
except DatabaseError:
    print("lost", flush=True)
sys.stdin.readline()
print(Call.select().count(), flush=True)  # its next statement connects again
sys.stdin.readline()
finish_job(going_on, "done")
print("done", flush=True)
sys.stdin.readline()
"""


@pytest.mark.postgresql
def test_a_process_that_connects_again_ends_its_own_lost_job_and_no_other_process_s():
    import psycopg

    from qa_desktop.storage.models import Job
    from qa_desktop.storage.owners import owner_key

    other = "4242@1700000000.00@another-workstation"
    with ThrowawayServer() as server:
        url = server.new_database()
        open_database(url)
        Job.create(path="/other.wav", status="running", owner=other)
        close_database()

        def workstation() -> psycopg.Connection:  # the other process, connected (again)
            connection = psycopg.connect(url, autocommit=True)
            connection.execute("SELECT pg_advisory_lock_shared(%s)", [owner_key(other)])
            return connection

        before = workstation()
        importing = subprocess.Popen(
            [sys.executable, "-c", LOSING_THE_SERVER, url, "/going-on.wav", "/cut-off.wav"],
            env=ENV,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert importing.stdin is not None and importing.stdout is not None

        def step() -> str:
            importing.stdin.write("\n")
            importing.stdin.flush()
            return importing.stdout.readline()

        def jobs(connection: psycopg.Connection) -> dict[str, str]:
            return dict(connection.execute("SELECT path, status FROM job").fetchall())

        try:
            assert importing.stdout.readline() == "started\n"
            server.stop("fast")
            before.close()
            assert step() == "lost\n"
            server.start()
            with workstation() as connection:
                assert step() == "0\n"  # no other qa-desktop has opened the database since
                assert jobs(connection) == {
                    "/other.wav": "running",  # another live process's: not this process's to end
                    "/going-on.wav": "running",  # still being imported
                    "/cut-off.wav": "interrupted",  # was 'running' while the process lived
                }
                assert step() == "done\n"
                assert jobs(connection)["/going-on.wav"] == "done"
        finally:
            importing.kill()
            importing.wait()


# A qa-desktop from before the owners' locks, importing: its connection holds no lock, its job names its process.
OLDER_IMPORT = """
import sys
import psycopg
from qa_desktop.storage.owners import this_process
with psycopg.connect(sys.argv[1], autocommit=True) as connection:
    connection.execute(
        "INSERT INTO job (path, status, options, owner, created_at, updated_at) "
        "VALUES ('/older.wav', 'running', '{}', %s, now(), now())",
        [this_process()],
    )
    print("started", flush=True)
    sys.stdin.readline()
"""


@pytest.mark.postgresql
def test_an_older_version_s_import_is_not_taken_for_ended_while_it_is_connected(postgres_url):
    import uuid

    import psycopg

    from qa_desktop.storage.models import Job

    open_database(postgres_url)
    close_database()
    lead = f"lead_{uuid.uuid4().hex[:8]}"  # the newer qa-desktop's user: another role than the older one's
    with psycopg.connect(postgres_url, autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {lead} LOGIN")
        owner.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {lead}")
        owner.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {lead}")
    as_lead = postgres_url.replace("//qa@", f"//{lead}@")  # to whom pg_stat_activity hides the older's backend type
    older = subprocess.Popen(
        [sys.executable, "-c", OLDER_IMPORT, postgres_url],
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert older.stdout is not None and older.stdout.readline() == "started\n"
        open_database(as_lead)
        assert Job.get().status == "running"  # was 'interrupted': then imported again by whoever resumed it
        close_database()
        older.communicate("\n", timeout=60)  # it ends without ending its job (killed, say)
        with psycopg.connect(postgres_url, autocommit=True, application_name="psql"):  # a tool that names itself
            open_database(as_lead)
            assert Job.get().status == "interrupted"  # was 'running' while any psql session was open
    finally:
        older.kill()
        older.wait()
        close_database()


@pytest.mark.both_stores
def test_two_leads_overriding_two_criteria_of_one_call_at_once_both_count_in_its_score(db):
    fill(1, with_results=True)
    greeting, closing = (CriterionResultRow.get(CriterionResultRow.criterion == c) for c in ("greeting", "closing"))
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
        import sys
        from qa_desktop.storage.database import close_database, open_database
        from qa_desktop.storage.models import CriterionResultRow
        from qa_desktop.storage.review import override
        open_database(sys.argv[1])
        row = CriterionResultRow.get_by_id(int(sys.argv[2]))
        print("ready", flush=True)
        sys.stdin.readline()
        override(row, "fail", "no closing", "Lead B")  # waits for lead A's transaction
        close_database()
    """),
            str(db),
            str(closing.id),
        ],
        env=ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout.readline().strip() == "ready"
    with database.atomic():
        override(greeting, "fail", "no greeting", "Lead A")
        other.stdin.write("go\n")
        other.stdin.flush()
        time.sleep(2)  # lead B's override is under way meanwhile
    assert other.wait(timeout=60) == 0
    assert set(Score.get().failed.split()) >= {"greeting", "closing"}
