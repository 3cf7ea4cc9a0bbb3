"""``create_app(settings) -> Litestar``: plugins, routers, error handlers, start-up, shut-down."""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

import jinja2
from jinja2 import pass_context
from litestar import Litestar, Request, Router
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError
from sqlmodel import Session

from governance import __version__, audit, log_redaction, logs
from governance.auth.middleware import CSRF_FIELD, CSRFMiddleware, Identity, SessionMiddleware
from governance.db import make_engine
from governance.errors import handle_http_exception, handle_out_of_range, handle_unexpected
from governance.scheduler import Scheduler
from governance.security import Keys
from governance.settings import Settings
from governance.web.api_reference import render_plugins
from governance.web.head import answer_head_as_get
from governance.web.security_headers import add_security_headers
from governance.web.templating import TEMPLATE_DIR, make_environment

log = logging.getLogger(__name__)

STATIC_DIR = TEMPLATE_DIR.parent / "static"


def provide_db(state: State) -> Generator[Session, None, None]:
    """One database session per request; services commit, anything uncommitted is rolled back."""
    with Session(state.engine, expire_on_commit=False) as session:
        yield session


def provide_identity(request: Request[Any, Any, Any]) -> Identity:
    identity: Identity = request.scope["state"]["identity"]
    return identity


@pass_context
def csrf_input(context: Any) -> Markup:
    """The hidden CSRF field for a form on this page."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, csrf_token(context)
    )


@pass_context
def csrf_token(context: Any) -> str:
    request = context.get("request")
    if request is None:
        return ""
    identity: Identity = request.scope["state"]["identity"]
    keys: Keys = request.app.state["keys"]
    return keys.csrf_token(identity.csrf_cookie or "")


@pass_context
def current_user(context: Any) -> Any:
    request = context.get("request")
    if request is None:
        return None
    identity: Identity | None = request.scope.get("state", {}).get("identity")
    return identity.user if identity and identity.staff_signed_in else None


@pass_context
def current_member(context: Any) -> Any:
    request = context.get("request")
    identity: Identity | None = request.scope.get("state", {}).get("identity") if request else None
    return identity.member if identity else None


class PageTemplate(jinja2.Template):
    """Litestar puts a ``csrf_input`` string (for its own CSRF scheme) into every template
    context, which would hide our ``csrf_input()`` global; it is dropped here."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        values = dict(*args, **kwargs)
        values.pop("csrf_input", None)
        return super().render(values)


def route_handlers() -> list[Any]:
    """Every domain's controllers and page handlers."""
    from governance.web.routes import site_routes

    handlers: list[Any] = [*site_routes()]
    from governance.auth.routes import auth_routes

    handlers += auth_routes()
    from governance.organisations.routes import organisation_routes

    handlers += organisation_routes()
    from governance.members.routes import member_routes

    handlers += member_routes()
    from governance.elections.routes import election_routes

    handlers += election_routes()
    from governance.elections.lifecycle_routes import lifecycle_routes

    handlers += lifecycle_routes()
    from governance.meetings.routes import meeting_routes

    handlers += meeting_routes()
    from governance.meetings.motion_routes import motion_routes

    handlers += motion_routes()
    from governance.accountability.routes import accountability_routes

    handlers += accountability_routes()
    return handlers


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    logs.configure(settings.log_level)
    log_redaction.install()
    engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    keys = Keys(settings.secret_key)
    audit.configure(settings.secret_key)
    scheduler = Scheduler(engine, settings)

    def on_startup(app: Litestar) -> None:
        if settings.run_scheduler and settings.environment != "test":
            scheduler.start()

    def on_shutdown(app: Litestar) -> None:
        scheduler.stop()

    environment = make_environment(
        {"current_user": current_user, "current_member": current_member, "app_version": __version__}
    )
    environment.template_class = PageTemplate
    template_engine = JinjaTemplateEngine.from_environment(environment)
    # Litestar registers its own ``csrf_token`` (empty without its CSRFConfig): ours go in after.
    environment.globals.update(csrf_input=csrf_input, csrf_field=csrf_input, csrf_token=csrf_token)

    app = Litestar(
        route_handlers=[
            # One root router: handlers registered loose on the app that share a path (a GET
            # and a POST page) get their sync function wrapped for the thread pool twice by
            # Litestar 2.25, and the GET then fails with "coroutine ... never awaited".
            Router(path="/", route_handlers=route_handlers()),
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], include_in_schema=False
            ),
        ],
        dependencies={
            "db": Provide(provide_db),
            "identity": Provide(provide_identity, sync_to_thread=False),
        },
        middleware=[SessionMiddleware, CSRFMiddleware],
        template_config=TemplateConfig(instance=template_engine),
        exception_handlers={
            HTTPException: handle_http_exception,
            OverflowError: handle_out_of_range,
            DataError: handle_out_of_range,
            Exception: handle_unexpected,
        },
        openapi_config=OpenAPIConfig(
            title="governance",
            version=__version__,
            description="Member registers, elections, meetings and accountability for NHS "
            "foundation trusts, co-operatives and direct-payments mutuals.",
            path="/schema",
            render_plugins=render_plugins(settings.api_reference),
        ),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        request_max_body_size=2_000_000,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State({"settings": settings, "engine": engine, "keys": keys, "scheduler": scheduler}),
        debug=False,
        logging_config=None,  # governance.logs sets up the log (Litestar's own would replace it)
    )
    app.asgi_handler = add_security_headers(
        answer_head_as_get(app.asgi_handler), https=settings.secure_cookies
    )
    return app


def create_app_from_env() -> Litestar:
    """Factory for ``uvicorn --factory`` (each worker reads the same environment)."""
    return create_app(Settings.from_env())
