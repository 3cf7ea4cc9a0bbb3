"""The Jinja environment shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, Template, select_autoescape

TEMPLATE_DIR = Path(__file__).parent / "templates"


def localtime(
    value: datetime | None, zone: str = "Europe/London", fmt: str = "%-d %B %Y, %H:%M"
) -> str:
    """An aware UTC time shown in the organisation's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


def longdate(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%A %-d %B %Y")


class _Template(Template):
    """Drops the ``csrf_input`` string Litestar adds to every template context (for its own CSRF
    feature, which is not used), so that it does not hide the project's ``csrf_input()``."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        if isinstance(kwargs.get("csrf_input"), str):
            del kwargs["csrf_input"]
        return super().render(*args, **kwargs)


def make_environment(extra_globals: dict[str, Any] | None = None) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.template_class = _Template
    env.filters["localtime"] = localtime
    env.filters["longdate"] = longdate
    env.globals.update(extra_globals or {})
    return env
