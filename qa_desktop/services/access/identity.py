"""Who is acting: the user signed in to this process, or, on a database without users (the single-user
default), the local owner, an admin who is never asked for a password.

A database is in team mode once it has users: from then on every process that opens it must sign in
(the app asks, the command line takes --user), and the audit log names the signed-in user. The signed-in
user is read again on every check, so a changed role or a disabled account counts at once."""

from __future__ import annotations

import getpass

from qa_desktop.services.access.permissions import ADMIN, AccessError
from qa_desktop.storage.models import User, database

_signed_in: tuple[str, int] | None = None  # (the database it was signed in to, the user's id)
_owner_name = ""


class NotSignedIn(AccessError):
    """The database has users and nobody is signed in (or the signed-in account was disabled)."""


def _database_key() -> str:
    return str(getattr(database, "database", "") or "")


def team_mode() -> bool:
    """Whether the open database has users, so that everyone signs in (no database open: no)."""
    return bool(_database_key()) and User.select().exists()


def set_owner_name(name: str) -> None:
    """The local owner's name for the audit log (the Settings' reviewer name; default: the login name)."""
    global _owner_name
    _owner_name = name.strip()


def local_owner() -> User:
    """The one person of a database without users: an admin, not stored, never asked for a password."""
    return User(name=_owner_name or getpass.getuser(), role=ADMIN, password_hash="", active=True)


def remember(user: User) -> None:
    """Sign this user in for this process, on the open database."""
    global _signed_in
    _signed_in = (_database_key(), user.id)


def sign_out() -> None:
    """Forget the signed-in user (the app's idle timeout, a switch of database)."""
    global _signed_in
    _signed_in = None


def signed_in() -> User | None:
    """The user signed in to the open database, if any (re-read: a disabled account is signed out)."""
    if _signed_in is None or _signed_in[0] != _database_key():
        return None
    user = User.get_or_none(User.id == _signed_in[1])
    if user is None or not user.active:
        sign_out()
        return None
    return user


def current_user() -> User:
    """The acting user: the signed-in one; on a database without users, the local owner; else NotSignedIn."""
    user = signed_in()
    if user is not None:
        return user
    if team_mode():
        raise NotSignedIn(
            "this database has users: sign in first (on the command line: --user NAME, with the "
            "password from the prompt or the QA_DESKTOP_PASSWORD environment variable)"
        )
    return local_owner()


def acting_name(given: str | None = None) -> str:
    """The name the audit log records: in team mode always the signed-in user's (whatever name was typed);
    on a single-user database the given name, else the local owner's."""
    if team_mode():
        return current_user().name
    return (given or "").strip() or local_owner().name
