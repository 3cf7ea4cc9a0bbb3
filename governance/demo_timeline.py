"""The demo's clock: history is built by moving the service clock (``governance.db.Clock``)
back months and forward again through each timetable, running the scheduler's jobs at every
step as a deployment would, and ending with the clock where it started.

Each event is an action to take at a moment; an action may schedule later events (a
nomination once the notice of election is out, a count once the poll has closed). Moments are
never later than the instant the demo started: what lies ahead stays in the future.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance.db import Clock, utcnow
from governance.scheduler import run_all_once
from governance.security import Keys
from governance.settings import Settings

Action = Callable[[Session], None]


def travel_to(moment: datetime) -> None:
    """Make ``utcnow()`` read ``moment`` (the service clock only; nothing else moves)."""
    Clock.offset += moment - utcnow()


@dataclass
class Timeline:
    engine: Engine
    settings: Settings
    present: datetime = field(default_factory=utcnow)
    _events: list[tuple[datetime, int, Action]] = field(default_factory=list)
    _order: count[int] = field(default_factory=count)

    @property
    def keys(self) -> Keys:
        return Keys(self.settings.secret_key)

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def at(self, moment: datetime | None, action: Action) -> None:
        """Take ``action`` at ``moment`` (which must not be after the present)."""
        if moment is None:
            raise ValueError("the demo scheduled an event without a moment")
        if moment > self.present:
            raise ValueError(f"the demo scheduled an event in the future ({moment.isoformat()})")
        heapq.heappush(self._events, (moment, next(self._order), action))

    def after(self, moment: datetime | None, action: Action, delay: timedelta) -> None:
        """Take ``action`` a little after ``moment`` (capped at the present)."""
        if moment is None:
            raise ValueError("the demo scheduled an event without a moment")
        self.at(min(moment + delay, self.present), action)

    def run(self) -> None:
        """Take every event in order of time, then come back to the present."""
        original = Clock.offset
        first = True
        try:
            while self._events:
                moment, _, action = heapq.heappop(self._events)
                if first or moment > utcnow():  # back to the start, then only forward
                    travel_to(moment)
                first = False
                run_all_once(self.engine, self.settings)
                with Session(self.engine, expire_on_commit=False) as session:
                    action(session)
        finally:
            Clock.offset = original
        run_all_once(self.engine, self.settings)
