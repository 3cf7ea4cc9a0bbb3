"""Form handling for pages: validate posted fields with a schema, and word errors for people.

Pages re-show the form with an error summary rather than answering 400, so the errors are
phrased for the person filling it in, keyed by field name (which is also the input's id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body as BodyParam
from litestar.params import Parameter
from litestar.response import Template
from pydantic import BaseModel, ConfigDict, ValidationError

from governance.auth.middleware import CSRF_FIELD

M = TypeVar("M", bound=BaseModel)

# The largest id an Integer primary key can hold (PostgreSQL's 32-bit integer).
MAX_ID = 2**31 - 1

# A row id taken from a path: anything outside the column's range is a 400, never a 500.
RowId = Annotated[int, Parameter(ge=1, le=MAX_ID)]

# A posted HTML form, as the handler's ``data``.
FormData = Annotated[dict[str, str], BodyParam(media_type=RequestEncodingType.URL_ENCODED)]


class Strict(BaseModel):
    """Base for request bodies: unknown fields are refused, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Body = Strict  # the first name of ``Strict``; several domains' schemas import it so


def render(
    template: str,
    title: str,
    *,
    status: int = 200,
    cookies: list[Cookie] | None = None,
    notice: str | None = None,
    **context: Any,
) -> Template:
    """A page; one showing errors says so first in its title, and ``notice`` is a status line."""
    errors = context.setdefault("errors", {})
    context["page_title"] = f"Error: {title}" if errors else title
    if notice:
        context["flash_messages"] = [{"kind": "success", "text": notice}]
    return Template(template, context=context, status_code=status, cookies=cookies or [])


def _label(schema: type[BaseModel], field: str) -> str:
    info = schema.model_fields.get(field)
    if info is not None and info.title:
        return info.title
    return field.replace("_", " ")


_AS = {
    "int_parsing": "as a whole number, for example 12",
    "int_type": "as a whole number, for example 12",
    "int_from_float": "as a whole number, for example 12",
    "float_parsing": "as a number",
    "float_type": "as a number",
    "decimal_parsing": "as a number, for example 12.5",
    "decimal_type": "as a number, for example 12.5",
    "date_parsing": "as a date, for example 2026-03-27",
    "date_from_datetime_parsing": "as a date, for example 2026-03-27",
    "date_type": "as a date, for example 2026-03-27",
    "datetime_parsing": "as a date and time",
    "datetime_from_date_parsing": "as a date and time",
    "datetime_type": "as a date and time",
    "timezone_aware": "as a date and time",
    "time_parsing": "as a time, for example 18:30",
    "time_type": "as a time, for example 18:30",
    "string_type": "as text",
    "string_pattern_mismatch": "in the format asked for",
    "url_parsing": "as a web address starting https://",
    "url_scheme": "as a web address starting https://",
}


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _message(schema: type[BaseModel], error: Mapping[str, Any]) -> tuple[str, str]:
    """A sentence a person understands for one validation error: never the validator's own
    wording ("Input should be a valid string") or a regular expression."""
    location = error.get("loc") or ("form",)
    field = str(location[0])
    label = _label(schema, field)
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    sentence = _sentence(label)
    if kind == "missing" or (kind == "string_too_short" and context.get("min_length") == 1):
        return field, f"Enter {label}"
    if kind == "string_too_short":
        return field, f"{sentence} must be at least {context.get('min_length')} characters"
    if kind == "string_too_long":
        return field, f"{sentence} must be {context.get('max_length')} characters or fewer"
    if kind == "extra_forbidden":
        return "form", "The form had an unexpected field; reload the page and try again"
    if kind in _AS:
        return field, f"Enter {label} {_AS[kind]}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = context.get("ge", context.get("gt"))
        word = "at least" if kind == "greater_than_equal" else "more than"
        return field, f"{sentence} must be {word} {bound}"
    if kind in ("less_than_equal", "less_than"):
        bound = context.get("le", context.get("lt"))
        word = "at most" if kind == "less_than_equal" else "less than"
        return field, f"{sentence} must be {word} {bound}"
    if kind in ("bool_parsing", "bool_type"):
        return field, f"Choose yes or no for {label}"
    if kind in ("enum", "literal_error"):
        return field, f"Choose {label} from the list"
    if kind in ("decimal_max_places", "decimal_max_digits"):
        return field, f"{sentence} has too many digits"
    if kind in ("too_short", "too_long", "list_type"):
        return field, f"Check your choice of {label}"
    if kind in ("value_error", "assertion_error"):
        message = str(context.get("error") or error.get("msg", "")).removeprefix("Value error, ")
        if message and not message.startswith(("Input should", "Value error")):
            return field, _sentence(message) if message[:1].isupper() else f"{sentence} {message}"
    return field, f"Check {label}: it is not in a form we can use"


def parse_form(schema: type[M], data: Mapping[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The validated form, or None and a message for each field at fault."""
    fields = {key: value for key, value in data.items() if key != CSRF_FIELD}
    try:
        return schema.model_validate(fields), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            field, message = _message(schema, dict(item))
            errors.setdefault(field, message)
        return None, errors


def field_errors(error: Exception, default_field: str) -> dict[str, str]:
    """Messages by field from a refused operation: a problem's ``extra["errors"]``, or the
    ``field`` and ``message`` of an account error."""
    extra = getattr(error, "extra", None)
    listed = extra.get("errors") if isinstance(extra, dict) else None
    if listed:
        return {
            str(item.get("field") or default_field): str(item.get("message", "")) for item in listed
        }
    message = getattr(error, "message", None) or getattr(error, "detail", None) or str(error)
    return {getattr(error, "field", "") or default_field: str(message)}


def not_null(value: Any) -> Any:
    """For a field of a change that may be left out but not set to null (``field_validator``)."""
    if value is None:
        raise ValueError("cannot be null; leave it out to keep the current value")
    return value
