"""The poll benchmarks still run end to end (--quick, SQLite). No timing is checked."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

pytestmark = pytest.mark.slow


def _load(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_poll_load_quick(capsys: pytest.CaptureFixture[str]) -> None:
    assert _load("poll_load").main(["--quick", "--voters", "50"]) == 0
    out = capsys.readouterr().out
    assert "machine:" in out and "ballots:" in out and "ratio to /health" in out


def test_poll_crash_quick(capsys: pytest.CaptureFixture[str]) -> None:
    assert _load("poll_crash").main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "receipts missing from the table: 0" in out
    assert "all checks passed" in out
