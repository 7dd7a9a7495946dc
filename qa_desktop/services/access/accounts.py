"""User accounts: add, list, change role, disable or enable, set a password; and sign-in, which locks an
account for LOCKOUT after MAX_FAILURES wrong passwords in a row (counted in the database, so every
workstation sees it). Every change is in the audit log."""

from __future__ import annotations

import datetime as dt

from peewee import IntegrityError

from qa_desktop.services.access.identity import current_user, remember, team_mode
from qa_desktop.services.access.passwords import hash_password, needs_rehash, verify_dummy, verify_password
from qa_desktop.services.access.permissions import ADMIN, AGENT, ROLES, AccessError, require
from qa_desktop.storage.models import Agent, AuditEntry, User, database
from qa_desktop.storage.no_agent import has_agent, shown_agent
from qa_desktop.storage.people import PeopleError, agent_called
from qa_desktop.storage.review import audit, locked

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)


class AccountError(AccessError):
    """An account change that cannot be made as asked."""


class LoginError(AccessError):
    """A sign-in refused: wrong name or password, a locked or disabled account."""


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _role(role: str) -> str:
    key = {"qa lead": "lead", "qa_lead": "lead", "qa-lead": "lead"}.get(role.strip().lower(), role.strip().lower())
    if key not in ROLES:
        raise AccountError(f"'{role}' is not a role (roles: {', '.join(ROLES)})")
    return key


def _user(name: str) -> User:
    user = User.get_or_none(User.name == name.strip())
    if user is None:
        known = ", ".join(u.name for u in User.select().order_by(User.name).limit(12))
        raise AccountError(f"no user called '{name}' (users: {known or 'none yet'})")
    return user


def _agent_for(role: str, name: str, agent_name: str | None) -> Agent | None:
    """The agent an agent-role user is (created if no call names it yet); None for other roles."""
    if role != AGENT:
        return None
    try:
        agent = agent_called(agent_name or name, create=True)  # "tom becker" is the agent "Tom Becker"
    except PeopleError as exc:
        raise AccountError(str(exc)) from None
    if not has_agent(agent.name):  # who signs in as it would see every call imported without an agent's name
        raise AccountError(f"'{shown_agent(agent.name)}' is the calls imported without an agent's name, not an agent")
    return agent


def add_user(name: str, role: str, password: str, agent_name: str | None = None) -> User:
    """A new user (admin only). The first user must be an admin: from then on the database asks everyone to
    sign in, and only an admin can add the others. An agent-role user is the agent `agent_name` (default: the
    same name)."""
    actor = current_user()
    require(actor, "manage users")
    name, role = name.strip(), _role(role)
    if not name:
        raise AccountError("a user needs a name")
    if not team_mode() and role != ADMIN:
        raise AccountError(
            "the first user must be an admin: once a database has users everyone signs in, and "
            "only an admin can add the others"
        )
    hashed = hash_password(password)
    try:
        with database.atomic():
            if User.select().where(User.name == name).exists():
                raise AccountError(_taken(name))
            user = User.create(name=name, role=role, password_hash=hashed, agent=_agent_for(role, name, agent_name))
            audit(None, actor.name, "add user", name, None, ROLES[role])
    except IntegrityError:  # PostgreSQL: another admin's user of that name was committed meanwhile
        if not User.select().where(User.name == name).exists():
            raise
        raise AccountError(_taken(name)) from None
    return user


def _latest(action: str, name: str) -> AuditEntry | None:
    """The audit log's latest `action` on the user called `name`."""
    query = AuditEntry.select().where(AuditEntry.call.is_null() & (AuditEntry.action == action))
    return query.where(AuditEntry.target == name).order_by(AuditEntry.id.desc()).first()


def _taken(name: str) -> str:
    """Why no user can be added as `name`: there is one, added by whom and when."""
    added = _latest("add user", name)
    by = f" (added by {added.actor} at {added.at:%H:%M})" if added else ""
    return f"there is already a user called '{name}'{by}"


def _role_changed(name: str) -> str:
    """Why a role change from a stale list was not made: who changed the role, and when."""
    changed = _latest("set role", name)
    by = f" by {changed.actor} (set role at {changed.at:%H:%M})" if changed else ""
    return f"{name}'s role was changed{by} since you opened the list; nothing was saved: look at it again"


def users() -> list[User]:
    """Every user, by name (admin only)."""
    require(current_user(), "manage users")
    return list(User.select().order_by(User.name))


def state(user: User) -> str:
    """A user's state as people say it: active, disabled, or locked until a time."""
    if not user.active:
        return "disabled"
    if user.locked_until is not None and user.locked_until > _now():
        return f"locked until {user.locked_until:%H:%M}"
    return "active"


def _as_now(user: User) -> tuple[User, bool]:
    """In a change's transaction: the user as stored now, and whether they are the last active admin. Every active
    admin is held until the transaction ends (PostgreSQL), so two admins demoting each other at once do not both
    succeed: the second reads the first's change, then is refused."""
    admins = {u.id for u in locked(User.select(User.id).where((User.role == ADMIN) & User.active))}
    user = locked(User.select().where(User.id == user.id)).get()
    return user, admins == {user.id}


def set_role(name: str, role: str, agent_name: str | None = None, shown: str | None = None) -> User:
    """Give a user another role (admin only); the last active admin keeps theirs. `shown` is the role the admin saw:
    when another admin changed it meanwhile, nothing is changed and AccountError says who (None: whatever it is)."""
    actor = current_user()
    require(actor, "manage users")
    user, role = _user(name), _role(role)
    with database.atomic():
        user, last_admin = _as_now(user)
        if shown is not None and user.role != shown:
            raise AccountError(_role_changed(user.name))
        if role != ADMIN and last_admin:
            raise AccountError(f"{user.name} is the last admin: make another user admin first")
        audit(None, actor.name, "set role", user.name, ROLES[user.role], ROLES[role])
        user.role, user.agent = role, _agent_for(role, user.name, agent_name)
        user.save()
    return user


def set_active(name: str, active: bool) -> User:
    """Disable a user (they can no longer sign in; their name stays in the audit log) or enable them again."""
    actor = current_user()
    require(actor, "manage users")
    user = _user(name)
    with database.atomic():
        user, last_admin = _as_now(user)
        if not active and last_admin:
            raise AccountError(f"{user.name} is the last admin and cannot be disabled")
        audit(None, actor.name, "enable user" if active else "disable user", user.name)
        user.active, user.failed_logins, user.locked_until = active, 0, None
        user.save()
    return user


def set_password(name: str, password: str) -> None:
    """A new password for a user: an admin for anyone, everyone for themselves."""
    actor = current_user()
    user = _user(name)
    if actor.id != user.id:
        require(actor, "manage users")
    hashed = hash_password(password)
    with database.atomic():
        audit(None, actor.name, "set password", user.name)
        user.password_hash, user.failed_logins, user.locked_until = hashed, 0, None
        user.save()


def authenticate(name: str, password: str) -> User:
    """The user with this name and password; LoginError otherwise. MAX_FAILURES wrong passwords in a row
    lock the account for LOCKOUT (a locked account is refused even with the right password)."""
    user = User.get_or_none(User.name == name.strip())
    now = _now()
    if user is None:
        verify_dummy(password)  # as long as for a known name: the time tells nothing
        raise LoginError("wrong user name or password")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginError(
            f"{user.name} is locked after {MAX_FAILURES} wrong passwords until "
            f"{user.locked_until:%H:%M}; try again then, or ask an admin"
        )
    if not verify_password(user.password_hash, password):
        with database.atomic():  # committed before the refusal is raised
            User.update(failed_logins=User.failed_logins + 1).where(User.id == user.id).execute()
            failures = User.get_by_id(user.id).failed_logins
            locked = failures >= MAX_FAILURES
            if locked:
                User.update(failed_logins=0, locked_until=now + LOCKOUT).where(User.id == user.id).execute()
                audit(
                    None,
                    user.name,
                    "account locked",
                    user.name,
                    None,
                    None,
                    f"{failures} wrong passwords in a row; locked for {LOCKOUT.seconds // 60} minutes",
                )
        if locked:
            raise LoginError(
                f"wrong user name or password; {user.name} is now locked for {LOCKOUT.seconds // 60} minutes"
            )
        raise LoginError("wrong user name or password")
    if not user.active:
        raise LoginError(f"{user.name} is disabled; an admin can enable it again")
    fields = {"failed_logins": 0, "locked_until": None, "last_login": now}
    if needs_rehash(user.password_hash):
        fields["password_hash"] = hash_password(password)
    User.update(**fields).where(User.id == user.id).execute()
    return User.get_by_id(user.id)


def sign_in(name: str, password: str) -> User:
    """Authenticate and sign the user in for this process."""
    user = authenticate(name, password)
    remember(user)
    return user
