"""The ``Content-Disposition`` of a download, safe for any file name.

HTTP header values are Latin-1, so a name such as ``Протокол.pdf`` or ``Łódź.pdf`` cannot go
into ``filename="..."`` as it is (the response failed with a server error). The header carries
an ASCII stand-in for old clients and the real name encoded as RFC 6266 / RFC 8187
``filename*=UTF-8''...``, which every current browser prefers.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def ascii_name(filename: str, default: str = "download") -> str:
    """The name with accents dropped and anything else outside ``[A-Za-z0-9._- ]`` made ``_``."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in plain).strip()
    stem, dot, suffix = cleaned.rpartition(".") if "." in cleaned else (cleaned, "", "")
    if not stem.strip("._- "):
        return f"{default}.{suffix}" if dot and suffix else default
    return cleaned


def content_disposition(filename: str, *, inline: bool = False, default: str = "download") -> str:
    kind = "inline" if inline else "attachment"
    fallback = ascii_name(filename, default)
    header = f'{kind}; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
