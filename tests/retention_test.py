"""The retention policy on a real SQLite file: what expired is deleted (recording files, transcripts, evidence,
old audit entries) and audited, protected calls are kept, and the dashboards still count every call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qa_desktop.services.dashboard.queries import Scope, agent_summary, criterion_pass_rates
from qa_desktop.services.rescore import rescore_all
from qa_desktop.services.retention import (
    DELETED_REASON,
    _candidates,
    _delete_transcripts,
    apply_policy,
    policy,
    set_policy,
)
from qa_desktop.storage.models import (
    AuditEntry,
    Call,
    CoachingClip,
    CoachingSession,
    CriterionResultRow,
    Dispute,
    Score,
    UtteranceRow,
)
from scoring.scorecard import default_scorecard_path, load_scorecard
from tests.support.stored_calls import stored_call

pytestmark = pytest.mark.both_stores

NOW = dt.datetime(2027, 6, 1, 12, 0)


@pytest.fixture
def library(db, tmp_path):
    """Five calls with recording files: three a year old (one under an open dispute, one in an open coaching
    session), one 20 days old, one new."""
    calls = {}
    for key, when in (
        ("old", "2026-06-01"),
        ("disputed", "2026-06-02"),
        ("coached", "2026-06-03"),
        ("recent", "2027-05-12"),
        ("new", "2027-05-31"),
    ):
        call = stored_call(
            "maria",
            "Billing",
            f"{when}T09:00",
            60,
            (80, 70, 90),
            False,
            {"greeting": ("pass", None), "closing": ("fail", None)},
            [f"my card number for {key}"],
        )
        recording = tmp_path / f"{key}.wav"
        recording.write_bytes(b"RIFF")
        Call.update(path=str(recording)).where(Call.id == call.id).execute()
        CriterionResultRow.update(
            evidence=[{"speaker": "agent", "start": 0, "end": 1, "text": "hello maria"}],
            reason="greeting found: 'hello maria'",
        ).execute()
        calls[key] = Call.get_by_id(call.id)
    result = CriterionResultRow.select().join(Score).where(Score.call == calls["disputed"]).first()
    Dispute.create(
        call=calls["disputed"],
        result_row=result,
        criterion=result.criterion,
        disputed="fail",
        requested="pass",
        agent_name="maria",
        raised_by="maria",
        reason="I did",
    )
    session = CoachingSession.create(
        title="s", agents=[calls["coached"].agent_id], criteria=["closing"], status="delivered"
    )
    CoachingClip.create(session=session, call=calls["coached"], criterion="closing", kind="improve", start=0, end=5)
    AuditEntry.create(actor="lena", action="review", at=dt.datetime(2026, 1, 1))
    return calls


def test_expired_data_is_deleted_audited_and_protected_calls_kept(library):
    before = agent_summary(Scope()), criterion_pass_rates(Scope())
    assert policy() == {"recordings": None, "transcripts": None, "audit": None}
    set_policy({"recordings": 10, "transcripts": 90, "audit": 365})
    report = apply_policy(now=NOW)
    assert (report.recordings, report.transcripts, report.audit_entries, report.protected) == (2, 1, 1, 2)
    old, recent = Call.get_by_id(library["old"].id), Call.get_by_id(library["recent"].id)
    assert old.transcript_deleted_at == NOW and old.recording_deleted_at == NOW
    assert not UtteranceRow.select().where(UtteranceRow.call == old).exists()
    assert not Path(library["old"].path).exists() and not Path(library["recent"].path).exists()
    results = list(CriterionResultRow.select().join(Score).where(Score.call == old))
    assert {r.reason for r in results} == {DELETED_REASON} and all(r.evidence == [] for r in results)
    assert Score.get(Score.call == old).overall == 80  # the numbers stay
    assert recent.transcript_deleted_at is None and UtteranceRow.select().where(UtteranceRow.call == recent).exists()
    for key in ("disputed", "coached", "new"):
        kept = Call.get_by_id(library[key].id)
        assert kept.transcript_deleted_at is None and kept.recording_deleted_at is None
        assert Path(kept.path).exists()
    actions = [e.action for e in AuditEntry.select()]
    assert actions.count("retention: recording deleted") == 2
    assert actions.count("retention: transcript deleted") == 1
    assert "retention: audit entries deleted" in actions and "review" not in actions
    assert (agent_summary(Scope()), criterion_pass_rates(Scope())) == before  # dashboards count every call
    rescore_all(load_scorecard(default_scorecard_path()))
    assert Score.get(Score.call == old).overall == 80  # a rescore leaves a call without transcript alone


def test_a_closed_coaching_session_or_a_settled_dispute_protects_nothing(library):
    CoachingSession.update(status="acknowledged").execute()
    Dispute.update(status="rejected").execute()
    set_policy({"transcripts": 90})
    assert apply_policy(now=NOW).transcripts == 3


def test_policy_values_are_checked(library):
    with pytest.raises(ValueError, match="at least 1 day"):
        set_policy({"transcripts": 0})
    with pytest.raises(ValueError, match="not a kind of data"):
        set_policy({"emails": 3})


def test_two_runs_at_once_delete_and_audit_each_transcript_once(library):
    """Two admins' apps apply the policy at the same moment: both select the same expired calls before either
    commits; the second finds them handled and neither deletes nor audits them again."""
    set_policy({"transcripts": 90})
    expired, _kept = _candidates(NOW - dt.timedelta(days=90), Call.transcript_deleted_at.is_null())
    assert _delete_transcripts(expired, NOW, "root", 90) == len(expired) == 1
    assert _delete_transcripts(expired, NOW, "ada", 90) == 0
    deleted = AuditEntry.select().where(AuditEntry.action == "retention: transcript deleted")
    assert [entry.actor for entry in deleted] == ["root"]


def test_two_admins_editing_the_policy_in_two_dialogs_keep_each_other_s_changes(qtbot, db, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from qa_desktop.app.retention_dialog import RetentionDialog

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    first, second = RetentionDialog(None), RetentionDialog(None)  # both opened on the policy of for ever
    for dialog in (first, second):
        qtbot.addWidget(dialog)
    first.days["recordings"].setValue(30)
    first.save()
    second.days["transcripts"].setValue(90)
    second.save()  # saves what was edited: the recordings it still showed as kept for ever are left alone
    assert policy() == {"recordings": 30, "transcripts": 90, "audit": None} and not said
    assert second.days["recordings"].value() == 30  # shown as stored once saved
    first.days["transcripts"].setValue(7)  # on its stale view of the transcripts
    first.save()
    assert len(said) == 1 and said[0].startswith(
        "how long transcripts, evidence quotes and call details are kept was changed to 90 days by "
    )
    assert said[0].endswith("since you opened it; nothing was saved: look at it again")
    assert policy()["transcripts"] == 90 and first.days["transcripts"].value() == 90  # shown as stored
    entries = AuditEntry.select().where(AuditEntry.action == "retention policy").order_by(AuditEntry.id)
    assert [(e.target, e.old, e.new) for e in entries] == [
        ("recordings", "for ever", "30 days"),
        ("transcripts", "for ever", "90 days"),
    ]
