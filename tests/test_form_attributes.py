"""Every form control on every page a person fills in carries well-formed attributes.

axe reads the page as a browser builds it, where ``requiredaria-describedby="x"`` is simply an
unknown attribute: the field is neither required nor tied to its error, and nothing is reported.
This test parses the HTML itself. It crawls the pages reachable from an organisation's start
page as the public, a member and the secretary, renders each form's error state by submitting
it empty (only the forms that change nothing when refused), and checks each input, select and
textarea: every attribute is one HTML defines, every id named by ``aria-describedby`` is on the
page, and a field marked as having an error says so.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session

from governance.organisations.constitution import Role
from tests.conftest import Client
from tests.elections.poll_helpers import make_poll
from tests.factories import make_member, make_org, make_user, member_client, signed_in_client

KNOWN = {
    "accept", "accesskey", "autocapitalize", "autocomplete", "autofocus", "checked", "class",
    "cols", "dir", "disabled", "enterkeyhint", "form", "hidden", "id", "inputmode", "lang",
    "list", "max", "maxlength", "min", "minlength", "multiple", "name", "pattern",
    "placeholder", "readonly", "required", "rows", "selected", "size", "spellcheck", "step",
    "style", "tabindex", "title", "translate", "type", "value", "wrap", "aria-describedby",
    "aria-invalid", "aria-label", "aria-labelledby", "aria-required", "aria-errormessage",
    "role",
}  # fmt: skip
CONTROLS = {"input", "select", "textarea"}
# Forms whose empty submission could change something even when refused.
UNSAFE = re.compile(r"sign-out|revoke|delete|remove|cancel|close|open|publish|declare|erase")


class Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.controls: list[tuple[str, dict[str, str | None], int]] = []
        self.forms: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag in CONTROLS:
            self.controls.append((tag, values, self.getpos()[0]))
        if tag == "form":
            self.forms.append(
                (str(values.get("method") or "get").lower(), values.get("action") or "")
            )


def problems(url: str, html: str) -> list[str]:
    parsed = Controls()
    parsed.feed(html)
    found = []
    for tag, attrs, line in parsed.controls:
        where = f"{url} line {line} <{tag} name={attrs.get('name')!r}>"
        for name in attrs:
            if name not in KNOWN and not name.startswith("data-"):
                found.append(f"{where}: unknown attribute {name!r}")
        for ref in (attrs.get("aria-describedby") or "").split():
            if ref not in parsed.ids:
                found.append(f"{where}: aria-describedby names {ref!r}, not on the page")
        if attrs.get("aria-invalid") == "true" and not attrs.get("aria-describedby"):
            found.append(f"{where}: marked invalid but tied to no error message")
    return found


def crawl(client: Client, start: str, limit: int = 60) -> dict[str, str]:
    """Pages reachable from ``start`` under the same organisation, then each safe form's
    refused submission."""
    seen: dict[str, str] = {}
    queue = [start]
    prefix = "/".join(start.split("/")[:3])
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.headers.get(
            "content-type", ""
        ):
            seen[url] = ""
            continue
        seen[url] = response.text
        for link in re.findall(r'href="(/[^"#?]*)', response.text):
            wanted = link.startswith((prefix, "/account", "/sign-in")) and link not in seen
            if wanted and not link.endswith((".csv", ".json", ".ics", ".atom", ".pdf", ".blt")):
                queue.append(link)
    pages = dict(seen)
    for url, html in seen.items():
        parsed = Controls()
        parsed.feed(html)
        for method, action in parsed.forms:
            target = action or url
            if method != "post" or UNSAFE.search(target) or not target.startswith("/"):
                continue
            answer = client.form(urlsplit(target).path, {})
            if "text/html" in answer.headers.get("content-type", ""):
                pages[f"POST {target}"] = answer.text
    return {url: html for url, html in pages.items() if html}


@pytest.mark.slow
def test_every_form_control_has_well_formed_attributes(
    db: Session, make_client: Any, client: Client
) -> None:
    org = make_org(db, "org-a")
    poll = make_poll(db, org, voters=1)
    secretary = make_user(db, "sec@example.org", roles={"org-a": [Role.SECRETARY]}, totp=True)
    member = make_member(db, org, email="ada@example.org")
    election = f"/o/org-a/elections/{poll.election.id}"
    pages: dict[str, str] = {}
    pages.update(crawl(client, "/o/org-a"))
    for extra in ("/sign-in", f"{election}/vote", f"{election}/check-receipt", "/o/org-a/join"):
        pages[extra] = client.get(extra).text
        pages[f"POST {extra}"] = client.form(extra, {}).text
    pages.update(crawl(member_client(make_client, db.get_bind(), member), "/o/org-a"))  # type: ignore[arg-type]
    pages.update(crawl(signed_in_client(make_client, secretary), "/o/org-a"))
    assert len(pages) > 30, sorted(pages)
    controls = sum(html.count("<input") for html in pages.values())
    assert controls > 50
    found = [issue for url, html in pages.items() for issue in problems(url, html)]
    assert not found, "\n".join(found[:40])


def test_the_checker_catches_fused_attributes() -> None:
    bad = '<p id="code-error">x</p><input id="code" requiredaria-describedby="code-error">'
    assert problems("/x", bad) == [
        "/x line 1 <input name=None>: unknown attribute 'requiredaria-describedby'"
    ]
    assert problems("/x", '<input aria-describedby="nowhere">')
