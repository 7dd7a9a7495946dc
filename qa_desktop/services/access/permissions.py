"""Roles and the actions they may take, checked by `require(user, action)` in every guarded service entry
point (the app hides what a role cannot do as well, but the check here is what counts, for the app and the
command line alike). A refusal names the roles the action needs."""

from __future__ import annotations

from dataclasses import dataclass

from qa_desktop.storage.models import Call, User

ADMIN, LEAD, COACH, EVALUATOR, AGENT = "admin", "lead", "coach", "evaluator", "agent"
ROLES: dict[str, str] = {ADMIN: "admin", LEAD: "QA lead", COACH: "coach", EVALUATOR: "evaluator", AGENT: "agent"}

# How far a role's permission reaches: every call, the calls assigned to the user, or the user's own calls.
ANY, ASSIGNED, OWN = "any", "assigned", "own"


@dataclass(frozen=True)
class Action:
    """A guarded action: what it is called in a refusal, and which roles may take it on which calls."""

    label: str
    roles: dict[str, str]


ACTIONS: dict[str, Action] = {
    "read reviews": Action(
        "reading reviews and agreement statistics", {ADMIN: ANY, LEAD: ANY, COACH: ANY, EVALUATOR: ANY, AGENT: OWN}
    ),
    "view call": Action("seeing this call", {ADMIN: ANY, LEAD: ANY, COACH: ANY, EVALUATOR: ANY, AGENT: OWN}),
    "review": Action(
        "reviewing a call (override, confirm, mark reviewed)", {ADMIN: ANY, LEAD: ANY, EVALUATOR: ASSIGNED}
    ),
    "assign": Action("assigning calls to evaluators", {ADMIN: ANY, LEAD: ANY}),
    "manage agents": Action(
        "changing agents and teams (rename, merge, move, reassign a call)", {ADMIN: ANY, LEAD: ANY}
    ),
    "raise dispute": Action("raising a dispute", {ADMIN: ANY, LEAD: ANY, AGENT: OWN}),
    "settle dispute": Action("accepting or rejecting a dispute", {ADMIN: ANY, LEAD: ANY}),
    "create calibration": Action("creating a calibration session", {ADMIN: ANY, LEAD: ANY}),
    "answer calibration": Action("answering in a calibration", {ADMIN: ANY, LEAD: ANY, EVALUATOR: ANY}),
    "settle calibration": Action("settling a calibration's expert answer", {ADMIN: ANY, LEAD: ANY}),
    "coach": Action("creating or changing coaching sessions", {ADMIN: ANY, COACH: ANY}),
    "export coaching pack": Action("exporting a coaching pack", {ADMIN: ANY, COACH: ANY, AGENT: OWN}),
    "ingest": Action("importing calls", {ADMIN: ANY, LEAD: ANY}),
    "relocate": Action("finding moved recordings (Locate…)", {ADMIN: ANY, LEAD: ANY}),
    "change scorecard": Action("changing the scorecard, call drivers or rescoring", {ADMIN: ANY}),
    "manage users": Action("managing users", {ADMIN: ANY}),
    "retention": Action("setting or applying the retention policy", {ADMIN: ANY}),
}


class AccessError(Exception):
    """Access refused or not established: the message says why and what to do."""


class PermissionDenied(AccessError):
    """The signed-in user's role may not take this action (on this call)."""


def role_names(roles: list[str] | tuple[str, ...]) -> str:
    """Roles as a reader says them: 'QA lead or admin'."""
    names = [ROLES[r] for r in roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _needed(action: Action, user_role: str) -> str:
    wider = [r for r, reach in action.roles.items() if reach == ANY and r != user_role]
    return role_names(sorted(wider, key=list(ROLES).index))


def allowed(user: User, action: str, call: Call | None = None, agent_ids: list[int] | None = None) -> bool:
    """Whether the user may take the action (on this call, or on these agents' data for OWN reach)."""
    return not refusal(user, action, call, agent_ids)


def refusal(user: User, action: str, call: Call | None = None, agent_ids: list[int] | None = None) -> str:
    """Why the user may not take the action, as `require` would refuse it ("" when they may): what the app says
    beside what it disables."""
    try:
        require(user, action, call, agent_ids)
    except PermissionDenied as exc:
        return str(exc)
    return ""


def require(user: User, action: str, call: Call | None = None, agent_ids: list[int] | None = None) -> None:
    """Raise PermissionDenied, naming the roles needed, unless the user may take the action. For a role whose
    reach is the user's own calls (agents) or the calls assigned to them (evaluators), the call (or, for data
    that is not one call, the agents it belongs to) must be theirs."""
    rule = ACTIONS[action]
    reach = rule.roles.get(user.role)
    who = f"you are signed in as {user.name}, {_article(ROLES.get(user.role, user.role))}"
    if reach is None:
        raise PermissionDenied(f"{rule.label} needs the {_needed(rule, user.role)} role ({who})")
    if reach == OWN:
        mine = user.agent_id is not None and (
            (call is not None and call.agent_id == user.agent_id)
            or (call is None and agent_ids is not None and set(agent_ids) == {user.agent_id})
        )
        if not mine:
            raise PermissionDenied(
                f"{rule.label} on other agents' calls needs the {_needed(rule, user.role)} role "
                f"({who}: only your own calls)"
            )
    if reach == ASSIGNED and (call is None or call.assigned_to != user.name):
        raise PermissionDenied(
            f"{rule.label} on a call not assigned to you needs the {_needed(rule, user.role)} "
            f"role ({who}: only calls assigned to you)"
        )


def sentence(message: str) -> str:
    """A refusal as a sentence of its own, for the app to show ("" stays "")."""
    return f"{message[:1].upper()}{message[1:]}." if message else ""


def _article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
