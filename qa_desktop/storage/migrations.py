"""Schema versions and the migrations between them, the same on both stores: kept in SQLite's
`user_version`, or PostgreSQL's table `qa_schema` (see the database classes).

Add a migration by appending `(version, function)` to MIGRATIONS; each runs once, in a transaction that
other processes opening the database wait for (on SQLite with foreign keys off, so that a table rebuild
cannot cascade deletes). A function may return a warning, logged once its transaction committed.
A fresh database runs them all, from empty to LATEST.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from peewee import (
    SQL,
    BooleanField,
    CharField,
    Database,
    DateTimeField,
    FieldDatabaseHook,
    IntegerField,
    JSONField,
    TextField,
)
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as apply

from qa_desktop.storage import pass_counts
from qa_desktop.storage.drivers import default_drivers, retag_all
from qa_desktop.storage.models import (
    ALL_MODELS,
    V1_MODELS,
    AuditEntry,
    CalibrationAnswer,
    CalibrationCall,
    CalibrationSession,
    CalibrationSubmission,
    CallDriver,
    CoachingClip,
    CoachingSession,
    CriterionResultRow,
    Dispute,
    ReferenceVerdict,
    RetentionRule,
    Score,
    ScorecardRow,
    User,
    database,
)
from qa_desktop.storage.recordings import absolute_recording
from qa_desktop.storage.stored_redaction import (
    BackupProblem,
    optimize_search_index,
    redact_backups,
    redact_stored,
    remember_backups,
)
from qa_desktop.storage.upgrade_backup import back_up, upgrade_ended

log = logging.getLogger(__name__)
# A migration's warning (a log message and its arguments), logged once its transaction committed.
StepWarning = tuple[str, tuple[int, ...]]


class SchemaTooNewError(Exception):
    """The database was written by a newer qa-desktop."""


def _initial_schema(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables(V1_MODELS)


def _add_missing(db: Database, migrator: SchemaMigrator, table: str, fields: dict) -> None:
    """Add the columns a table lacks (a fresh database already has them from its model)."""
    present = {column.name for column in db.get_columns(table)}
    for field in fields.values():
        if isinstance(field, FieldDatabaseHook):  # JSON is stored as this database stores it
            field._db_hook(db)
    apply(*[migrator.add_column(table, name, field) for name, field in fields.items() if name not in present])


def _scores(db: Database, migrator: SchemaMigrator) -> None:
    """v2: scorecards, scores and criterion results; the agent's voice features on each call."""
    _add_missing(db, migrator, "call", {"voice": JSONField(default=dict)})
    db.create_tables([ScorecardRow, Score, CriterionResultRow])


def _review(db: Database, migrator: SchemaMigrator) -> None:
    """v3: reviewed calls, overrides kept beside automatic results, the audit log, full-text search."""
    _add_missing(
        db,
        migrator,
        "call",
        {
            "reviewed": BooleanField(default=False),
            "reviewed_by": CharField(null=True),
            "reviewed_at": DateTimeField(null=True),
        },
    )
    _add_missing(db, migrator, "score", {"failed": TextField(default="")})
    _add_missing(db, migrator, "job", {"options": JSONField(default=dict)})
    _add_missing(
        db,
        migrator,
        "criterionresult",
        {
            "override": CharField(max_length=4, null=True),
            "override_by": CharField(null=True),
            "override_comment": TextField(null=True),
        },
    )
    db.execute_sql("CREATE INDEX IF NOT EXISTS call_reviewed ON call (reviewed)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS score_call_current ON score (call_id, current)")
    failed = db.dialect.joined("criterion", " ")
    db.execute_sql(
        f"UPDATE score SET failed = COALESCE((SELECT {failed} FROM criterionresult "
        "WHERE criterionresult.score_id = score.id AND result = 'fail'), '')"
    )
    db.create_tables([AuditEntry])
    db.search.create(db)  # follows the utterance table, whatever changes it (a store, a deleted call's cascade)


def _coaching(db: Database, migrator: SchemaMigrator) -> None:
    """v4: coaching sessions and their clips."""
    db.create_tables([CoachingSession, CoachingClip])


def _drivers(db: Database, migrator: SchemaMigrator) -> None:
    """v5: call drivers per call, tagged from the stored transcripts with the drivers that ship."""
    db.create_tables([CallDriver])
    retag_all(default_drivers(), skip_deleted=False)  # no call is deleted before v12


def _trust(db: Database, migrator: SchemaMigrator) -> None:
    """v6: calibration sessions, expert reference verdicts, disputes, results marked for review."""
    _add_missing(db, migrator, "criterionresult", {"needs_review": BooleanField(default=False)})
    db.create_tables(
        [CalibrationSession, CalibrationCall, CalibrationAnswer, CalibrationSubmission, ReferenceVerdict, Dispute]
    )


def _text_conversations(db: Database, migrator: SchemaMigrator) -> None:
    """v7: text conversations (chats, emails, tickets) beside recordings, and whether their times are real."""
    _add_missing(
        db,
        migrator,
        "call",
        {
            "medium": CharField(max_length=8, default="audio", constraints=[SQL("DEFAULT 'audio'")]),
            "timed": BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")]),
        },
    )
    db.execute_sql("CREATE INDEX IF NOT EXISTS call_medium ON call (medium)")


def _job_owner(db: Database, migrator: SchemaMigrator) -> None:
    """v8: the process that queued or runs a job, so another process can tell a live job from a crashed one."""
    _add_missing(db, migrator, "job", {"owner": CharField(null=True)})


def _inputs(db: Database, migrator: SchemaMigrator) -> None:
    """v9: why a call is not scored (too short); recordings stored under a relative path get the absolute
    path of the same content where it is found from the current folder (else they stay, for Locate…)."""
    _add_missing(db, migrator, "call", {"unscored": TextField(null=True)})
    for call_id, stored, sha256 in db.execute_sql("SELECT id, path, sha256 FROM call").fetchall():
        found = absolute_recording(stored, sha256)
        if found is not None and found != stored:
            db.execute_sql("UPDATE call SET path = ? WHERE id = ?", (found, call_id))


def _checked_criteria(db: Database, migrator: SchemaMigrator) -> None:
    """v10: which criteria a reviewer looked at (played their evidence or confirmed them), so a reviewed call
    confirms only those in the agreement lab."""
    _add_missing(
        db,
        migrator,
        "criterionresult",
        {"checked": CharField(max_length=9, null=True), "checked_by": CharField(null=True)},
    )


def _revisions(db: Database, migrator: SchemaMigrator) -> None:
    """v11: a revision number on calls and criterion results, raised by every review change, so a change made
    from a stale view (another lead changed it meanwhile) is refused instead of overwriting theirs."""
    for table in ("call", "criterionresult"):
        _add_missing(db, migrator, table, {"revision": IntegerField(default=0, constraints=[SQL("DEFAULT 0")])})


def _accounts(db: Database, migrator: SchemaMigrator) -> None:
    """v12: users with roles and password hashes, retention rules, calls assigned to an evaluator, and when the
    retention policy deleted a call's recording or transcript."""
    db.create_tables([User, RetentionRule])
    _add_missing(
        db,
        migrator,
        "call",
        {
            "assigned_to": CharField(null=True),
            "recording_deleted_at": DateTimeField(null=True),
            "transcript_deleted_at": DateTimeField(null=True),
        },
    )
    db.execute_sql("CREATE INDEX IF NOT EXISTS call_assigned_to ON call (assigned_to)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS call_transcript_deleted_at ON call (transcript_deleted_at)")


def _redact_again(db: Database, migrator: SchemaMigrator) -> StepWarning | None:
    """Stored transcripts, text people typed and names redacted by today's redactor, with the search index and the
    evidence scores quote. v13: older redactors let card numbers read in some ways, split across turns or as digit
    words through; v15: numbers glued to letters ("card:4111...") went through, and names and ids (agents, teams,
    call ids, people, titles, job errors) were stored as given; v17: SSNs said or written 3-2-4 without a cue
    ("it's 123 45 6789", "one two three, four five, ...") went through; v19: an SSN after "social" said alone
    ("social is 123456789", "social ending in 6789"), and in file names one written 123 45 6789, 123_45_6789 or
    123.45.6789, or as 9 digits in a name that says ssn or social, went through; v21: 9 digits after "social" said
    with fillers or in other groups ("social is uh one two three uh four five six...", "social is 123 456 789"), and
    an SSN named through another word's cue ("the social on the account is 123456789")."""
    db.owe_freed_space()  # cleared after the commit (AFTER_COMMIT), on a later open if killed before
    done = redact_stored(db)
    if done.utterances:
        optimize_search_index(db)
    if not (done.utterances or done.typed):
        return None
    return (
        "redacted card data stored in clear: %d utterances in %d calls, %d criterion results, %d comments or notes",
        (done.utterances, len(done.texts), done.results, done.typed),
    )


def _session_revisions(db: Database, migrator: SchemaMigrator) -> None:
    """v14: a revision number on coaching sessions, raised by every change to their texts or status, so a change
    made from a stale view (another coach changed the session meanwhile) is refused instead of overwriting theirs."""
    _add_missing(db, migrator, "coachingsession", {"revision": IntegerField(default=0, constraints=[SQL("DEFAULT 0")])})


def _clip_revisions(db: Database, migrator: SchemaMigrator) -> None:
    """v16: a revision number on coaching clips, raised by a change to a clip's note or its removal, so that a note
    saved from a stale view (another coach changed it meanwhile) is refused instead of overwriting theirs."""
    _add_missing(db, migrator, "coachingclip", {"revision": IntegerField(default=0, constraints=[SQL("DEFAULT 0")])})


def _clip_positions(db: Database, migrator: SchemaMigrator) -> None:
    """v18: a clip's position is unique in its session (two coaches adding a clip at once could get the same one,
    and the order fell back to the clips' ids): a session's shared positions are renumbered in that order."""
    rows = db.execute_sql("SELECT id, session_id, position FROM coachingclip ORDER BY session_id, position, id")
    by_session: dict[int, list[tuple[int, int]]] = {}
    for clip_id, session_id, position in rows.fetchall():
        by_session.setdefault(session_id, []).append((clip_id, position))
    for clips in by_session.values():
        if len({position for _, position in clips}) < len(clips):
            for number, (clip_id, _) in enumerate(clips):
                db.execute_sql("UPDATE coachingclip SET position = ? WHERE id = ?", (number, clip_id))
    db.execute_sql(
        "CREATE UNIQUE INDEX IF NOT EXISTS coachingclip_session_id_position ON coachingclip (session_id, position)"
    )


def _verdict_index(db: Database, migrator: SchemaMigrator) -> None:
    """v20: the criterion results of a score, with their verdicts, read from an index alone (the dashboards' pass
    rates and the agreement lab read 12 a call, where the rows also hold the evidence), and the tables' statistics
    gathered, so that SQLite's planner starts from the calls in scope instead of scanning every result."""
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS criterionresult_score_verdicts "
        "ON criterionresult (score_id, criterion, result, override)"
    )
    db.execute_sql("ANALYZE")


def _pass_counts(db: Database, migrator: SchemaMigrator) -> None:
    """v22: the dashboards' pass rates counted as verdicts are written (`pass_counts`)."""
    pass_counts.create(db)


Step = Callable[[Database, SchemaMigrator], StepWarning | None]
MIGRATIONS: list[tuple[int, Step]] = [
    (1, _initial_schema),
    (2, _scores),
    (3, _review),
    (4, _coaching),
    (5, _drivers),
    (6, _trust),
    (7, _text_conversations),
    (8, _job_owner),
    (9, _inputs),
    (10, _checked_criteria),
    (11, _revisions),
    (12, _accounts),
    (13, _redact_again),
    (14, _session_revisions),
    (15, _redact_again),
    (16, _clip_revisions),
    (17, _redact_again),
    (18, _clip_positions),
    (19, _redact_again),
    (20, _verdict_index),
    (21, _redact_again),
    (22, _pass_counts),
]


def _redacted_everywhere(db: Database, path: Path | None) -> list[BackupProblem]:
    """After a redaction step (v13, v15, v17, v19, v21) committed: the replaced text leaves free pages, and the backups
    beside the file are to be redacted (by `migrate`, now and on every later open until they are)."""
    db.clear_freed_space([model._meta.table_name for model in ALL_MODELS])
    return remember_backups(path) if path is not None else []


# work a migration needs done outside its transaction
AFTER_COMMIT = {version: _redacted_everywhere for version, step in MIGRATIONS if step is _redact_again}
LATEST = MIGRATIONS[-1][0]


def migrate(
    db: Database, path: Path | None = None, target: int = LATEST, tell: Callable[[str], None] = log.warning
) -> int:
    """Bring the schema up to `target` (LATEST); back a SQLite file up first if it already holds data. Backups
    beside the file still to be redacted are redacted; `tell` gets one line for each that could not be."""
    problems: list[BackupProblem] = []
    with _models_on(db):
        version = _migrate(db, path, target, problems)
    if path is not None:
        problems += redact_backups(path)
    for problem in problems:
        tell(str(problem))
    return version


@contextmanager
def _models_on(db: Database) -> Iterator[None]:
    """The models (and steps that use them, such as retagging) work on `db` meanwhile (`db copy` migrates a
    database that is not the open one)."""
    previous = database.obj
    if previous is db:
        yield
        return
    database.initialize(db)
    try:
        yield
    finally:
        database.initialize(previous)


def _run(db: Database, migrator: SchemaMigrator, version: int, step: Step) -> None:
    """One migration in its transaction (unless another process ran it meanwhile); its warning once committed."""
    with db.atomic():  # a second process opening the database waits, then finds it done
        db.lock_schema()
        if db.schema_version() >= version:
            return
        warning = step(db, migrator)
        db.set_schema_version(version)
    if warning is not None:  # after the commit: a commit that failed (a full disk) redacted nothing
        log.warning(warning[0], *warning[1])
    log.info("database schema migrated to version %d", version)


def _migrate(db: Database, path: Path | None, target: int, problems: list[BackupProblem]) -> int:
    current = db.schema_version()
    if current > LATEST:
        raise SchemaTooNewError(
            f"database schema version {current} is newer than this qa-desktop knows ({LATEST}); upgrade qa-desktop"
        )
    pending = [(version, step) for version, step in MIGRATIONS if current < version <= target]
    if not pending:
        if db.freed_space_owed():  # an upgrade killed after its redaction committed, before the space was cleared
            problems += _redacted_everywhere(db, path)
        if path is not None:
            upgrade_ended(path)  # one killed after its last step: the next upgrade makes its own backup
        return current
    if current > 0 and path is not None and path.exists():
        problems += back_up(db, path, current, any(current < version <= target for version in AFTER_COMMIT))
    migrator = SchemaMigrator.from_database(db)
    with db.migrating():
        for version, step in pending:
            _run(db, migrator, version, step)
    if path is not None:
        upgrade_ended(path)
    for version, after in AFTER_COMMIT.items():  # also in a process that found it done: it made a backup too
        if current < version <= target:
            problems += after(db, path)
    return target
