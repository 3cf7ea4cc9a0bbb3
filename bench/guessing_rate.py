"""How fast can an attacker guess voter codes and staff passwords, with the limits in force?

The attack runs in-process against the real voting and sign-in services and a real database,
on the service clock: each refused attempt moves the clock on by its Retry-After, and each wait
for a paced address's turn moves it on by that wait, so a simulated day takes seconds. It
prints, for each attack, the guesses that were actually checked per hour once the waits have
grown to their longest, and what they add up to over a three-week poll against the code space.

    .venv/bin/python bench/guessing_rate.py [--hours 24]
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session

from bench.poll_common import SECRET, machine_info, seed, workdir
from governance.auth import backoff
from governance.db import Clock, make_engine
from governance.elections import voting
from governance.elections.ballot_box import VOTER_ID_ALPHABET, VoteRefused
from governance.elections.models import Election
from governance.security import Keys

CODE_SPACE = 10**8  # eight digits
VOTER_ID_SPACE = len(VOTER_ID_ALPHABET) ** 12
POLL_HOURS = 21 * 24


def advance(seconds: float) -> None:
    Clock.offset += timedelta(seconds=seconds)


def attack(url: str, seeded_id: int, guesses: list[tuple[str, str]], hours: float) -> list[int]:
    """Try ``guesses`` (voter ID, address) with wrong codes for ``hours`` of service time;
    the number of guesses checked in each hour."""
    keys = Keys(SECRET)
    engine = make_engine(url)
    start = Clock.offset
    per_hour = [0] * int(hours)
    number = 0
    while (Clock.offset - start).total_seconds() < hours * 3600:
        voter_id, address = guesses[number % len(guesses)]
        number += 1
        with Session(engine, expire_on_commit=False) as db:
            election = db.get(Election, seeded_id)
            assert election is not None
            try:
                voting.vote_online(
                    db,
                    engine,
                    keys,
                    election,
                    voter_id=voter_id,
                    code=f"{number % CODE_SPACE:08d}",
                    choices=[],
                    declaration=True,
                    ip=address,
                )
            except voting.TooManyAttempts as refused:
                advance(refused.retry_after)
                continue
            except VoteRefused:
                hour = int((Clock.offset - start).total_seconds() // 3600)
                if hour < len(per_hour):
                    per_hour[hour] += 1
        advance(0.05)  # the attacker's own round trip
    engine.dispose()
    return per_hour


def report(name: str, per_hour: list[int], space: float) -> None:
    steady = sum(per_hour[-6:]) / 6
    total = sum(per_hour) + steady * (POLL_HOURS - len(per_hour))
    print(f"{name}")
    print(f"  checked in hour 1: {per_hour[0]}; per hour at the end: {steady:.1f}")
    print(
        f"  over a 21-day poll: {total:,.0f} guesses; chance of a hit {total / space:.1e} "
        "if every guessed voter ID is real"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24)
    args = parser.parse_args()
    print(machine_info())
    print(f"load average: {os.getloadavg()}")
    # Turns of a paced address are waited for on the service clock, not in real time.
    backoff.wait_for_turn = advance  # type: ignore[assignment]
    with workdir() as folder:
        url = f"sqlite:///{Path(folder) / 'guessing.db'}"
        seeded = seed(url, 50, closes_in=timedelta(days=60))
        known = seeded.credentials[0][0]
        report(
            "one address, one known voter ID",
            attack(url, seeded.election_id, [(known, "203.0.113.1")], args.hours),
            CODE_SPACE,
        )
        bots = [(seeded.credentials[1][0], f"198.18.{n // 256}.{n % 256}") for n in range(1000)]
        report(
            "1,000 addresses, one known voter ID",
            attack(url, seeded.election_id, bots, args.hours),
            CODE_SPACE,
        )
        listed = [(voter_id, "203.0.113.2") for voter_id, _ in seeded.credentials[2:]]
        report(
            "one address, 48 known voter IDs in turn (a leaked list)",
            attack(url, seeded.election_id, listed, args.hours),
            CODE_SPACE,
        )
        roll = [(f"ZZZZ-ZZZZ-{n:04d}", "203.0.113.3") for n in range(10_000)]
        report(
            "one address, a different voter ID each time (the whole roll)",
            attack(url, seeded.election_id, roll, args.hours),
            CODE_SPACE,
        )
        print(
            "against the whole roll without known voter IDs, each guess must hit an ID and its "
            f"code: 1 in {VOTER_ID_SPACE * CODE_SPACE:.1e} per voter on the roll"
        )


if __name__ == "__main__":
    main()
