"""A calibration's reference verdict two leads settle from two windows (on both stores; two processes at once:
concurrent_edits_test): the second is refused, naming who settled it and when, and shown the stored one; the audit
log has each settling once, with what it replaced."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QMessageBox

from qa_desktop.services.trust import calibration as cal
from qa_desktop.storage.models import AuditEntry, ReferenceVerdict
from tests.support.stored_calls import stored_call

pytestmark = pytest.mark.both_stores

SETTLED = (
    r"criterion 'Greeting' of the call 'Ana, 2026-03-02 09:00' was settled as {} by {} at \d\d:\d\d "
    "since you opened it; nothing was saved"
)


def _session() -> cal.CalibrationSession:
    call = stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, [])
    session = cal.create_session("March", "Lead", ["Ann", "Bob"], [call.id], ["greeting"])
    for evaluator, result in (("Ann", "pass"), ("Bob", "fail")):
        cal.answer(session, evaluator, call.id, "greeting", result)
        cal.submit(session, evaluator)
    return session


def _window(qtbot, lead: str, session: cal.CalibrationSession):
    from qa_desktop.app.calibration_window import CalibrationWindow

    window = CalibrationWindow(None, lambda: lead)
    qtbot.addWidget(window)
    window.open_session(session.id)
    window.spreads.setCurrentItem(window.spreads.topLevelItem(0))
    return window


def _settle(window, result: str) -> None:
    window.settle_result.setCurrentIndex(window.settle_result.findData(result))
    window.settle_selected()


def test_two_leads_settling_one_verdict_in_two_windows_the_second_is_told_and_shown_the_first(qtbot, db, monkeypatch):
    session = _session()
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: said.append(text))
    lead_a, lead_b = _window(qtbot, "Lead A", session), _window(qtbot, "Lead B", session)
    _settle(lead_a, "pass")
    _settle(lead_b, "fail")  # from a view that showed no reference
    assert len(said) == 1 and re.match(SETTLED.format("pass", "Lead A"), said[0]), said
    assert ReferenceVerdict.get().result == "pass"
    assert lead_b.spreads.topLevelItem(0).text(5) == "pass"  # shown as stored
    lead_b.spreads.setCurrentItem(lead_b.spreads.topLevelItem(0))
    _settle(lead_b, "fail")  # now knowing Lead A's: settles it otherwise, on purpose
    assert ReferenceVerdict.get().result == "fail" and len(said) == 1
    entries = AuditEntry.select().where(AuditEntry.action == "reference verdict").order_by(AuditEntry.id)
    assert [(e.actor, e.old, e.new) for e in entries] == [("Lead A", None, "pass"), ("Lead B", "pass", "fail")]
