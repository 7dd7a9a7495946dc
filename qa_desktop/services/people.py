"""Agents and teams as plain data for the windows (each list read in one or two queries), and the
changes to them by id, as the signed-in user (QA lead or admin): rename, merge, move to a team. Every change
is audited under the signed-in user's name (storage.people)."""

from __future__ import annotations

from dataclasses import dataclass

from qa_desktop.services.access.identity import acting_name, current_user
from qa_desktop.services.access.permissions import AGENT, require
from qa_desktop.storage import people as stored
from qa_desktop.storage.models import Agent
from qa_desktop.storage.no_agent import has_agent, shown_agent


@dataclass(frozen=True)
class AgentSummary:
    """An agent as the lists show it; `calls` is counted only by `agents_with_counts`."""

    id: int
    name: str
    team: str | None
    calls: int = 0

    @property
    def named(self) -> bool:
        """Whether this is an agent: not the stand-in that holds the calls imported without an agent's name."""
        return has_agent(self.name)

    @property
    def shown(self) -> str:
        """The agent's name as the lists show it ('(no agent)' for the calls without one)."""
        return shown_agent(self.name)


@dataclass(frozen=True)
class TeamSummary:
    """A team as the lists show it."""

    id: int
    name: str


def agents(team_id: int | None = None) -> list[AgentSummary]:
    """Every agent by name, the calls without an agent's name last (only a team's, if given); to a signed-in agent,
    only themselves."""
    user = current_user()
    return [
        AgentSummary(i, name, team)
        for i, name, team in stored.agents_with_teams(team_id)
        if user.role != AGENT or i == user.agent_id
    ]


def agents_with_counts() -> list[AgentSummary]:
    """Every agent by name, the calls without an agent's name last, with its number of calls (two queries, whatever
    the number of agents)."""
    counts = stored.call_counts()
    return [AgentSummary(i, name, team, counts.get(i, 0)) for i, name, team in stored.agents_with_teams()]


def teams() -> list[TeamSummary]:
    """Every team by name; to a signed-in agent, only their own."""
    user = current_user()
    own = user.agent.team_id if user.role == AGENT and user.agent_id is not None else None
    return [TeamSummary(i, name) for i, name in stored.teams() if user.role != AGENT or i == own]


def rename(agent_id: int, name: str, actor: str = "", shown: str | None = None) -> str:
    """Rename an agent (PeopleError if the name is taken or empty, or when the agent is no longer called `shown`,
    the name the list showed: renamed or merged meanwhile); its new name."""
    require(current_user(), "manage agents")
    return stored.rename_agent(_as_shown(agent_id, shown), name, acting_name(actor)).name


def merge(keep_id: int, duplicate_id: int, actor: str = "", shown: tuple[str, str] | None = None) -> tuple[str, str]:
    """Merge the second agent into the first; (the duplicate's name, the kept name). PeopleError when either is no
    longer called as `shown` (their names as the list showed them): renamed or merged meanwhile."""
    require(current_user(), "manage agents")
    keep, duplicate = (_as_shown(i, name) for i, name in zip((keep_id, duplicate_id), shown or (None, None)))
    return duplicate.name, stored.merge_agents(keep, duplicate, acting_name(actor)).name


def move(agent_ids: list[int], team: str | None, actor: str = "", shown: list[str] | None = None) -> list[str]:
    """Put agents in a team (created if new), all or none; their names. PeopleError, naming the agent, when one is no
    longer in the team `shown` gives it ("" for none), as the list showed it: moved meanwhile."""
    require(current_user(), "manage agents")
    given = shown if shown is not None else [None] * len(agent_ids)
    moves = [(_as_shown(agent_id), team_shown) for agent_id, team_shown in zip(agent_ids, given)]
    return [agent.name for agent in stored.move_agents(moves, team, acting_name(actor))]


def _as_shown(agent_id: int, name: str | None = None) -> Agent:
    """The agent as the list showed it (called `name`, if given, so that a rename or merge meanwhile refuses the
    change); PeopleError, naming who, when it is gone."""
    agent = Agent.get_or_none(Agent.id == agent_id)
    if agent is None:
        raise stored.PeopleError(stored.changed_meanwhile(name or f"#{agent_id}"))
    agent.name = name or agent.name
    return agent
