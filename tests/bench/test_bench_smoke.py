"""Each benchmark still runs (with --quick). No timings are checked: figures vary by machine."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
REFERENCE = Path("/work/shared/reference/stv")


def _load(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            "count_reference",
            marks=pytest.mark.skipif(not REFERENCE.is_dir(), reason="reference wards not present"),
        ),
        "count_million",
        "count_vs_pyrankvote",
        "count_file",
    ],
)
def test_benchmark_runs_quick(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _load(name).main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "machine:" in out
    assert "elected" in out


@pytest.mark.parametrize("name", ["register_import", "register_search"])
def test_register_benchmark_runs_quick(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _load(name).main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "machine:" in out
    assert "SQLite: 2,000" in out
