"""What the library's filter boxes offer, as plain data: agents, teams, the criteria calls were scored
on (by name, in scorecard order), the call drivers calls are tagged with, and whose queue of assigned calls a lead
can list."""

from __future__ import annotations

from dataclasses import dataclass

from qa_desktop.services import people
from qa_desktop.services.access.permissions import EVALUATOR
from qa_desktop.storage import library
from qa_desktop.storage.criteria import criterion_names, in_order
from qa_desktop.storage.models import User


@dataclass(frozen=True)
class Choices:
    """(text, value) pairs for each filter box, in the order shown."""

    agents: list[tuple[str, int]]
    teams: list[tuple[str, int]]
    criteria: list[tuple[str, str]]
    drivers: list[tuple[str, str]]
    queues: list[str]  # the active evaluators and everyone some call is assigned to, by name


def scored_criteria() -> list[tuple[str, str]]:
    """(name, id) of every scored criterion, in scorecard order."""
    names = criterion_names()
    return [(names.get(c, c), c) for c in in_order(library.scored_criteria(), names)]


def choices(driver_names: dict[str, str]) -> Choices:
    """Everything the filter boxes offer; drivers are named by `driver_names` (id -> name) and sorted."""
    return Choices(
        [(a.shown, a.id) for a in people.agents()],  # the calls without an agent's name last, as '(no agent)'
        [(t.name, t.id) for t in people.teams()],
        scored_criteria(),
        sorted((driver_names.get(d, d), d) for d in library.tagged_drivers()),
        queues(),
    )


def queues() -> list[str]:
    """The names whose assigned calls a lead may list: the active evaluators, and anyone a call is still assigned
    to (a disabled evaluator's calls, to hand them on)."""
    active = User.select(User.name).where((User.role == EVALUATOR) & User.active)
    return sorted({user.name for user in active} | set(library.assignees()), key=str.casefold)
