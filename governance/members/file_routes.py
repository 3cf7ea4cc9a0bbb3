"""The register API for files: imports (check, then apply), exports and representativeness."""

from __future__ import annotations

import tempfile
from datetime import date
from typing import Any

import anyio
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.response import Stream
from sqlmodel import Session

from governance.auth.middleware import Identity
from governance.members import (
    import_store,
    importing,
    population,
)
from governance.members.access import (
    UPLOAD_LIMIT,
    secretary,
    secretary_only,
    today_in,
)
from governance.members.file_pages import (
    export_download,
    report_download,
    representativeness_download,
)
from governance.members.models import RegisterImport
from governance.members.schemas import (
    ApplyIn,
    ImportOut,
    ImportReport,
    ReportRowOut,
)
from governance.organisations.models import Organisation

SPOOL = 1 << 20


# -- import and export -------------------------------------------------------------------------


def import_out(found: RegisterImport, slug: str) -> ImportOut:
    return ImportOut(
        **found.model_dump(
            include={
                "id", "status", "filename", "sha256", "rows", "created", "updated", "unchanged",
                "refused", "error", "created_at", "applied_at",
            }
        ),
        fingerprint=importing.fingerprint(found),
        report_csv=f"/api/orgs/{slug}/register/imports/{found.id}/report.csv",
    )  # fmt: skip


def _check_upload(
    engine: Any, identity: Identity, slug: str, spool: Any, filename: str
) -> ImportOut:
    with Session(engine, expire_on_commit=False) as db:
        organisation, actor = secretary(db, identity, slug)
        found = importing.check(
            db, organisation, spool, filename=filename, actor=actor, today=today_in(organisation)
        )
        return import_out(found, slug)


@post(
    "/register/imports",
    guards=[secretary_only],
    request_max_body_size=UPLOAD_LIMIT,
    summary="Check a register CSV (the dry run): the body is the file itself, as text/csv",
)
async def upload_import(
    request: Request[Any, Any, Any],
    state: State,
    identity: Identity,
    slug: str,
    filename: str = "register.csv",
) -> ImportOut:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        return await anyio.to_thread.run_sync(
            _check_upload, state.engine, identity, slug, spool, filename
        )


@get("/register/imports", guards=[secretary_only], sync_to_thread=True)
def list_imports(db: Session, identity: Identity, slug: str) -> list[ImportOut]:
    organisation, _ = secretary(db, identity, slug)
    return [import_out(f, slug) for f in importing.recent(db, organisation.id or 0)]


@get("/register/imports/{import_id:int}", guards=[secretary_only], sync_to_thread=True)
def import_report(
    db: Session, identity: Identity, slug: str, import_id: int, *, offset: int = 0, limit: int = 500
) -> ImportReport:
    """The check's summary and a page of its report (rows created, updated or refused)."""
    organisation, _ = secretary(db, identity, slug)
    found = importing.get(db, organisation.id or 0, import_id)
    limit = min(max(limit, 1), 5000)
    entries: list[ReportRowOut] = []
    more = False
    for index, line in enumerate(import_store.report_lines(db, import_id)):
        if index < offset:
            continue
        if len(entries) == limit:
            more = True
            break
        entries.append(ReportRowOut(**{**line, "row": int(line["row"])}))
    return ImportReport(
        **import_out(found, slug).model_dump(),
        entries=entries,
        next_offset=offset + limit if more else None,
    )


@get("/register/imports/{import_id:int}/report.csv", guards=[secretary_only], sync_to_thread=True)
def import_report_csv(
    db: Session, identity: Identity, state: State, slug: str, import_id: int
) -> Stream:
    organisation, _ = secretary(db, identity, slug)
    importing.get(db, organisation.id or 0, import_id)
    return report_download(db, state, import_id)


@post("/register/imports/{import_id:int}/apply", guards=[secretary_only], sync_to_thread=True)
def apply_import(
    db: Session, identity: Identity, slug: str, import_id: int, data: ApplyIn
) -> ImportOut:
    """Do exactly what the check reported; refused (409) if the register changed since."""
    organisation, actor = secretary(db, identity, slug)
    found = importing.apply(
        db,
        organisation,
        import_id,
        fingerprint_given=data.fingerprint,
        actor=actor,
        today=today_in(organisation),
    )
    return import_out(found, slug)


@get("/register/export.csv", guards=[secretary_only], sync_to_thread=True)
def export_register(
    db: Session, identity: Identity, state: State, slug: str, former: bool = False
) -> Stream:
    organisation, _ = secretary(db, identity, slug)
    return export_download(db, state, organisation, former)


# -- representativeness ------------------------------------------------------------------------


@post("/population", guards=[secretary_only], request_max_body_size=20_000_000)
async def upload_population(
    request: Request[Any, Any, Any], state: State, identity: Identity, slug: str
) -> dict[str, int]:
    """The eligible population (CSV: constituency, dimension, category, population)."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)

        def save() -> int:
            with Session(state.engine, expire_on_commit=False) as db:
                organisation, actor = secretary(db, identity, slug)
                return population.upload(db, organisation, spool, actor=actor)

        return {"figures": await anyio.to_thread.run_sync(save)}


@get("/representativeness", guards=[secretary_only], sync_to_thread=True)
def representativeness(db: Session, identity: Identity, slug: str) -> dict[str, Any]:
    organisation, _ = secretary(db, identity, slug)
    return representativeness_data(db, organisation, public=False)


def representativeness_data(
    db: Session, organisation: Organisation, *, public: bool
) -> dict[str, Any]:
    today = today_in(organisation)
    sections = population.comparison(db, organisation, today, public=public)
    since = date(today.year - 1, today.month, 1)
    return {
        "on": today,
        "sections": [
            {
                "constituency": s.constituency.code,
                "dimension": s.dimension.value,
                "rows": [
                    {
                        "category": r.category,
                        "population": r.population,
                        "members": r.members,
                        "population_share": population.decimal_text(r.population_share),
                        "member_share": population.decimal_text(r.member_share),
                        "gap_points": population.decimal_text(r.gap),
                    }
                    for r in s.rows
                ],
            }
            for s in sections
        ],
        "churn": [
            {"month": m, "joiners": j, "leavers": left}
            for m, j, left in population.churn(db, organisation.id or 0, since, public=public)
        ],
    }


@get("/representativeness.csv", guards=[secretary_only], sync_to_thread=True)
def representativeness_csv(db: Session, identity: Identity, slug: str) -> Stream:
    organisation, _ = secretary(db, identity, slug)
    return representativeness_download(db, organisation)


def file_routes() -> list[Any]:
    return [
        upload_import, list_imports, import_report, import_report_csv, apply_import,
        export_register, upload_population, representativeness, representativeness_csv,
    ]  # fmt: skip
