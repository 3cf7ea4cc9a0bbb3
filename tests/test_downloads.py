"""Download headers for file names in any alphabet, and PATCH bodies that send null."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from governance.web.downloads import ascii_name, content_disposition


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("accounts.pdf", "accounts.pdf"),
        ("Café minutes.pdf", "Cafe minutes.pdf"),
        ("Протокол.pdf", "download.pdf"),
        ('a"b\r\n.pdf', "a_b__.pdf"),
    ],
)
def test_every_name_gives_a_latin1_header_that_keeps_the_real_name(
    name: str, fallback: str
) -> None:
    header = content_disposition(name)
    header.encode("latin-1")
    assert ascii_name(name) == fallback
    assert f'filename="{fallback}"' in header
    if fallback != name:
        assert unquote(header.split("filename*=UTF-8''", 1)[1]) == name
