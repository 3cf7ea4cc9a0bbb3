"""The election lifecycle's scheduled job: move every election whose next stage is due."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from governance.elections.stages import advance_due
from governance.scheduler import job
from governance.settings import Settings


@job("elections.advance", seconds=30)
def advance_elections(engine: Engine, settings: Settings) -> None:
    advance_due(engine, settings)
