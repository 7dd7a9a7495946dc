"""What is known about a call besides its audio: agent, team, call id and time, extra columns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class CallMetadata:
    """What is known about a call besides its audio."""

    agent: str | None = None
    team: str | None = None
    call_id: str | None = None
    call_time: dt.datetime | None = None
    agent_channel: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def merged_over(self, base: CallMetadata) -> CallMetadata:
        """These values, falling back to `base` where this one has none."""
        return CallMetadata(
            self.agent or base.agent,
            self.team or base.team,
            self.call_id or base.call_id,
            self.call_time or base.call_time,
            self.agent_channel if self.agent_channel is not None else base.agent_channel,
            {**base.extra, **self.extra},
        )


def customer_name(metadata: dict[str, str]) -> str | None:
    """The customer's name from a call's extra metadata columns, if a CSV gave one."""
    for key in ("customer_name", "customer", "caller_name", "caller"):
        if metadata.get(key):
            return metadata[key]
    return None
