"""What the accountability pages share: rendering, flash notices, form values, redirects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from litestar import get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from governance.auth.tenancy import Guard

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

NOTICES = {
    "plan-created": "The forward plan has been created.",
    "views-recorded": "The governors' views have been recorded.",
    "plan-published": "The forward plan has been published.",
    "decision-created": "The key decision has been recorded as a draft.",
    "decision-published": "The notice of the key decision has been published.",
    "decision-taken": "The decision has been recorded as taken.",
    "decision-withdrawn": "The decision has been withdrawn.",
    "consultation-opened": "The consultation is open.",
    "view-recorded": "The council's view has been recorded.",
    "regard-recorded": "The board's response has been recorded.",
    "responded": "Thank you. Your response has been recorded.",
    "asked": "Your question has been sent to your governors. We have emailed you a receipt.",
    "withdrawn": "Your question has been withdrawn.",
    "assigned": "The request has been assigned.",
    "answered": "The answer has been sent to the member.",
    "report-published": "The report has been published.",
    "governor-saved": "The governor's record has been saved.",
    "training-saved": "The training has been recorded.",
    "declaration-saved": "The declaration has been recorded.",
    "board-request-logged": "The request to the board has been logged.",
    "board-response-saved": "The board's response has been recorded.",
    "statement-saved": "The statement has been saved.",
}


def page(template: str, title: str, *, status: int = 200, **context: Any) -> Template:
    """Render ``accountability/<template>``; a page showing errors says so in its title."""
    errors = context.setdefault("errors", {})
    context.setdefault("form", {})
    context["page_title"] = f"Error: {title}" if errors else title
    notice = NOTICES.get(context.pop("notice", "") or "")
    if notice:
        context["flash_messages"] = [{"kind": "success", "text": notice}]
    return Template(
        f"accountability/{template}", context=context, status_code=status, media_type=MediaType.HTML
    )


def back_to(path: str, notice: str = "") -> Redirect:
    return Redirect(path=f"{path}?notice={notice}" if notice else path, status_code=303)


def value(data: Mapping[str, Any], name: str, limit: int = 50_000) -> str:
    """One form field as text (the first, if sent more than once)."""
    found = data.get(name, "")
    if isinstance(found, list):
        found = found[0] if found else ""
    return str(found)[:limit]


def values(data: Mapping[str, Any], name: str) -> list[str]:
    found = data.get(name)
    if found is None:
        return []
    return [str(v) for v in found] if isinstance(found, list) else [str(found)]


def fields(data: Mapping[str, Any], *names: str) -> dict[str, str]:
    """The named fields present in the form, as text; absent ones are left out so the
    schema's defaults apply (an unticked checkbox sends nothing)."""
    return {name: value(data, name) for name in names if name in data}


def page_get(path: str, *guards: Guard) -> get:
    """A page handler (sync, in the thread pool, not in the API schema) behind ``guards``."""
    return get(path, guards=list(guards), sync_to_thread=True, include_in_schema=False)


def page_post(path: str, *guards: Guard) -> post:
    return post(path, guards=list(guards), sync_to_thread=True, include_in_schema=False)
