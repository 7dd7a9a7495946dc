"""The calls imported without an agent's name. The database files them under an agent called 'unassigned'
(`models.UNASSIGNED`, kept as stored); people see them as '(no agent)' wherever an agent is shown, sorted after the
agents, so that no one takes them for an agent, or for calls assigned to no reviewer (the library's "unassigned").
Data written for programs (the CSV exports, a dashboard table's agent column) leaves their agent empty, as it
leaves a call's team when it has none, and as an import reads an empty agent."""

from __future__ import annotations

from typing import TypeGuard

from qa_desktop.storage.models import UNASSIGNED

NO_AGENT = "(no agent)"
NO_AGENT_TIP = "Calls imported without an agent's name"  # what '(no agent)' is; each place says how to give one
# the agent's name (of the agent table as `a`) in SQL, NULL for the calls imported without one: a query's agent
# column, and its sort key (with NULLS LAST: after the agents whichever the direction)
AGENT_SQL = f"NULLIF(a.name, '{UNASSIGNED}')"


def has_agent(name: str | None) -> TypeGuard[str]:
    """Whether an agent's name (as stored, or as a data row gives it) is an agent's: not the calls without one."""
    return bool(name) and name != UNASSIGNED


def shown_agent(name: str | None) -> str:
    """An agent's name as people see it: '(no agent)' for the calls imported without one."""
    return name if has_agent(name) else NO_AGENT


def agents_last(name: str) -> tuple[bool, str]:
    """A sort key for agents' names: by name, the calls without an agent's name last."""
    return not has_agent(name), name
