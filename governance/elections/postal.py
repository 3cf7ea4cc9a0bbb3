"""The postal pack: the mail house's file of names, addresses and credentials.

It is made once, when the roll opens, sealed under the server key, downloaded by the returning
officer (each download audited and counted) and deleted after the close of poll.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from governance import audit
from governance.elections.ballot_box import Credentials
from governance.elections.models import Election, PostalPack
from governance.members.models import Member
from governance.security import Keys

SEAL_PURPOSE = "postal-pack"
ADDRESS_FIELDS = ("address_line1", "address_line2", "town", "postcode")
HEADER = ("name", *ADDRESS_FIELDS, "voter_id", "security_code", "declaration_of_identity")


@dataclass(frozen=True)
class PackFile:
    filename: str
    content: str
    rows: int


def pack_csv(rows: Sequence[tuple[Member, Credentials]], *, declaration: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for member, credentials in rows:
        address = [_cell(getattr(member, name, None) or "") for name in ADDRESS_FIELDS]
        writer.writerow(
            [
                _cell(member.display_name),
                *address,
                credentials.voter_id,
                credentials.code,
                "yes" if declaration else "no",
            ]
        )
    return buffer.getvalue()


def _cell(value: str) -> str:
    """Keep a spreadsheet from reading a name or address as a formula."""
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


def make_pack(
    keys: Keys,
    election: Election,
    rows: Sequence[tuple[Member, Credentials]],
    *,
    declaration: bool,
) -> PostalPack:
    assert election.id is not None
    content = pack_csv(rows, declaration=declaration)
    return PostalPack(
        election_id=election.id, rows=len(rows), content_sealed=keys.seal(content, SEAL_PURPOSE)
    )


def packs_for(session: Session, election: Election) -> list[PostalPack]:
    return list(
        session.exec(
            select(PostalPack)
            .where(PostalPack.election_id == election.id)
            .order_by(col(PostalPack.id))
        ).all()
    )


def download(
    session: Session, keys: Keys, election: Election, pack_id: int, actor: str
) -> PackFile | None:
    """Open a pack for the returning officer: counted and audited. None once it is gone."""
    pack = session.get(PostalPack, pack_id)
    if pack is None or pack.election_id != election.id or pack.content_sealed is None:
        return None
    session.execute(
        update(PostalPack)
        .where(col(PostalPack.id) == pack_id)
        .values(downloads=PostalPack.downloads + 1)
    )
    audit.record(
        session,
        actor=actor,
        action="election.postal_pack_downloaded",
        organisation_id=election.organisation_id,
        object_type="postal_pack",
        object_id=pack_id,
        detail={"election_id": election.id, "rows": pack.rows},
    )
    content = keys.unseal(pack.content_sealed, SEAL_PURPOSE)
    session.commit()
    return PackFile(f"election-{election.id}-postal-pack-{pack_id}.csv", content, pack.rows)
