"""Agents and teams: rename, merge duplicates, move an agent to a team, reassign a call.
Every change is one transaction and leaves a line in the audit log."""

from __future__ import annotations

import unicodedata

from peewee import JOIN, ModelSelect, fn

from qa_desktop.storage.models import UNASSIGNED, Agent, AuditEntry, Call, Team, database
from qa_desktop.storage.no_agent import NO_AGENT, shown_agent
from qa_desktop.storage.review import audit, claim, locked

IMPORT_ACTOR = "import"  # who the audit log names for changes an import makes
REASSIGN = "reassign call"  # the audit log's action for a call given to another agent (old and new: their names)


class PeopleError(ValueError):
    """A change to agents or teams that cannot be made as asked."""


def team_named(name: str | None, create: bool = True) -> Team | None:
    """The team of that name, matched as `agent_called` matches agents (with `create`, created if new); None for no
    name."""
    name = (name or "").strip()
    return _called(Team, name, create) if name else None


def agent_called(name: str, create: bool = False) -> Agent:
    """The agent a person named, as `_called` finds it ('(no agent)', as the windows show them: the calls imported
    without an agent's name)."""
    return _called(Agent, UNASSIGNED if name.strip() == NO_AGENT else name.strip(), create)


def _called(model: type[Agent] | type[Team], name: str, create: bool) -> Agent | Team:
    """The agent or team a person named: the one stored under that name, else the one whose name differs from it only
    by case (`_case_free`); with `create`, a new one when there is none. PeopleError when there is none (naming some),
    or when several differ from the name only by case (naming them)."""
    kind = model.__name__.lower()
    stored = str(model.name.db_value(name))  # as it is stored: card data redacted
    exact = model.get_or_none(model.name == stored)
    if exact is not None:
        return exact
    wanted = _case_free(stored)
    ids = [i for i, stored_name in model.select(model.id, model.name).tuples() if _case_free(stored_name) == wanted]
    alike = list(model.select().where(model.id.in_(ids)).order_by(model.name)) if ids else []
    if len(alike) > 1:
        either = " or ".join(f"'{a.name}'" for a in alike)
        raise PeopleError(f"'{name}' could be {either}: give the name as stored")
    if alike:
        return alike[0]
    if create and name:
        return model.create(name=name)
    if model is Agent:
        known = ", ".join(shown_agent(a.name) for a in _agents_by_name().limit(12))
    else:
        known = ", ".join(t.name for t in model.select().order_by(model.name).limit(12))
    raise PeopleError(f"no {kind} called '{name}' ({kind}s: {known or 'none yet'})")


def _case_free(name: str) -> str:
    """A name as compared without case: Unicode's caseless match of its canonical form, so "Zoë Åberg" is "zoë åberg"
    and an "ë" typed as e and a combining diaeresis is "ë". Done here, not in SQL, so that both stores agree: SQLite's
    LOWER folds ASCII letters only, PostgreSQL's its own way (a few hundred names, read once a command)."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def rename_agent(agent: Agent, name: str, actor: str) -> Agent:
    """Give an agent a new name (it must not be taken: merge instead); refused (PeopleError, naming who) when the
    agent is no longer called as `agent` was read: renamed or merged meanwhile."""
    name = name.strip()
    if not name:
        raise PeopleError("an agent needs a name")
    if name == NO_AGENT:
        raise PeopleError(f"'{NO_AGENT}' is how the calls without an agent's name are shown: choose another name")
    if Agent.select().where((Agent.name == name) & (Agent.id != agent.id)).exists():
        raise PeopleError(f"there is already an agent called '{name}': merge the two instead")
    with database.atomic():
        if not Agent.update(name=name).where((Agent.id == agent.id) & (Agent.name == agent.name)).execute():
            raise PeopleError(changed_meanwhile(agent.name))
        audit(None, actor, "rename agent", agent.name, agent.name, name)
        agent.name = name
    return agent


def changed_meanwhile(shown: str) -> str:
    """Why a change to the agent shown as `shown` was not made: who renamed, moved or merged it away, and when."""
    gone = AuditEntry.call.is_null() & (
        (AuditEntry.action.in_(("rename agent", "move agent")) & (AuditEntry.target == shown))
        | ((AuditEntry.action == "merge agents") & (AuditEntry.old == shown))
    )
    latest = AuditEntry.select().where(gone).order_by(AuditEntry.id.desc()).first()
    by = f" by {latest.actor} ({latest.action} at {latest.at:%H:%M})" if latest else ""
    return (
        f"agent '{shown_agent(shown)}' was changed{by} since you opened the list; nothing was saved: look at it again"
    )


def merge_agents(keep: Agent, duplicate: Agent, actor: str) -> Agent:
    """Move every call of `duplicate` to `keep` and delete `duplicate`; refused (PeopleError, naming who) when either
    is no longer called as it was read: renamed or merged meanwhile."""
    if keep.id == duplicate.id:
        raise PeopleError("an agent cannot be merged into itself")
    with database.atomic():
        now = {a.id: a for a in locked(Agent.select().where(Agent.id.in_([keep.id, duplicate.id])))}
        for read in (keep, duplicate):
            if read.id not in now or now[read.id].name != read.name:
                raise PeopleError(changed_meanwhile(read.name))
        keep, duplicate = now[keep.id], now[duplicate.id]
        moved = Call.update(agent=keep).where(Call.agent == duplicate).execute()
        if keep.team_id is None and duplicate.team_id is not None:
            keep.team = duplicate.team_id
            keep.save()
        audit(None, actor, "merge agents", keep.name, duplicate.name, keep.name, f"{moved} calls moved")
        duplicate.delete_instance()
    return keep


def move_agent(agent: Agent, team_name: str | None, actor: str, shown: str | None = None) -> Agent:
    """Put an agent in a team (created if new), or in none. `shown` is the team the user saw ("" for none): when the
    agent was moved meanwhile, nothing is changed and PeopleError says who (None: whatever team it is in now)."""
    with database.atomic():
        agent = locked(Agent.select().where(Agent.id == agent.id)).get()  # as it is now: the audit's old team
        old = agent.team.name if agent.team_id else ""
        if shown is not None and old != shown:
            raise PeopleError(changed_meanwhile(agent.name))
        team = team_named(team_name)
        agent.team = team
        agent.save()
        audit(None, actor, "move agent", agent.name, old, team.name if team else "")
    return agent


def move_agents(moves: list[tuple[Agent, str | None]], team_name: str | None, actor: str) -> list[Agent]:
    """Put agents in a team, each as `move_agent` with the team the user saw, in one transaction: when one was moved
    meanwhile none is moved, and PeopleError names it."""
    with database.atomic():
        return [move_agent(agent, team_name, actor, shown) for agent, shown in moves]


def reassign_call(call: Call, agent: Agent, actor: str) -> Call:
    """Attribute a call to another agent (and that agent's team); refused (review.StaleReviewError) when the
    call's review changed since `call` was read."""
    with database.atomic():
        claim(call)
        audit(call, actor, REASSIGN, "agent", call.agent.name, agent.name)
        call.agent = agent
        call.team = agent.team_id
        call.save(only=[Call.agent, Call.team])
    return call


def agents_with_teams(team_id: int | None = None) -> list[tuple[int, str, str | None]]:
    """(id, name, team name) of every agent by name (only a team's, if given), in one query."""
    query = _agents_by_name().select(Agent.id, Agent.name, Team.name).join(Team, JOIN.LEFT_OUTER)
    return list((query.where(Agent.team == team_id) if team_id is not None else query).tuples())


def _agents_by_name() -> ModelSelect[Agent]:
    """Every agent by name, the stand-in for the calls without an agent's name last (as the windows list them)."""
    return Agent.select().order_by(Agent.name == UNASSIGNED, Agent.name)


def call_counts() -> dict[int, int]:
    """Agent id -> how many calls are attributed to the agent, in one grouped query."""
    return dict(Call.select(Call.agent, fn.COUNT(Call.id)).group_by(Call.agent).tuples())


def teams() -> list[tuple[int, str]]:
    """(id, name) of every team, by name."""
    return list(Team.select(Team.id, Team.name).order_by(Team.name).tuples())
