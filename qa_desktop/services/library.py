"""The call library as the signed-in user may see it: an agent sees their own calls only, whatever the
filter asks; everyone else every call."""

from __future__ import annotations

from dataclasses import replace

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import AGENT
from qa_desktop.services.dashboard.queries import Scope
from qa_desktop.storage import library
from qa_desktop.storage.library import LibraryFilter

NOBODY = -1  # an agent id no call has


def visible(f: LibraryFilter) -> LibraryFilter:
    """The filter narrowed to what the signed-in user may see."""
    user = current_user()
    if user.role != AGENT:
        return f
    own = user.agent_id if user.agent_id is not None else NOBODY
    return replace(f, agent_id=own if f.agent_id in (None, own) else NOBODY)


def visible_scope(scope: Scope) -> Scope:
    """A dashboard scope narrowed to what the signed-in user may see: an agent's own calls."""
    user = current_user()
    if user.role != AGENT:
        return scope
    own = user.agent_id if user.agent_id is not None else NOBODY
    return replace(scope, team_id=None, agent_id=own if scope.agent_id in (None, own) else NOBODY)


def call_ids(f: LibraryFilter, sort: str = "date", descending: bool = True) -> list[int]:
    """The ids of the calls the user may see that pass the filter, in the sort's order."""
    return library.call_ids(visible(f), sort, descending)
