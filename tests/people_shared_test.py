"""Agents two leads change at once from two lists (on both stores): a rename or a move from a list that no longer
shows the agent as stored is refused, naming who renamed, moved or merged it and when, and the list is shown again
as stored."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from qa_desktop.storage.models import Agent, AuditEntry, Team
from tests.support.stored_calls import stored_call

pytestmark = pytest.mark.both_stores

CHANGED = r"agent '{}' was changed by {} \({} at \d\d:\d\d\) since you opened the list; nothing was saved"


def _dialog(qtbot, lead: str):
    from qa_desktop.app.people_dialog import PeopleDialog

    dialog = PeopleDialog(None, lambda: lead)
    qtbot.addWidget(dialog)
    return dialog


def _select(dialog, shown: str) -> None:
    dialog.tree.clearSelection()
    for row in range(dialog.tree.topLevelItemCount()):
        dialog.tree.topLevelItem(row).setSelected(dialog.tree.topLevelItem(row).text(0) == shown)


def _rename(dialog, shown: str, name: str, monkeypatch) -> None:
    _select(dialog, shown)
    monkeypatch.setattr(QInputDialog, "getText", lambda *_args, **_kw: (name, True))
    dialog._rename()


def test_two_leads_renaming_one_agent_from_two_lists_the_second_is_told_and_shown_the_first(qtbot, db, monkeypatch):
    for name in ("Ana", "Ben"):
        stored_call(name, "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, [])
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    lead_a, lead_b = _dialog(qtbot, "Lead A"), _dialog(qtbot, "Lead B")
    _rename(lead_a, "Ana", "Anna Lee", monkeypatch)
    _rename(lead_b, "Ana", "Ana Li", monkeypatch)  # from a list that still says Ana
    assert len(said) == 1 and re.match(CHANGED.format("Ana", "Lead A", "rename agent"), said[0]), said
    assert sorted(a.name for a in Agent.select()) == ["Anna Lee", "Ben"]
    assert sorted(lead_b.tree.topLevelItem(i).text(0) for i in range(2)) == ["Anna Lee", "Ben"]  # as stored
    lead_a.service.merge(Agent.get(name="Anna Lee").id, Agent.get(name="Ben").id, "Lead A")
    _rename(lead_b, "Ben", "Ben Ng", monkeypatch)  # merged away meanwhile
    assert len(said) == 2 and re.match(CHANGED.format("Ben", "Lead A", "merge agents"), said[1]), said
    assert [a.name for a in Agent.select()] == ["Anna Lee"]
    entries = AuditEntry.select().where(AuditEntry.action == "rename agent")
    assert [(e.actor, e.old, e.new) for e in entries] == [("Lead A", "Ana", "Anna Lee")]


def test_two_leads_moving_one_agent_from_two_lists_the_second_is_told_and_shown_the_first(qtbot, db, monkeypatch):
    stored_call("Ana", "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, [])
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    lead_a, lead_b = _dialog(qtbot, "Lead A"), _dialog(qtbot, "Lead B")
    for dialog, team in ((lead_a, "Support"), (lead_b, "Sales")):  # Lead B's list still says Billing
        _select(dialog, "Ana")
        monkeypatch.setattr(QInputDialog, "getItem", lambda *_args, team=team: (team, True))
        dialog._move()
    assert len(said) == 1 and re.match(CHANGED.format("Ana", "Lead A", "move agent"), said[0]), said
    assert Agent.get().team.name == "Support" and lead_b.tree.topLevelItem(0).text(1) == "Support"  # as stored
    entries = AuditEntry.select().where(AuditEntry.action == "move agent")
    assert [(e.actor, e.old, e.new) for e in entries] == [("Lead A", "Billing", "Support")]


def test_moving_agents_from_a_list_where_one_was_moved_meanwhile_moves_none_and_names_it(qtbot, db, monkeypatch):
    for name in ("Ana", "Ben", "Cy"):
        stored_call(name, "Billing", "2026-03-02 09:00", 300, (80, 80, 80), False, {"greeting": ("pass", None)}, [])
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    lead_a, lead_b = _dialog(qtbot, "Lead A"), _dialog(qtbot, "Lead B")
    _select(lead_a, "Ben")
    monkeypatch.setattr(QInputDialog, "getItem", lambda *_args: ("Support", True))
    lead_a._move()
    for row in range(3):  # Lead B's list still says Ben is in Billing
        lead_b.tree.topLevelItem(row).setSelected(True)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *_args: ("Sales", True))
    lead_b._move()
    assert len(said) == 1 and re.match(CHANGED.format("Ben", "Lead A", "move agent"), said[0]), said
    teams = {a.name: a.team.name for a in Agent.select()}
    assert teams == {"Ana": "Billing", "Ben": "Support", "Cy": "Billing"}  # Ana was moved to Sales before
    assert not Team.select().where(Team.name == "Sales").exists()
    entries = AuditEntry.select().where(AuditEntry.action == "move agent")
    assert [(e.actor, e.target, e.new) for e in entries] == [("Lead A", "Ben", "Support")]
