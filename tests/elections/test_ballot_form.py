"""Reading ballot forms (pure), the sealed voting progress, and the credential helpers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance.db import utcnow
from governance.elections import ballot_box
from governance.elections.ballot_form import (
    Option,
    marks_from_choices,
    read_marks,
    read_ranks,
)
from governance.elections.poll import seal_credentials, unseal_credentials
from governance.elections.receipts import normalise_receipt
from governance.elections.turnout import Turnout
from governance.elections.vote_state import VoteState, open_state, seal_state
from governance.security import Keys

KEYS = Keys("a-test-key-that-is-long-enough-for-the-purpose-0123456789")
OPTIONS = [Option(30, "Ann"), Option(10, "Ben"), Option(20, "Cat")]


def test_ranks_in_order() -> None:
    entry = read_ranks(OPTIONS, {30: "2", 10: " 1 ", 20: ""})
    assert entry.ok and entry.choices == [10, 30]


@pytest.mark.parametrize(
    ("entered", "reason", "field"),
    [
        ({30: "1", 10: "1"}, "repeated-preference", "rank-30"),
        ({30: "1", 10: "3"}, "malformed-ranking", "rank-10"),
        ({30: "2"}, "malformed-ranking", "rank-30"),
        ({30: "x"}, "malformed-ranking", "rank-30"),
        ({30: "0"}, "malformed-ranking", "rank-30"),
        ({30: "4"}, "malformed-ranking", "rank-30"),
        ({}, "empty-ballot", "rank-30"),
    ],
)
def test_bad_rankings_name_the_field_and_reason(
    entered: dict[int, str], reason: str, field: str
) -> None:
    entry = read_ranks(OPTIONS, entered)
    assert not entry.ok and entry.reason == reason and field in entry.errors
    assert entry.marks[30] == entered.get(30, "").strip()


def test_repeated_preferences_are_reported_for_each_candidate() -> None:
    entry = read_ranks(OPTIONS, {30: "1", 10: "1", 20: "1"})
    assert list(entry.errors) == ["rank-30", "rank-10", "rank-20"]


def test_marks_up_to_the_seats() -> None:
    assert read_marks(OPTIONS, ["20", "30"], 2).choices == [30, 20]
    assert read_marks(OPTIONS, ["20", "20"], 1).choices == [20]
    assert read_marks(OPTIONS, ["20", "30"], 1).reason == "too-many-marks"
    assert read_marks(OPTIONS, [], 1).reason == "empty-ballot"
    assert read_marks(OPTIONS, ["99"], 1).reason == "unknown-candidate"


def test_choices_shown_again() -> None:
    assert marks_from_choices("mer2014-stv", [20, 30]) == {20: "1", 30: "2"}
    assert marks_from_choices("fptp", [20]) == {20: "on"}


def test_vote_state_is_sealed_bound_and_expires() -> None:
    now = utcnow()
    state = VoteState(7, "ABCD-EFGH-JKLM", "12345678", True, declared=True, choices=[3, 1])
    token = seal_state(KEYS, state, now)
    assert "12345678" not in token
    opened = open_state(KEYS, token, 7, now)
    assert opened is not None and opened.choices == [3, 1] and opened.declared
    assert open_state(KEYS, token, 8, now) is None
    assert open_state(KEYS, token, 7, now + timedelta(hours=2)) is None
    assert open_state(KEYS, token[:-3] + "abc", 7, now) is None
    assert (
        open_state(Keys("another-key-that-is-long-enough-0123456789abcdef"), token, 7, now) is None
    )


def test_credentials_sealing_round_trips_and_is_bound_to_the_election() -> None:
    creds = ballot_box.new_credentials()
    sealed = seal_credentials(KEYS, 5, creds)
    assert unseal_credentials(KEYS, 5, sealed) == creds
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        unseal_credentials(KEYS, 6, sealed)


def test_credentials_look_right_and_their_hmacs_match_the_server_keys() -> None:
    seen = set()
    for _ in range(500):
        creds = ballot_box.new_credentials()
        assert ballot_box.CANONICAL_VOTER_ID.fullmatch(creds.voter_id)
        assert set(creds.voter_id.replace("-", "")) <= set(ballot_box.VOTER_ID_ALPHABET)
        assert len(creds.code) == 8 and creds.code.isdigit()
        seen.add(creds.voter_id)
    assert len(seen) == 500
    creds = ballot_box.new_credentials()
    expected = KEYS.token_hmac(f"9:{creds.voter_id}", "voter-id")
    assert ballot_box.voter_id_hmac(KEYS, 9, creds.voter_id.lower().replace("-", "")) == expected
    spaced = " ".join(creds.code)
    assert ballot_box.code_hmac(KEYS, 9, creds.voter_id, spaced) == KEYS.token_hmac(
        f"9:{creds.voter_id}:{creds.code}", "voter-code"
    )


def test_receipts_normalise() -> None:
    assert normalise_receipt(" abcd1234 ef56-7890 ") == "ABCD-1234-EF56-7890"
    assert normalise_receipt("ABCD-1234") is None
    assert normalise_receipt("GGGG-1234-EF56-7890") is None


def test_turnout_percent_uses_integers() -> None:
    assert Turnout(electorate=3, voted=1).percent == "33.3%"
    assert Turnout(electorate=8, voted=1).percent == "12.5%"
    assert Turnout(electorate=0, voted=0).percent == "0.0%"
