"""What the register's staff pages share: rendering, redirects with a notice, blank fields."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from governance.organisations.models import Organisation
from governance.web.forms import render

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

NOTICES = {
    "added": "The member has been added.",
    "saved": "The changes have been saved.",
    "left": "The member's leaving has been recorded.",
    "moved": "The move has been recorded.",
    "reinstated": "The member has been reinstated.",
    "erased": "The member's details have been erased.",
    "person-added": "The suitable person has been recorded.",
    "person-ended": "The suitable person no longer acts for the member.",
    "constituency-added": "The constituency has been added.",
    "constituency-removed": "The constituency has been removed.",
    "areas-saved": "The areas have been saved.",
    "area-removed": "The area has been removed.",
    "applied": "The import has been applied.",
    "population-saved": "The population figures have been saved.",
}


def page(template: str, title: str, *, status: int = 200, **context: Any) -> Template:
    notice = NOTICES.get(context.pop("notice", "") or "")
    return render(f"members/{template}", title, status=status, notice=notice, **context)


def back_to(path: str, notice: str) -> Redirect:
    return Redirect(path=f"{path}?notice={notice}", status_code=303)


def register_path(organisation: Organisation) -> str:
    return f"/o/{organisation.slug}/register"


def blank_to_none(data: dict[str, str], schema: Any) -> dict[str, Any]:
    """Blank optional fields count as "not given" (so an empty date is not an error)."""
    fields = getattr(schema, "model_fields", {})
    cleaned: dict[str, Any] = {}
    for name, value in data.items():
        if name not in fields:
            continue
        cleaned[name] = None if isinstance(value, str) and not value.strip() else value
    return cleaned
