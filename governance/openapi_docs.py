"""The API reference, written from the application's own OpenAPI description."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from markupsafe import escape

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


def _operations_by_tag(spec: dict[str, Any]) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    groups: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            if method in item:
                operation = item[method]
                groups[(operation.get("tags") or ["other"])[0]].append(
                    (method.upper(), path, operation)
                )
    return groups


def html_page(spec: dict[str, Any], json_url: str) -> str:
    """A script-free HTML reference: operations by tag, then schemas, styled by the site sheet.

    It replaces a JavaScript viewer loaded from a CDN, so the page runs under the same strict
    Content-Security-Policy as every other page and needs nothing from another origin.
    """
    title = f"{spec['info'].get('title', 'API')} {spec['info'].get('version', '')} API reference"
    out = [
        '<!doctype html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{escape(title)}</title>\n",
        '<link rel="stylesheet" href="/static/site.css">\n</head>\n<body>\n',
        '<a class="skip-link" href="#main">Skip to main content</a>\n',
        '<main id="main" class="wrap">\n',
        f"<h1>{escape(title)}</h1>\n",
        f"<p>{escape(spec['info'].get('description', ''))}</p>\n",
        f'<p>The machine-readable description: <a href="{escape(json_url)}">OpenAPI JSON</a>. '
        "Errors are <code>application/problem+json</code> with a stable <code>type</code>. "
        "Scripts authenticate with a bearer API token; browser sessions send "
        "<code>X-CSRF-Token</code>.</p>\n",
    ]
    groups = _operations_by_tag(spec)
    out.append('<nav aria-label="Sections"><ul>\n')
    for tag in sorted(groups):
        out.append(f'<li><a href="#tag-{escape(tag)}">{escape(tag)}</a></li>\n')
    out.append('<li><a href="#schemas">Schemas</a></li>\n</ul></nav>\n')
    for tag in sorted(groups):
        out.append(f'<h2 id="tag-{escape(tag)}">{escape(tag)}</h2>\n<table>\n')
        out.append(
            "<thead><tr><th scope='col'>Method</th><th scope='col'>Path</th>"
            "<th scope='col'>What it does</th><th scope='col'>Parameters</th>"
            "<th scope='col'>Body</th><th scope='col'>Answers</th></tr></thead>\n<tbody>\n"
        )
        for method, path, operation in groups[tag]:
            summary = (operation.get("summary") or operation.get("description") or "").strip()
            summary = summary.splitlines()[0] if summary else ""
            answers = ", ".join(sorted(operation.get("responses", {})))
            cells = [method, path, summary, _parameters(operation), _body(operation), answers]
            out.append(
                "<tr>"
                + "".join(f"<td>{escape(cell.replace('`', ''))}</td>" for cell in cells)
                + "</tr>\n"
            )
        out.append("</tbody>\n</table>\n")
    out.append('<h2 id="schemas">Schemas</h2>\n')
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        out.append(f'<h3 id="schema-{escape(name)}">{escape(name)}</h3>\n')
        properties = schema.get("properties", {})
        if not properties:
            out.append(f"<p>{escape(_schema_name(schema) or 'value')}</p>\n")
            continue
        required = set(schema.get("required", []))
        out.append(
            "<table><thead><tr><th scope='col'>Field</th><th scope='col'>Type</th>"
            "<th scope='col'>Required</th></tr></thead><tbody>\n"
        )
        for field, spec_field in properties.items():
            out.append(
                f"<tr><td>{escape(field)}</td><td>{escape(_schema_name(spec_field) or 'value')}"
                f"</td><td>{'yes' if field in required else ''}</td></tr>\n"
            )
        out.append("</tbody></table>\n")
    out.append("</main>\n</body>\n</html>\n")
    return "".join(out)
