"""Search keys and tidy forms of names, emails and postcodes (pure).

Search runs on keys that hold only ``[a-z0-9]``: lower-cased, accents and punctuation removed.
Such strings sort the same under every collation, so a prefix search can be an index range
(``key >= 'smi' AND key < 'smj'``) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_KEY = re.compile(r"[^a-z0-9]")
_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]{2,}$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def search_key(text: str) -> str:
    """``'Ó Briain-Smythe'`` -> ``'obriainsmythe'``."""
    if text.isascii():
        return _NOT_KEY.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_KEY.sub("", stripped.lower())


def prefix_bound(prefix: str) -> str | None:
    """The smallest key above every key that starts with ``prefix`` (None when there is none)."""
    chars = list(prefix)
    while chars:
        position = _ALPHABET.find(chars[-1])
        if 0 <= position < len(_ALPHABET) - 1:
            chars[-1] = _ALPHABET[position + 1]
            return "".join(chars)
        chars.pop()
    return None


def clean_email(text: str) -> str:
    """Emails are compared and stored lower-cased, without surrounding space."""
    return text.strip().lower()


def valid_email(email: str) -> bool:
    return len(email) <= 254 and bool(_EMAIL.match(email))


def postcode_key(text: str) -> str:
    """``'ls1 4ap'`` -> ``'LS14AP'``."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def format_postcode(text: str) -> str:
    """A UK postcode in its usual form (``'LS1 4AP'``); other text is returned tidied, as given."""
    key = postcode_key(text)
    if _POSTCODE.match(key):
        return f"{key[:-3]} {key[-3:]}"
    return " ".join(text.split()).upper()


def valid_postcode(text: str) -> bool:
    return bool(_POSTCODE.match(postcode_key(text)))


def tidy(text: str | None, limit: int) -> str:
    """Collapse runs of white space and cut to the column's length."""
    if not text:
        return ""
    if "  " in text or not text.isprintable() or text[0] == " " or text[-1] == " ":
        text = " ".join(text.split())
    return text[:limit]
