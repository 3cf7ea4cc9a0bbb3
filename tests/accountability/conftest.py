"""Fixtures for the accountability tests: the clock is put back after each test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from governance.db import Clock


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    Clock.offset = timedelta(0)
    yield
    Clock.offset = timedelta(0)
