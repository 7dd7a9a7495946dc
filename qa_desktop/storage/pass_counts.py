"""The dashboards' pass rates, counted as the verdicts are written (schema v22): per agent, team, day and criterion,
the current scores' results, those judged (pass or fail) and those passed, a reviewer's override counting for the
result. The database's own triggers keep the counts in step with every write, whoever makes it (an import, a
rescore, an override, a call's agent or date changed, a deletion), in the same transaction. On PostgreSQL each
first locks the current score it counts, so that two writers of one call count in turn, in the order the app
takes its locks (a call, then its scores, then their results). The heat map then reads thousands of counts
instead of grouping a million results.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from peewee import Database, ProgrammingError

TABLE = "passcount"
_KEY = "agent_id, criterion, day, team_id"
_UPSERT = (
    f"ON CONFLICT ({_KEY}) DO UPDATE SET results = {TABLE}.results + excluded.results, "
    f"judged = {TABLE}.judged + excluded.judged, passed = {TABLE}.passed + excluded.passed"
)


def _verdict(row: str) -> tuple[str, str]:
    """Whether a result row counts as judged, and as passed (1 or 0)."""
    effective = f"COALESCE({row}.override, {row}.result)"
    return (
        f"CASE WHEN {effective} IN ('pass', 'fail') THEN 1 ELSE 0 END",
        f"CASE WHEN {effective} = 'pass' THEN 1 ELSE 0 END",
    )


def _day(db: Database) -> str:
    return db.dialect.day("COALESCE(c.call_time, c.imported_at)")


def _add(db: Database, counts: str, source: str, where: str, group: str = "") -> str:
    """Add `counts` (the criterion, then its results, judged and passed) to the key of the call `c` in `source`."""
    return (
        f"INSERT INTO {TABLE} (agent_id, team_id, day, criterion, results, judged, passed) "
        f"SELECT c.agent_id, COALESCE(c.team_id, 0), {_day(db)}, {counts} FROM {source} WHERE {where}{group} {_UPSERT}"
    )


def _results(db: Database, where: str, sign: str) -> str:
    """Add (sign 1) or take away (-1) the counts of the results that `where` picks (aliases c, s, r)."""
    judged, passed = _verdict("r")
    return _add(
        db,
        f"r.criterion, {sign} * COUNT(*), {sign} * SUM({judged}), {sign} * SUM({passed})",
        "call c JOIN score s ON s.call_id = c.id JOIN criterionresult r ON r.score_id = s.id",
        where,
        f" GROUP BY c.agent_id, COALESCE(c.team_id, 0), {_day(db)}, r.criterion",
    )


def _result_row(db: Database, row: str, sign: str) -> str:
    """Add (NEW, sign 1) or take away (OLD, -1) the counts of one result row, if its score is current (its values
    as the trigger has them: the results' table is not read again)."""
    judged, passed = _verdict(row)
    return _add(
        db,
        f"{row}.criterion, {sign}, {sign} * ({judged}), {sign} * ({passed})",
        "score s JOIN call c ON c.id = s.call_id",
        f"s.id = {row}.score_id AND s.current",
    )


def _triggers(db: Database) -> list[tuple[str, str, str, str | None, str | None, list[str]]]:
    """(name, when, event, condition, the scores it locks on PostgreSQL (None: the row written is one), statements)
    of every trigger."""
    new_result, old_result = _result_row(db, "NEW", "1"), _result_row(db, "OLD", "-1")
    by_score = "id = {}.score_id"
    return [
        ("result_added", "AFTER", "INSERT ON criterionresult", None, by_score.format("NEW"), [new_result]),
        (
            "result_changed",
            "AFTER",
            "UPDATE OF result, override, criterion, score_id ON criterionresult",
            None,
            by_score.format("NEW"),
            [old_result, new_result],
        ),
        ("result_deleted", "AFTER", "DELETE ON criterionresult", None, by_score.format("OLD"), [old_result]),
        (
            "score_current",
            "AFTER",
            "UPDATE OF current ON score",
            "NEW.current AND NOT OLD.current",
            None,
            [_results(db, "s.id = NEW.id", "1")],
        ),
        (
            "score_past",
            "AFTER",
            "UPDATE OF current ON score",
            "OLD.current AND NOT NEW.current",
            None,
            [_results(db, "s.id = NEW.id", "-1")],
        ),
        (
            "score_deleted",
            "BEFORE",
            "DELETE ON score",
            "OLD.current",
            None,
            [_results(db, "s.id = OLD.id", "-1")],
        ),
        (
            "call_deleted",
            "BEFORE",
            "DELETE ON call",
            None,
            "call_id = OLD.id AND current",
            [_results(db, "c.id = OLD.id AND s.current", "-1")],
        ),
        (
            "call_leaves",
            "BEFORE",
            "UPDATE OF agent_id, team_id, call_time, imported_at ON call",
            None,
            "call_id = OLD.id AND current",
            [_results(db, "c.id = OLD.id AND s.current", "-1")],
        ),
        (
            "call_moved",
            "AFTER",
            "UPDATE OF agent_id, team_id, call_time, imported_at ON call",
            None,
            "call_id = NEW.id AND current",
            [_results(db, "c.id = NEW.id AND s.current", "1")],
        ),
    ]


def create(db: Database) -> None:
    """v22: the counts' table, filled from the results stored, and the triggers that keep it in step (made anew:
    an upgrade run again starts from the results)."""
    postgres = db.dialect.name == "postgresql"
    for name, *_ in _triggers(db):
        if postgres:
            db.execute_sql(f"DROP FUNCTION IF EXISTS {TABLE}_{name}() CASCADE")  # its trigger with it
        else:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
    db.execute_sql(f"DROP TABLE IF EXISTS {TABLE}")
    db.execute_sql(
        f"CREATE TABLE {TABLE} (agent_id INTEGER NOT NULL, team_id INTEGER NOT NULL, day DATE NOT NULL, "
        f"criterion VARCHAR(255) NOT NULL, results INTEGER NOT NULL, judged INTEGER NOT NULL, "
        f"passed INTEGER NOT NULL, PRIMARY KEY ({_KEY})){'' if postgres else ' WITHOUT ROWID'}"
    )  # team_id 0: a call without a team (a key may not be null on PostgreSQL); SQLite keeps the rows in key order
    count_all(db)
    for name, when, event, condition, scores, statements in _triggers(db):
        if postgres:
            returned = "OLD" if when == "BEFORE" and "DELETE" in event else "NEW" if when == "BEFORE" else "NULL"
            locks = [f"PERFORM 1 FROM score WHERE {scores} FOR UPDATE"] if scores else []
            body = "; ".join([*locks, *statements])
            db.execute_sql(
                f"CREATE FUNCTION {TABLE}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; "
                f"RETURN {returned}; END $$"
            )
            only = f" WHEN ({condition})" if condition else ""
            db.execute_sql(
                f"CREATE TRIGGER {TABLE}_{name} {when} {event} FOR EACH ROW{only} EXECUTE FUNCTION {TABLE}_{name}()"
            )
        else:
            only = f" WHEN {condition}" if condition else ""
            db.execute_sql(
                f"CREATE TRIGGER {TABLE}_{name} {when} {event} FOR EACH ROW{only} BEGIN {'; '.join(statements)}; END"
            )


def count_all(db: Database) -> None:
    """Count every current result stored (into an empty counts' table)."""
    db.execute_sql(_results(db, "s.current", "1"))


@contextmanager
def counted_at_end(db: Database) -> Iterator[None]:
    """Within a transaction that fills an empty PostgreSQL database (db copy): the results inserted meanwhile are
    counted in one statement at the end instead of row by row by the trigger (a copy of 20,000 calls: 58-94 s
    -> 36-51 s; 100,000: 196-252 s -> 84-122 s). Turning the trigger off needs the table's owner (the role that
    migrated the database); for another role the trigger counts as ever."""
    try:
        with db.atomic():  # a savepoint: a refusal leaves the copy's transaction usable
            db.execute_sql(f"ALTER TABLE criterionresult DISABLE TRIGGER {TABLE}_result_added")
    except ProgrammingError:  # not the owner
        owner = False
    else:
        owner = True
    yield
    if owner:
        db.execute_sql(f"ALTER TABLE criterionresult ENABLE TRIGGER {TABLE}_result_added")
        count_all(db)
