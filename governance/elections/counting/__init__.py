"""The counting engine: pure FPTP and STV rule sets (no framework, no database).

``count(election, method, seed)`` counts an :class:`Election` under one of ``METHODS`` and
returns its :class:`Result`; :mod:`blt` reads and writes ballot files, :mod:`ballots` turns raw
papers into ballots, :mod:`report` renders results, :mod:`cli` is the ``governance count``
command. docs/counting.md describes every rule set.
"""

from __future__ import annotations

from governance.elections.counting.model import CountError, Election, Result
from governance.elections.counting.registry import METHODS

__all__ = ["METHODS", "CountError", "count"]


def count(election: Election, method: str, seed: str | None = None) -> Result:
    """Count ``election`` under the rule set named ``method``.

    ``seed`` fixes any drawing of lots so that the count can be replayed; without one, a seed
    is created when the first lot is drawn and recorded in ``Result.seed``.
    """
    rule_set = METHODS.get(method)
    if rule_set is None:
        known = ", ".join(sorted(METHODS))
        raise CountError(f"unknown counting method {method!r} (known: {known})")
    return rule_set.count(election, seed)
