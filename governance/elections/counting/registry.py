"""The rule sets a count can use, by name.

A rule module registers itself here with one line: its ``METHOD``, a :class:`model.Method`
(name, version, decimal places, and ``count(election, seed) -> Result``).
"""

from __future__ import annotations

from governance.elections.counting import fptp, meek, stv
from governance.elections.counting.model import Method

METHODS: dict[str, Method] = {
    "fptp": fptp.METHOD,
    "scottish-stv": stv.SCOTTISH_STV,
    "mer2014-stv": stv.MER2014_STV,
    "ers97-stv": stv.ERS97_STV,
    "meek-stv": meek.METHOD,
}
