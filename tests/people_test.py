"""Agents and teams named as people type them (storage.people), on both stores."""

from __future__ import annotations

import pytest

from qa_desktop.storage.models import Agent, Team
from qa_desktop.storage.people import PeopleError, agent_called, team_named

pytestmark = pytest.mark.both_stores


def test_an_agent_or_team_is_found_without_case_in_any_alphabet(db):
    zoe = Agent.create(name="Zoë Åberg")
    team = Team.create(name="Ölkassen Süd")
    assert agent_called("zoë åberg") == zoe  # SQLite's LOWER folds ASCII only: 'no agent called' there
    assert agent_called("ZOË ÅBERG") == zoe
    assert agent_called("zoe\u0308 a\u030aberg") == zoe  # the letters as a base and a combining mark (macOS names)
    assert team_named("ÖLKASSEN SÜD", create=False) == team
    assert team_named("ölkassen süd") == team and Team.select().count() == 1  # an import's team: no twin made
    Agent.create(name="ZOË ÅBERG")
    with pytest.raises(PeopleError, match="'zoë åberg' could be 'ZOË ÅBERG' or 'Zoë Åberg'"):
        agent_called("zoë åberg")
