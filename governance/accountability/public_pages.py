"""Public pages and feeds, no sign-in: the transparency index, each public list as a page and
as JSON, CSV and Atom, and the democratic health report with its CSV and the annual-report
extract. Every row comes from ``public.py``'s allow-lists; these handlers only format them."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from litestar import Response
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlmodel import Session

from governance import spreadsheet
from governance.accountability import board_requests, health, health_data, public
from governance.accountability.access import local_day
from governance.accountability.feeds import (
    ATOM_TYPE,
    CSV_TYPE,
    Entry,
    atom,
    csv_text,
    json_document,
)
from governance.accountability.models import BoardRequestKind
from governance.accountability.web import page, page_get
from governance.auth.guards import organisation_by_slug
from governance.db import utcnow
from governance.organisations.models import Organisation
from governance.web.downloads import content_disposition

FORMATS = ("json", "csv", "atom")
CACHE = {"Cache-Control": "public, max-age=60"}


def _split(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    return (stem, suffix) if dot and suffix in FORMATS else (name, "html")


def _when(text: str | None, fallback: datetime) -> datetime:
    if not text:
        return fallback
    found = datetime.fromisoformat(text)
    return found if found.tzinfo else fallback


@page_get("/o/{slug:str}/transparency")
def transparency(db: Session, slug: str) -> Template:
    organisation = organisation_by_slug(db, slug)
    return page(
        "transparency.html",
        "Transparency",
        organisation=organisation,
        listings=list(public.LISTINGS.values()),
        year=local_day(organisation).year,
    )


def _download(body: str | bytes, media_type: str, filename: str | None = None) -> Response[Any]:
    headers = dict(CACHE)
    if filename:
        headers["Content-Disposition"] = content_disposition(filename)
    return Response(body, media_type=media_type, headers=headers)


def _atom(
    organisation: Organisation, listing: public.Listing, rows: list[public.Row], base: str
) -> bytes:
    now = utcnow()
    here = f"{base}/o/{organisation.slug}/transparency/{listing.name}"
    entries = [
        Entry(
            id=f"{here}#{row['id']}",
            title=str(row.get(listing.title_key) or row["id"]),
            updated=_when(row.get("updated"), now),
            link=f"{here}#{row['id']}",
            summary=str(row.get(listing.summary_key) or "") if listing.summary_key else "",
        )
        for row in rows
    ]
    return atom(
        feed_id=here,
        title=f"{organisation.name}: {listing.title}",
        self_url=f"{here}.atom",
        alternate_url=here,
        author=organisation.name,
        entries=entries,
        updated=organisation.created_at,
    )


@page_get("/o/{slug:str}/transparency/{name:str}")
def listing_page(db: Session, state: State, slug: str, name: str) -> Any:
    organisation = organisation_by_slug(db, slug)
    key, kind = _split(name)
    listing = public.LISTINGS.get(key)
    if listing is None:
        raise NotFoundException()
    rows = listing.rows(db, organisation)
    if kind == "json":
        return Response(
            json_document(
                organisation=organisation.name,
                listing=listing.name,
                generated_at=utcnow(),
                rows=rows,
            ),
            media_type="application/json",
            headers=dict(CACHE),
        )
    if kind == "csv":
        text = csv_text(listing.columns, rows)
        return _download(text, CSV_TYPE, f"{organisation.slug}-{listing.name}.csv")
    if kind == "atom":
        return _download(_atom(organisation, listing, rows, state.settings.base_url), ATOM_TYPE)
    return page(
        "listing.html",
        listing.title,
        organisation=organisation,
        listing=listing,
        rows=rows,
        labels=dict(listing.columns),
    )


# -- the democratic health report ---------------------------------------------------------------


@page_get("/o/{slug:str}/transparency/health")
def health_now(db: Session, slug: str) -> Redirect:
    organisation = organisation_by_slug(db, slug)
    year = local_day(organisation).year
    return Redirect(path=f"/o/{organisation.slug}/transparency/health/{year}", status_code=303)


def _year(organisation: Organisation, text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise NotFoundException()
    year = int(text)
    if not 2000 <= year <= local_day(organisation).year:
        raise NotFoundException()
    return year


def report_csv(report: health.Report) -> str:
    buffer = io.StringIO()
    buffer.write(spreadsheet.BOM)
    writer = spreadsheet.writer(buffer, lineterminator="\r\n")
    writer.writerow(["section", "subject", "measure", "value"])
    for row in report.rows:
        writer.writerow([row.section, row.subject, row.measure, row.value])
    return buffer.getvalue()


@page_get("/o/{slug:str}/transparency/health/{year:str}")
def health_page(db: Session, slug: str, year: str) -> Any:
    organisation = organisation_by_slug(db, slug)
    stem, kind = _split(year)
    number = _year(organisation, stem)
    report = health.build(health_data.gather(db, organisation, number), public=True)
    if kind == "csv":
        return _download(report_csv(report), CSV_TYPE, f"{organisation.slug}-health-{number}.csv")
    if kind != "html":
        raise NotFoundException()
    sections: dict[str, list[health.Row]] = {}
    for row in report.rows:
        sections.setdefault(row.section, []).append(row)
    return page(
        "health.html",
        f"Democratic health {number}",
        organisation=organisation,
        year=number,
        report=report,
        sections=sections,
        years=list(range(local_day(organisation).year, 2019, -1))[:6],
    )


@page_get("/o/{slug:str}/transparency/annual-report/{year:int}")
def annual_report(db: Session, slug: str, year: int) -> Template:
    """What the annual report must say about the council and the membership."""
    organisation = organisation_by_slug(db, slug)
    number = _year(organisation, str(year))
    report = health.build(health_data.gather(db, organisation, number), public=True)
    requests = board_requests.board_requests(db, organisation, number)
    return page(
        "annual_report.html",
        f"Annual report extract {number}",
        organisation=organisation,
        year=number,
        report=report,
        statement=health_data.statement(db, organisation, number),
        attendance=[r for r in requests if r.kind == BoardRequestKind.ATTENDANCE],
        information=[r for r in requests if r.kind == BoardRequestKind.INFORMATION],
    )


def public_routes() -> list[Any]:
    return [transparency, listing_page, health_now, health_page, annual_report]
