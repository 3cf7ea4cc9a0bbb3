"""What ``/schema`` serves: a script-free reference page, or only the OpenAPI description.

``GOVERNANCE_API_REFERENCE=page`` (the default) serves the reference as a page of this service,
built from the live description with no script and nothing from another origin;
``GOVERNANCE_API_REFERENCE=json`` serves only the description (``/schema`` answers JSON). The
description is always at ``/schema/openapi.json`` and ``/schema/openapi.yaml``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, YamlRenderPlugin

from governance.openapi_docs import html_page

API_REFERENCE_CHOICES = ("page", "json")


class ReferencePagePlugin(OpenAPIRenderPlugin):
    """The reference rendered on the server as plain HTML."""

    def __init__(self, path: str | list[str] = "/") -> None:
        super().__init__(path=path)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return html_page(openapi_schema, self.get_openapi_json_route(request)).encode("utf-8")


def render_plugins(choice: str) -> list[OpenAPIRenderPlugin]:
    if choice == "json":
        return [JsonRenderPlugin(path=["/", "/openapi.json"]), YamlRenderPlugin()]
    return [ReferencePagePlugin(["/", "/reference"]), JsonRenderPlugin(), YamlRenderPlugin()]
