"""The election key: ballots are sealed to a public key whose private part the service never holds.

Before the poll opens the returning officer makes a key pair on their own computer (``governance
election-key generate``), keeps the private key (or hands one share to each trustee, k of n),
and gives the service the public key only. Every ballot, whatever its channel, is stored as a
libsodium sealed box (X25519 + XSalsa20-Poly1305, through PyNaCl) of its choices, padded to one
length for the election so the size of a ciphertext says nothing about how many preferences it
holds. At the count the private key (or k shares, combined with pycryptodome's Shamir scheme)
is supplied with the request, checked against the public key, used in memory and dropped.

Text forms, one line each so they can be pasted into a form or kept in a file:

* public key ``GPK1-<base64url of 32 bytes>``
* private key ``GSK1-<base64url of 32 bytes>``
* trustee share ``GSS1-<k>-<n>-<index>-<fingerprint>-<base64url of 32 bytes>``: the private key
  is split as two 16-byte halves (the size pycryptodome's Shamir works on), each share carrying
  both halves' shares for one trustee, and the fingerprint of the public key it belongs to.

Nothing here touches the database or a framework.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from Crypto.Protocol.SecretSharing import Shamir
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

PUBLIC_PREFIX = "GPK1-"
PRIVATE_PREFIX = "GSK1-"
SHARE_PREFIX = "GSS1-"
KEY_BYTES = 32
MAX_TRUSTEES = 20
PAYLOAD_VERSION = 1
PAD_BLOCK = 64
# Why a returned paper cannot be counted, as one byte inside the sealed ballot (0: counted).
REASON_CODES = ("unmarked", "too-many-marks", "no-first-preference", "identifies-voter")


class KeyProblem(Exception):
    """The key material given cannot be used. ``slug`` is stable; ``message`` is for people."""

    def __init__(self, slug: str, message: str) -> None:
        super().__init__(message)
        self.slug = slug
        self.message = message


@dataclass(frozen=True)
class KeyPair:
    public: str
    private: str


def _encode(prefix: str, raw: bytes) -> str:
    return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str, prefix: str, what: str) -> bytes:
    token = text.strip()
    if not token.startswith(prefix):
        raise KeyProblem("malformed-key", f"That is not {what} (it should start {prefix}).")
    body = token[len(prefix) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise KeyProblem(
            "malformed-key", f"That {what} is damaged: check it was copied whole."
        ) from None
    if len(raw) != KEY_BYTES:
        raise KeyProblem("malformed-key", f"That {what} is damaged: check it was copied whole.")
    return raw


def generate_key_pair() -> KeyPair:
    """A new election key pair from the operating system's random source."""
    private = PrivateKey.generate()
    return KeyPair(
        public=_encode(PUBLIC_PREFIX, bytes(private.public_key)),
        private=_encode(PRIVATE_PREFIX, bytes(private)),
    )


def public_key_bytes(text: str) -> bytes:
    """The 32 bytes of a public key in its text form, or :class:`KeyProblem`."""
    raw = _decode(text, PUBLIC_PREFIX, "an election public key")
    if raw == bytes(KEY_BYTES):
        raise KeyProblem("malformed-key", "That public key is not a usable key.")
    return raw


def normalise_public_key(text: str) -> str:
    """The canonical text of a public key (checks it on the way)."""
    return _encode(PUBLIC_PREFIX, public_key_bytes(text))


def fingerprint(public_text: str) -> str:
    """A short name for a public key, to compare by eye and to tie shares to their election."""
    digest = hashlib.sha256(public_key_bytes(public_text)).hexdigest()[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def public_of(private_text: str) -> str:
    private = PrivateKey(_decode(private_text, PRIVATE_PREFIX, "an election private key"))
    return _encode(PUBLIC_PREFIX, bytes(private.public_key))


def split_private_key(private_text: str, threshold: int, trustees: int) -> list[str]:
    """``trustees`` shares of the private key, any ``threshold`` of which rebuild it."""
    if not 2 <= threshold <= trustees <= MAX_TRUSTEES:
        raise KeyProblem(
            "bad-threshold",
            f"Choose at least 2 shares needed, no more than the trustees (at most {MAX_TRUSTEES}).",
        )
    raw = _decode(private_text, PRIVATE_PREFIX, "an election private key")
    mark = fingerprint(public_of(private_text)).replace("-", "")
    low = Shamir.split(threshold, trustees, raw[:16], ssss=False)
    high = Shamir.split(threshold, trustees, raw[16:], ssss=False)
    shares = []
    for (index, a), (index_b, b) in zip(low, high, strict=True):
        assert index == index_b
        body = _encode("", a + b)
        shares.append(f"{SHARE_PREFIX}{threshold}-{trustees}-{index}-{mark}-{body}")
    return shares


@dataclass(frozen=True)
class Share:
    threshold: int
    trustees: int
    index: int
    mark: str
    low: bytes
    high: bytes


def parse_share(text: str) -> Share:
    token = text.strip()
    parts = token[len(SHARE_PREFIX) :].split("-", 4) if token.startswith(SHARE_PREFIX) else []
    if len(parts) != 5 or not all(p.isdigit() for p in parts[:3]):
        raise KeyProblem("malformed-share", "That is not a trustee's key share (GSS1-...).")
    threshold, trustees, index = (int(p) for p in parts[:3])
    raw = _decode(PRIVATE_PREFIX + parts[4], PRIVATE_PREFIX, "trustee's key share")
    if not 1 <= index <= trustees or not 2 <= threshold <= trustees:
        raise KeyProblem("malformed-share", "That trustee's key share is damaged.")
    return Share(threshold, trustees, index, parts[3].upper(), raw[:16], raw[16:])


def combine_shares(texts: Sequence[str]) -> str:
    """The private key rebuilt from trustees' shares, or :class:`KeyProblem` if there are too few
    or they do not belong together."""
    shares = [parse_share(t) for t in texts if t.strip()]
    if not shares:
        raise KeyProblem("no-key", "Give the election private key or the trustees' shares.")
    first = shares[0]
    if any(
        (s.threshold, s.trustees, s.mark) != (first.threshold, first.trustees, first.mark)
        for s in shares
    ):
        raise KeyProblem("mixed-shares", "These shares do not all belong to the same key.")
    by_index = {s.index: s for s in shares}
    if len(by_index) < first.threshold:
        raise KeyProblem(
            "too-few-shares",
            f"This key needs {first.threshold} of its {first.trustees} trustees' shares; "
            f"{len(by_index)} different share(s) were given.",
        )
    chosen = sorted(by_index.values(), key=lambda s: s.index)[: first.threshold]
    low = Shamir.combine([(s.index, s.low) for s in chosen], ssss=False)
    high = Shamir.combine([(s.index, s.high) for s in chosen], ssss=False)
    return _encode(PRIVATE_PREFIX, low + high)


def unlock(public_text: str, *, private_key: str | None, shares: Iterable[str] = ()) -> PrivateKey:
    """The private key for ``public_text`` from a private key or shares; refuses a wrong one."""
    given = [s.strip() for s in shares if s.strip() and not s.strip().startswith("#")]
    if private_key and private_key.strip():
        candidate = private_key_from_text(private_key)
    elif given:
        for share in given:
            if parse_share(share).mark != fingerprint(public_text).replace("-", ""):
                raise KeyProblem("wrong-key", "A share given belongs to another election's key.")
        candidate = combine_shares(given)
    else:
        raise KeyProblem("no-key", "Give the election private key or the trustees' shares.")
    private = PrivateKey(_decode(candidate, PRIVATE_PREFIX, "an election private key"))
    if bytes(private.public_key) != public_key_bytes(public_text):
        raise KeyProblem(
            "wrong-key",
            "That key does not open this election's ballots (it does not match the public key "
            f"{fingerprint(public_text)}).",
        )
    return private


def private_key_from_text(text: str) -> str:
    """The private key line from pasted text or a key file (comment lines are ignored)."""
    for line in text.splitlines():
        if line.strip().startswith(PRIVATE_PREFIX):
            return line.strip()
    return text.strip()


def shares_from_text(text: str) -> list[str]:
    """Share lines from pasted text (one per line; other lines ignored)."""
    return [line.strip() for line in text.splitlines() if line.strip().startswith(SHARE_PREFIX)]


# -- sealing and opening ballots ----------------------------------------------------------------


def padded_size(candidates_on_ballot: int) -> int:
    """The plaintext length for an election: room for every candidate, rounded to a block."""
    need = 4 + 4 * max(candidates_on_ballot, 1)
    return -(-need // PAD_BLOCK) * PAD_BLOCK


def encode_ballot(choices: Sequence[int], rejected: str | None, size: int) -> bytes:
    """Version, reason code, count, then the candidate ids; zero-padded to ``size``."""
    reason = 0 if rejected is None else REASON_CODES.index(rejected) + 1
    body = struct.pack(f">BBH{len(choices)}I", PAYLOAD_VERSION, reason, len(choices), *choices)
    if len(body) > size:
        raise ValueError("ballot longer than the election's padded size")
    return body + bytes(size - len(body))


def decode_ballot(plain: bytes) -> tuple[list[int], str | None]:
    version, reason, count = struct.unpack_from(">BBH", plain)
    if version != PAYLOAD_VERSION or reason > len(REASON_CODES) or 4 + 4 * count > len(plain):
        raise KeyProblem("damaged-ballot", "A stored ballot could not be read.")
    choices = list(struct.unpack_from(f">{count}I", plain, 4))
    return choices, (REASON_CODES[reason - 1] if reason else None)


@lru_cache(maxsize=64)
def _box(public_text: str) -> SealedBox[PublicKey]:
    return SealedBox(PublicKey(public_key_bytes(public_text)))


def seal_ballot(
    public_text: str, choices: Sequence[int], rejected: str | None, *, candidates_on_ballot: int
) -> bytes:
    plain = encode_ballot(choices, rejected, padded_size(candidates_on_ballot))
    return bytes(_box(public_text).encrypt(plain))


def open_ballot(private: PrivateKey, sealed: bytes) -> tuple[list[int], str | None]:
    try:
        plain = SealedBox(private).decrypt(sealed)
    except CryptoError:
        raise KeyProblem("damaged-ballot", "A stored ballot could not be opened.") from None
    return decode_ballot(plain)


def tracker(sealed: bytes) -> str:
    """The ballot tracker: SHA-256 of the ciphertext, which the voter's receipt abbreviates."""
    return hashlib.sha256(sealed).hexdigest()


def receipt_of(sealed: bytes) -> str:
    """The receipt a voter is shown: the tracker's first 16 hex digits, in groups of four."""
    head = tracker(sealed)[:16].upper()
    return "-".join(head[i : i + 4] for i in range(0, 16, 4))
