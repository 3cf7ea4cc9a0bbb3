"""The secretary's pages for files: import (check, then apply), export, and representativeness."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import get, post
from litestar.datastructures import State, UploadFile
from litestar.response import Redirect, Response, Stream, Template
from sqlmodel import Session

from governance.auth.middleware import Identity
from governance.errors import Problem
from governance.members import exporting, import_store, importing, population
from governance.members.access import UPLOAD_LIMIT, secretary, secretary_only, today_in
from governance.members.representativeness import chart_bars, decimal_text, shown
from governance.members.web import Upload, back_to, page, register_path
from governance.organisations.models import Organisation
from governance.web.downloads import content_disposition
from governance.web.forms import FormData, field_errors

REPORT_LINES = 200


def csv_download(body: Any, filename: str) -> Stream:
    """A CSV file download; ``body`` is bytes chunks or text."""
    return Stream(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(filename)},
    )


def report_download(db: Session, state: State, import_id: int) -> Stream:
    """The stored report. The request's transaction ends first: the download reads in its
    own session, and on SQLite an open transaction would hold the database's lock."""
    db.commit()

    def lines() -> Any:
        with Session(state.engine) as session:
            yield from import_store.report_csv(session, import_id)

    return csv_download(lines(), f"import-{import_id}-report.csv")


def export_download(db: Session, state: State, organisation: Organisation, former: bool) -> Stream:
    """The register, read page by page in sessions of its own (see ``report_download``)."""
    db.commit()
    chunks = exporting.export_csv(state.engine, organisation.id or 0, include_former=former)
    return csv_download(chunks, f"{organisation.slug}-register.csv")


# -- import and export --------------------------------------------------------------------------


@get(
    "/o/{slug:str}/register/import",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def import_page(db: Session, identity: Identity, slug: str) -> Template:
    organisation, _ = secretary(db, identity, slug)
    return _import_page(db, organisation)


def _import_page(
    db: Session, organisation: Organisation, *, status: int = 200, **context: Any
) -> Template:
    return page(
        "import.html",
        "Import members",
        status=status,
        organisation=organisation,
        imports=importing.recent(db, organisation.id or 0),
        **context,
    )


@post(
    "/o/{slug:str}/register/import",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
    request_max_body_size=UPLOAD_LIMIT,
)
def import_submit(db: Session, identity: Identity, slug: str, data: Upload) -> Response[Any]:
    organisation, actor = secretary(db, identity, slug)
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(
            db, organisation, status=400, errors={"file": "Choose a CSV file to check."}
        )
    try:
        found = importing.check(
            db, organisation, upload.file, filename=upload.filename, actor=actor,
            today=today_in(organisation),
        )  # fmt: skip
    except Problem as error:
        return _import_page(db, organisation, status=400, errors=field_errors(error, "file"))
    return Redirect(path=f"{register_path(organisation)}/imports/{found.id}", status_code=303)


def _report_page(
    db: Session, organisation: Organisation, import_id: int, *, status: int = 200, **context: Any
) -> Template:
    found = importing.get(db, organisation.id or 0, import_id)
    lines = []
    for index, line in enumerate(import_store.report_lines(db, import_id)):
        if index >= REPORT_LINES:
            break
        lines.append(line)
    return page(
        "import_report.html",
        f"Check of {found.filename}",
        status=status,
        organisation=organisation,
        found=found,
        lines=lines,
        shown_lines=REPORT_LINES,
        fingerprint=importing.fingerprint(found),
        **context,
    )


@get(
    "/o/{slug:str}/register/imports/{import_id:int}",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def report_page(
    db: Session, identity: Identity, slug: str, import_id: int, notice: str = ""
) -> Template:
    organisation, _ = secretary(db, identity, slug)
    return _report_page(db, organisation, import_id, notice=notice)


@get(
    "/o/{slug:str}/register/imports/{import_id:int}/report.csv",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def report_csv(db: Session, identity: Identity, state: State, slug: str, import_id: int) -> Stream:
    organisation, _ = secretary(db, identity, slug)
    importing.get(db, organisation.id or 0, import_id)
    return report_download(db, state, import_id)


@post(
    "/o/{slug:str}/register/imports/{import_id:int}/apply",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def apply_submit(
    db: Session, identity: Identity, slug: str, import_id: int, data: FormData
) -> Response[Any]:
    organisation, actor = secretary(db, identity, slug)
    try:
        importing.apply(
            db, organisation, import_id, fingerprint_given=data.get("fingerprint", ""),
            actor=actor, today=today_in(organisation),
        )  # fmt: skip
    except Problem as error:
        db.rollback()
        return _report_page(
            db, organisation, import_id, status=409, errors=field_errors(error, "apply")
        )
    return back_to(f"{register_path(organisation)}/imports/{import_id}", "applied")


@get(
    "/o/{slug:str}/register/export.csv",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def export_csv(
    db: Session, identity: Identity, state: State, slug: str, former: bool = False
) -> Stream:
    organisation, _ = secretary(db, identity, slug)
    return export_download(db, state, organisation, former)


# -- representativeness -------------------------------------------------------------------------


def representativeness_context(
    db: Session, organisation: Organisation, *, public: bool
) -> dict[str, Any]:
    today = today_in(organisation)
    sections = population.comparison(db, organisation, today, public=public)
    since = date(today.year - 1, today.month, 1)
    return {
        "sections": [
            {
                "section": s,
                "bars": chart_bars(s.rows),
                "id": f"{s.constituency.code}-{s.dimension.value}",
            }
            for s in sections
        ],
        "churn": population.churn(db, organisation.id or 0, since, public=public),
        "decimal": decimal_text,
        "shown": shown,
    }


@get(
    "/o/{slug:str}/register/representativeness",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def representativeness_page(
    db: Session, identity: Identity, slug: str, notice: str = ""
) -> Template:
    organisation, _ = secretary(db, identity, slug)
    return _representativeness_page(db, organisation, notice=notice)


def _representativeness_page(
    db: Session, organisation: Organisation, *, status: int = 200, **context: Any
) -> Template:
    return page(
        "representativeness.html",
        "Representativeness",
        status=status,
        organisation=organisation,
        **representativeness_context(db, organisation, public=False),
        **context,
    )


@post(
    "/o/{slug:str}/register/representativeness",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
    request_max_body_size=20_000_000,
)
def population_submit(db: Session, identity: Identity, slug: str, data: Upload) -> Response[Any]:
    organisation, actor = secretary(db, identity, slug)
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = {"file": "Choose a CSV file of population figures."}
        return _representativeness_page(db, organisation, status=400, errors=errors)
    try:
        population.upload(db, organisation, upload.file, actor=actor)
    except Problem as error:
        return _representativeness_page(
            db, organisation, status=400, errors=field_errors(error, "file")
        )
    return back_to(f"{register_path(organisation)}/representativeness", "population-saved")


@get(
    "/o/{slug:str}/register/representativeness.csv",
    guards=[secretary_only],
    sync_to_thread=True,
    include_in_schema=False,
)
def representativeness_csv(db: Session, identity: Identity, slug: str) -> Stream:
    organisation, _ = secretary(db, identity, slug)
    return representativeness_download(db, organisation)


def representativeness_download(db: Session, organisation: Organisation) -> Stream:
    sections = population.comparison(db, organisation, today_in(organisation), public=False)
    text = population.comparison_csv(sections)
    return csv_download([text.encode()], f"{organisation.slug}-representativeness.csv")


def file_pages() -> list[Any]:
    return [
        import_page, import_submit, report_page, report_csv, apply_submit, export_csv,
        representativeness_page, population_submit, representativeness_csv,
    ]  # fmt: skip
