"""Stored transcripts redacted again with today's redactor: card data that an older, weaker redactor let through
leaves the utterances, their search index and the evidence quoted by scores (schema v13), and the backups that
migrations left beside a SQLite file."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import peewee
from peewee import Database, SqliteDatabase

from qa_desktop.storage.database_errors import database_error_reason, sqlite_error
from qa_desktop.storage.models import (
    BaseModel,
    CriterionResultRow,
    RedactedField,
    Score,
    UtteranceRow,
)
from scoring.redact import redact_text, redact_utterances
from scoring.transcript import Utterance, Word, words_to_dicts

_DIGIT = re.compile(r"\d")


@dataclass
class Redacted:
    """What a pass changed: utterances (by call) with their old and new text, criterion results, and rows of
    text people typed (comments, notes, reasons)."""

    utterances: int = 0
    results: int = 0
    typed: int = 0
    texts: dict[int, dict[str, str]] = field(default_factory=dict)  # call id -> {old text: new text}


def redact_stored(db: Database) -> Redacted:
    """Run the redactor over every stored call's utterances (in conversation order, so cues in one turn reach
    numbers in the next) and over the evidence and reasons of the results scored on the calls it changed."""
    done = Redacted()
    with db.bind_ctx([UtteranceRow, CriterionResultRow, Score]):
        for call_id, rows in groupby(_utterances(), key=lambda row: row[1]):
            stored = list(rows)
            spoken = [
                Utterance(s, start, end, text, [Word(**w) for w in words])
                for _, _, s, start, end, text, words in stored
            ]
            for (row_id, *_), before, after in zip(stored, spoken, redact_utterances(spoken), strict=True):
                if after is not before:
                    UtteranceRow.update(text=after.text, words=words_to_dicts(after.words)).where(
                        UtteranceRow.id == row_id
                    ).execute()
                    done.texts.setdefault(call_id, {})[before.text] = after.text
                    done.utterances += 1
        if done.texts and db.table_exists("criterionresult"):  # a schema v1 file has no scores
            done.results = _redact_results(done.texts)
    done.typed = _redact_typed(db)
    return done


def _utterances() -> Iterator[tuple]:
    """(id, call id, speaker, start, end, text, words) of every utterance, call by call in spoken order."""
    u = UtteranceRow
    query = u.select(u.id, u.call, u.speaker, u.start, u.end, u.text, u.words).order_by(u.call, u.position)
    return query.tuples().iterator()


def _redact_results(texts: dict[int, dict[str, str]]) -> int:
    """Evidence items and reasons of the changed calls' results, with each changed utterance's new text (an
    evidence text that is not a whole utterance, yet holds digits, is redacted on its own)."""
    changed = 0
    r = CriterionResultRow
    calls = list(texts)
    for start in range(0, len(calls), 500):
        batch = calls[start : start + 500]
        query = r.select(r.id, Score.call, r.evidence, r.reason).join(Score).where(Score.call.in_(batch))
        for result_id, call_id, evidence, reason in query.tuples():
            known = texts[call_id]
            items = [
                {**item, "text": _evidence_text(item["text"], known)} if isinstance(item.get("text"), str) else item
                for item in evidence
            ]
            new_reason = reason
            for old, new in known.items():
                new_reason = new_reason.replace(old, new)
            if items != evidence or new_reason != reason:
                r.update(evidence=items, reason=new_reason).where(r.id == result_id).execute()
                changed += 1
    return changed


def _redact_typed(db: Database) -> int:
    """Every stored comment, note, reason, name, id and call metadata (the models' RedactedField fields, which
    redact what they write) written again where redaction changes it; tables and columns an older schema lacks are
    passed over."""
    changed = 0
    for model in BaseModel.__subclasses__():
        table = model._meta.table_name
        fields = [f for f in model._meta.sorted_fields if isinstance(f, RedactedField)]
        if not fields or not db.table_exists(table):
            continue
        columns = {c.name for c in db.get_columns(table)}
        with db.bind_ctx([model]):
            for typed in (f for f in fields if f.column_name in columns):
                for row_id, value in model.select(model.id, typed).where(typed.is_null(False)).tuples():
                    if value and typed.redact(value) != value:
                        _write_again(db, model, typed, row_id, value)
                        changed += 1
    return changed


def _write_again(db: Database, model: type[BaseModel], typed: RedactedField, row_id: int, value: object) -> None:
    """Write a value again, redacted on the way in; a unique name that another row already has once redacted
    (two agents "Ann 4111..." and "Ann 5555...") is told apart by its row id in letters, "Ann [card number] (g)"
    for row 7 (digits after "card number" could be redacted too, and be the same again)."""
    try:
        with db.atomic():
            model.update({typed: value}).where(model.id == row_id).execute()
    except peewee.IntegrityError:
        model.update({typed: f"{typed.redact(value)} ({_letters(row_id)})"}).where(model.id == row_id).execute()


def _letters(number: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa: a number that no redactor reads as digits."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _evidence_text(text: str, known: dict[str, str]) -> str:
    if text in known:
        return known[text]
    return redact_text(text) if _DIGIT.search(text) else text


PENDING = ".unredacted"  # NAME.vN.bak.unredacted: that backup is still to be redacted, tried on every open
BUSY_TIMEOUT_S = 30.0  # another process redacting a backup: how long to wait for it
_DAMAGED = (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)


@dataclass(frozen=True)
class BackupProblem:
    """A backup that could not be redacted: removed when it cannot be read as a qa-desktop database (damaged,
    not SQLite, other tables), else kept and tried again on the next open (locked, read-only, unreadable)."""

    backup: Path
    reason: str
    removed: bool

    def __str__(self) -> str:
        if self.removed:
            return f"removed the backup {self.backup}: {self.reason}, so card data it may hold could not be redacted"
        database = self.backup.name.rsplit(".", 2)[0]
        return (
            f"the backup {self.backup} may hold card data in clear: it could not be redacted ({self.reason}). "
            f"qa-desktop tries again each time it opens {database}: close the program that uses the backup, "
            "or make it writable, or delete it if you do not need it"
        )


def remember_backups(path: Path) -> list[BackupProblem]:
    """Mark every backup that migrations left beside the SQLite file at `path` (`NAME.vN.bak`) as still to be
    redacted (`NAME.vN.bak.unredacted`, which says so to whoever finds it); the backups that could not be marked."""
    return [problem for backup in sorted(path.parent.glob(f"{path.name}.v*.bak")) if (problem := remember(backup))]


def remember(backup: Path) -> BackupProblem | None:
    """Mark one backup (`NAME.vN.bak`, made or still to be made) as still to be redacted; the problem if it cannot
    be marked."""
    try:
        _marker(backup).write_text(
            f"{backup.name} may hold card data in clear: qa-desktop redacts it when it next opens "
            f"{backup.name.rsplit('.', 2)[0]}.\n"
        )
    except OSError as exc:
        return BackupProblem(backup, f"cannot write {_marker(backup).name}: {exc.strerror}", False)
    return None


def redact_backups(path: Path) -> list[BackupProblem]:
    """Redact the backups beside the SQLite file at `path` that are still to be (see remember_backups), each
    another file on its own connection, and clear their free pages; the ones that could not be redacted. One
    that cannot be read as a qa-desktop database is removed (it is no backup to restore, and may hold card
    data); one that is locked, read-only or cannot be opened is kept, still to be redacted."""
    problems = []
    for marker in sorted(path.parent.glob(f"{path.name}.v*.bak{PENDING}")):
        backup = marker.with_suffix("")
        problem = _redact_backup(backup) if backup.exists() else None
        if problem is not None and problem.removed:
            try:
                backup.unlink()
            except OSError as exc:
                problem = BackupProblem(backup, f"{problem.reason}; it cannot be removed: {exc.strerror}", False)
        if problem is None or problem.removed:
            with suppress(OSError):  # left behind, it costs one more (harmless) pass on the next open
                marker.unlink(missing_ok=True)
        if problem is not None:
            problems.append(problem)
    return problems


def _redact_backup(backup: Path) -> BackupProblem | None:
    copy = SqliteDatabase(str(backup), pragmas={"secure_delete": 1}, timeout=BUSY_TIMEOUT_S)
    try:
        with copy.connection_context():
            with copy.atomic(lock_type="IMMEDIATE"):  # another process redacting it: wait our turn
                done = redact_stored(copy)
                if done.utterances:
                    optimize_search_index(copy)
            if done.utterances or done.typed:
                copy.execute_sql("VACUUM")
    except (sqlite3.Error, peewee.DatabaseError, ValueError) as exc:
        code = getattr(sqlite_error(exc), "sqlite_errorcode", None)
        reason = str(exc).strip() or type(exc).__name__
        if code in _DAMAGED:
            return BackupProblem(backup, f"it is damaged ({reason})", True)
        if isinstance(exc, ValueError) or reason.startswith("no such"):
            return BackupProblem(backup, f"it is not a qa-desktop database this version can read ({reason})", True)
        return BackupProblem(backup, database_error_reason(exc), False)
    except OSError as exc:
        return BackupProblem(backup, exc.strerror or str(exc), False)
    return None


def _marker(backup: Path) -> Path:
    return backup.with_name(backup.name + PENDING)


def optimize_search_index(db: Database) -> None:
    """SQLite: merge the full-text index's segments, so that the terms of replaced text are not kept in old ones."""
    if db.table_exists("utterance_fts"):
        db.execute_sql("INSERT INTO utterance_fts (utterance_fts) VALUES ('optimize')")
