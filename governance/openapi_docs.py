"""The API reference, written from the application's own OpenAPI description."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list of {_schema_name(schema.get('items')) or 'items'}"
    for key in ("oneOf", "anyOf"):
        if key in schema:
            names = [_schema_name(s) for s in schema[key] if s.get("type") != "null"]
            return " or ".join(n for n in names if n)
    return str(schema.get("type", ""))


def _body(operation: dict[str, Any]) -> str:
    content = (operation.get("requestBody") or {}).get("content") or {}
    parts = [
        f"`{media}` {_schema_name(spec.get('schema'))}".strip() for media, spec in content.items()
    ]
    return "; ".join(parts)


def _parameters(operation: dict[str, Any]) -> str:
    params = operation.get("parameters") or []
    return ", ".join(
        f"`{p['name']}` ({p.get('in', '')}{', required' if p.get('required') else ''})"
        for p in params
    )


def markdown(spec: dict[str, Any]) -> str:
    """A Markdown reference: every operation grouped by tag, then every schema's fields."""
    groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["other"])[0]
                groups[tag].append((method.upper(), path, operation))
    lines = [
        "# API reference",
        "",
        f"Generated from the OpenAPI description of governance {spec['info']['version']} "
        "(`governance openapi --markdown`); the live description is served at `/schema`. "
        "Errors are `application/problem+json` with a stable `type` (`/problems/<slug>`). "
        "Scripts authenticate with a bearer API token; browser sessions send `X-CSRF-Token`.",
        "",
    ]
    for tag in sorted(groups):
        lines += [f"## {tag}", "", "| method | path | what it does | parameters | body | answers |"]
        lines.append("|---|---|---|---|---|---|")
        for method, path, operation in groups[tag]:
            summary = (operation.get("summary") or operation.get("description") or "").strip()
            summary = summary.splitlines()[0] if summary else ""
            answers = ", ".join(sorted(operation.get("responses", {})))
            row = [method, f"`{path}`", summary, _parameters(operation), _body(operation), answers]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        lines.append("")
    schemas = spec.get("components", {}).get("schemas", {})
    if schemas:
        lines += ["## Schemas", ""]
        for name in sorted(schemas):
            schema = schemas[name]
            required = set(schema.get("required", []))
            lines += [f"### {name}", ""]
            properties = schema.get("properties", {})
            if not properties:
                lines += [f"{_schema_name(schema) or 'value'}", ""]
                continue
            lines += ["| field | type | required |", "|---|---|---|"]
            for field, spec_field in properties.items():
                kind = _schema_name(spec_field) or "value"
                lines.append(f"| `{field}` | {kind} | {'yes' if field in required else ''} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
