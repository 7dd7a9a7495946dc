"""`qa-desktop db copy`: a workstation's database (the demo calls, scored, overridden, reviewed, coached)
moves into a team's PostgreSQL database with every id, audit entry and score as it was."""

# From a SQLite file into PostgreSQL by definition: it uses both stores

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa_desktop.cli.main import main
from qa_desktop.storage import library, pass_counts, repository
from qa_desktop.storage.call_metadata import CallMetadata
from qa_desktop.storage.database import close_database, open_database
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import ALL_MODELS, AuditEntry, Call, CoachingSession, CriterionResultRow, Team, database
from qa_desktop.storage.postgres_database import TeamDatabase
from qa_desktop.storage.review import override, set_reviewed
from qa_desktop.storage.sqlite_database import CallDatabase
from scoring.scorer import score_call
from tools.synthetic_library import fill

OLD_DATABASES = Path(__file__).parent / "data" / "old_databases"


def _everything(db) -> dict[str, list[tuple]]:
    """Every row of every table, in id order."""
    with db.bind_ctx(ALL_MODELS):
        return {m._meta.table_name: list(m.select().order_by(m.id).tuples()) for m in ALL_MODELS}


def _source_and_copy(path: Path, url: str) -> tuple[dict[str, list[tuple]], dict[str, list[tuple]]]:
    """Every row of the SQLite file and of the PostgreSQL database it was copied into."""
    source, target = CallDatabase(), TeamDatabase(url)
    source.init(str(path))
    try:
        return _everything(source), _everything(target)
    finally:
        source.close()
        target.close()


@pytest.fixture
def workstation(tmp_path, demo_analyses, scorecard):
    """A SQLite file with the demo calls scored, a call deleted (a gap in the ids), overrides, a reviewed call
    and a coaching session."""
    path = tmp_path / "workstation.sqlite3"
    open_database(path)
    for i, analysis in enumerate(demo_analyses.values()):
        repository.store_call(
            analysis,
            CallMetadata(agent=f"Agent {i % 2}", team="Billing"),
            0,
            scored=(scorecard, score_call(analysis.transcript, scorecard, analysis.voice)),
        )
    Call.get_by_id(2).delete_instance()
    result = CriterionResultRow.select().where(CriterionResultRow.criterion == "greeting").first()
    override(result, "fail" if result.effective == "pass" else "pass", "heard otherwise", "Dana QA")
    set_reviewed(Call.get_by_id(1), "Dana QA")
    CoachingSession.create(title="Greetings", agents=[1], criteria=["greeting"], coach="Sam")
    close_database()
    return path


@pytest.mark.model  # the demo library, transcribed
def test_copy_keeps_every_row_and_id_and_the_team_database_goes_on_from_there(workstation, postgres_url, capsys):
    assert main(["db", "copy", "--from", str(workstation), "--to", postgres_url]) == 0
    printed = capsys.readouterr().out
    expected, copied = _source_and_copy(workstation, postgres_url)
    assert copied == expected
    assert len(expected["call"]) == 4 and [row[0] for row in expected["call"]][:2] == [1, 3]
    assert len(expected["auditentry"]) == 2 and expected["criterionresult"]
    assert f"({len(expected['call'])} calls)" in printed
    open_database(postgres_url)  # the team's database, as the app opens it
    try:
        assert AuditEntry.select().count() == 2 and Call.get_by_id(1).reviewed_by == "Dana QA"
        word = repository.call_transcript(Call.get_by_id(3))[0].text.split()[-1]
        assert 3 in library.call_ids(LibraryFilter(search=word))  # the search index covers the copied calls
        assert Team.create(name="Sales").id == max(row[0] for row in expected["team"]) + 1
    finally:
        close_database()


@pytest.mark.model  # the demo library, transcribed
def test_copy_into_a_database_that_holds_data_is_refused_and_writes_nothing(workstation, postgres_url, capsys):
    open_database(postgres_url)
    Team.create(name="Already here")
    close_database()
    assert main(["db", "copy", "--from", str(workstation), "--to", postgres_url]) == 2
    assert "already holds data (1 team)" in capsys.readouterr().out
    open_database(postgres_url)
    try:
        assert Call.select().count() == 0 and [t.name for t in Team.select()] == ["Already here"]
    finally:
        close_database()


def _counts(db) -> tuple[list[tuple], list[tuple]]:
    """The dashboards' pass counts as kept, and as counted again from the results (nonzero keys, in key order)."""
    read = (
        f"SELECT agent_id, team_id, day, criterion, results, judged, passed FROM {pass_counts.TABLE} WHERE results <> 0"
    )
    order = " ORDER BY agent_id, team_id, day, criterion"
    kept = [(*row[:2], str(row[2]), *row[3:]) for row in db.execute_sql(read + order).fetchall()]
    with db.atomic() as recount:
        db.execute_sql(f"DELETE FROM {pass_counts.TABLE}")
        pass_counts.count_all(db)
        recounted = [(*row[:2], str(row[2]), *row[3:]) for row in db.execute_sql(read + order).fetchall()]
        recount.rollback()
    return kept, recounted


def test_copy_counts_the_pass_rates_as_the_workstation_has_them_and_goes_on_counting(tmp_path, postgres_url):
    from qa_desktop.services import review as review_service
    from qa_desktop.services.rescore import rescore_call
    from scoring.scorecard import default_scorecard_path, load_scorecard

    path = tmp_path / "workstation.sqlite3"
    open_database(path)
    fill(150, agents=5, with_results=True, with_words=True)
    for n, row in enumerate(CriterionResultRow.select().order_by(CriterionResultRow.id).limit(60)[::4]):
        review_service.override(row.score.call_id, row.criterion, ("fail", "pass", "na")[n % 3], "heard it", "Lead")
    for call in Call.select().order_by(Call.id).limit(3):  # a score no longer current: not counted
        rescore_call(call, load_scorecard(default_scorecard_path()))
    source, _ = _counts(database.obj)
    close_database()
    assert main(["db", "copy", "--from", str(path), "--to", postgres_url]) == 0
    open_database(postgres_url)
    try:
        assert _counts(database.obj) == (source, source)
        row = CriterionResultRow.select().order_by(CriterionResultRow.id.desc()).first()
        review_service.override(
            row.score.call_id, row.criterion, "fail", "heard it", "Lead"
        )  # counted as it is written
        kept, recounted = _counts(database.obj)
        assert kept == recounted != source
    finally:
        close_database()


def test_copy_by_a_role_that_does_not_own_the_tables_counts_the_pass_rates_row_by_row(tmp_path, postgres_url):
    import uuid

    import psycopg

    path = tmp_path / "workstation.sqlite3"
    open_database(path)
    fill(40, agents=3, with_results=True)
    source, _ = _counts(database.obj)
    close_database()
    open_database(postgres_url)  # migrated by its owner
    close_database()
    copier = f"copier_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {copier} LOGIN")
        owner.execute(f"GRANT ALL ON SCHEMA public TO {copier}")
        owner.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {copier}")
        owner.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {copier}")
    assert main(["db", "copy", "--from", str(path), "--to", postgres_url.replace("//qa@", f"//{copier}@")]) == 0
    open_database(postgres_url)
    try:
        assert _counts(database.obj) == (source, source)
    finally:
        close_database()


def test_copy_from_a_missing_file_or_to_a_file_is_one_line(tmp_path, postgres_url, capsys):
    assert main(["db", "copy", "--from", str(tmp_path / "none.sqlite3"), "--to", postgres_url]) == 2
    assert main(["db", "copy", "--from", str(tmp_path / "none.sqlite3"), "--to", str(tmp_path / "b.db")]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"error: {tmp_path / 'none.sqlite3'}: no such database file",
        f"error: --to must be a postgresql:// URL, not '{tmp_path / 'b.db'}'",
    ]


def test_copy_of_an_old_file_tells_of_a_backup_it_could_not_redact(tmp_path, postgres_url, capsys):
    old = tmp_path / "calls.sqlite3"
    shutil.copy(OLD_DATABASES / "v9.sqlite3", old)
    damaged = tmp_path / "calls.sqlite3.v6.bak"  # left by an older version's upgrade, cut short since
    damaged.write_bytes((OLD_DATABASES / "v6.sqlite3").read_bytes()[:4096])
    Path(f"{damaged}.unredacted").touch()
    assert main(["db", "copy", "--from", str(old), "--to", postgres_url]) == 0
    told = capsys.readouterr().err
    assert f"warning: removed the backup {damaged}: it is damaged" in told and not damaged.exists()


def test_card_data_in_the_source_never_reaches_the_team_database(tmp_path, postgres_url):
    """A synthetic library at today's schema, with card numbers and an SSN written into it by hand (as an older
    redactor or another tool could have left them): every other value arrives as SQLite holds it (dates, booleans,
    JSON), these redacted."""
    path = tmp_path / "workstation.sqlite3"
    open_database(path)
    fill(40, agents=3, with_results=True)
    database.execute_sql("UPDATE team SET name = 'Billing 4111 1111 1111 1111' WHERE name = 'Billing'")
    database.execute_sql("""UPDATE call SET metadata = json('{"note": "ssn 123-45-6789"}') WHERE id = 7""")
    database.execute_sql("UPDATE criterionresult SET override_comment = 'card 4111111111111111' WHERE id = 3")
    close_database()
    assert main(["db", "copy", "--from", str(path), "--to", postgres_url]) == 0
    expected, copied = _source_and_copy(path, postgres_url)
    text = repr(copied)
    assert not any(card in text for card in ("4111 1111 1111 1111", "4111111111111111", "123-45-6789"))
    assert "Billing [card number]" in text and "ssn [ssn]" in text and "card [card number]" in text
    assert {table: rows for table, rows in copied.items() if table not in ("team", "call", "criterionresult")} == {
        table: rows for table, rows in expected.items() if table not in ("team", "call", "criterionresult")
    }
    assert len(copied["call"]) == len(expected["call"]) == 40 and copied["call"][0] == expected["call"][0]
