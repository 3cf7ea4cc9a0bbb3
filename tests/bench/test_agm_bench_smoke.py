"""The AGM votes benchmark still runs end to end (``--quick``: a few hundred members). Its
figures are printed, never checked: they vary by machine."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_agm_votes_runs_quick(capsys: pytest.CaptureFixture[str]) -> None:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_agm_votes", BENCH / "agm_votes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    assert module.main(["--quick", "--members", "200", "--motions", "3", "--clients", "4"]) == 0
    out = capsys.readouterr().out
    assert "machine:" in out
    assert "votes/s" in out
    assert "results: all 3 computed" in out
