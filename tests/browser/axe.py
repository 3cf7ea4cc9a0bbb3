"""Run axe-core (bundled with axe_playwright_python) on a page and fail with a readable report."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# The WCAG 2.0, 2.1 and 2.2 level A and AA rules; best-practice rules are not pass/fail here.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

_axe = Axe()


def violations(page: Page, context: str | None = None) -> list[dict[str, Any]]:
    """The WCAG 2.2 A/AA violations axe finds on the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = _axe.run(page, context=context, options=options)
    found: list[dict[str, Any]] = results.response["violations"]
    return found


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines())
            lines.append(f"    at {target}: {summary}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page: Page, context: str | None = None) -> None:
    """Fail the test, listing each rule broken and where, if axe finds WCAG A/AA violations."""
    found = violations(page, context)
    if found:
        pytest.fail(
            f"{page.url} has {len(found)} accessibility violation(s):\n{describe(found)}",
            pytrace=False,
        )
