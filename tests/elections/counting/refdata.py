"""Where the shared reference data lives, and small readers for it.

``GOVERNANCE_REFERENCE_DIR`` points at the folder holding ``stv/``; by default it is the
``shared/reference`` folder beside the repository. Tests that need it are skipped (never failed)
when it is absent.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from governance.elections.counting.ties import Lots

_DEFAULT = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference"
REFERENCE = Path(os.environ.get("GOVERNANCE_REFERENCE_DIR", _DEFAULT)).resolve()
STV = REFERENCE / "stv"


def stv_dir() -> Path:
    """The reference ``stv`` folder, or skip the calling test when it is not there."""
    if not STV.is_dir():
        pytest.skip(f"reference data not found at {STV} (set GOVERNANCE_REFERENCE_DIR)")
    return STV


@cache
def cases() -> list[dict[str, Any]]:
    """The entries of ``cases.json`` (empty when the reference data is absent)."""
    path = STV / "cases.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def openstv_outputs(method: str) -> list[Path]:
    """OpenSTV's result files for ``method`` (``NIrelandSTV``, ``ERS97STV``, ...)."""
    folder = STV / "openstv" / method
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def scaled(text: str, places: int) -> int:
    """A decimal string from a reference file as an integer scaled to ``places``."""
    return int(Decimal(text or "0") * 10**places)


class IndexOrderLots(Lots):
    """Lots that always fall on the lowest-numbered candidate, as Droop's reports break them."""

    def draw(self, candidates: Any) -> list[int]:
        return sorted(candidates)
