"""Agents and teams, changed as the signed-in user (QA lead or admin): rename, merge duplicates, move an agent
to a team. The storage layer below makes each change in one transaction with its audit line."""

from __future__ import annotations

from qa_desktop.services.access.identity import acting_name, current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.storage import people as stored
from qa_desktop.storage.models import Agent


def rename_agent(agent: Agent, name: str, actor: str = "") -> Agent:
    require(current_user(), "manage agents")
    return stored.rename_agent(agent, name, acting_name(actor))


def merge_agents(keep: Agent, duplicate: Agent, actor: str = "") -> Agent:
    require(current_user(), "manage agents")
    return stored.merge_agents(keep, duplicate, acting_name(actor))


def move_agent(agent: Agent, team_name: str | None, actor: str = "") -> Agent:
    require(current_user(), "manage agents")
    return stored.move_agent(agent, team_name, acting_name(actor))
