"""Every message a form can show is a sentence a person understands, and the error summary
lists each once and takes the focus."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import Session

from governance.app import route_handlers
from governance.web.forms import Strict, parse_form
from tests.conftest import Client

RAW = re.compile(r"Input should|Value error|validation error|\[type=|\^|\\d|\{\d|pydantic")
GARBAGE: list[Any] = [["a", "b"], "x" * 30_000, "zz-not-valid", "-5", "2026-02-30", "", None]


def schemas() -> list[type[Strict]]:
    route_handlers()  # imports every domain's schemas
    found: list[type[Strict]] = []
    todo = list(Strict.__subclasses__())
    while todo:
        schema = todo.pop()
        if schema not in found:
            found.append(schema)
            todo.extend(schema.__subclasses__())
    return sorted(found, key=lambda s: f"{s.__module__}.{s.__qualname__}")


SCHEMAS = schemas()


def test_there_are_forms_to_check() -> None:
    assert len(SCHEMAS) > 30


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__qualname__)
def test_no_form_error_is_the_validators_own_wording(schema: type[Strict]) -> None:
    for garbage in GARBAGE:
        for field in schema.model_fields:
            _, errors = parse_form(schema, {field: garbage})
            for where, message in errors.items():
                assert not RAW.search(message), f"{schema.__qualname__}.{where}: {message!r}"
                assert message[:1].isupper(), f"{schema.__qualname__}.{where}: {message!r}"


def test_the_error_summary_lists_each_message_once_and_takes_the_focus(
    client: Client, db: Session
) -> None:
    from tests.factories import make_org

    make_org(db, "org-a")
    page = client.form("/sign-in", {"email": "", "password": ""}).text
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "autofocus" in summary
    items = re.findall(r"<li><a href=\"#[^\"]+\">([^<]+)</a></li>", summary)
    assert items and len(items) == len(set(items))
