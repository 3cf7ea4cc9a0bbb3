"""Numbers too large for the database are refused as bad input, never a server error."""

from __future__ import annotations

from sqlmodel import Session

from tests.conftest import Client
from tests.factories import make_org

HUGE = 2**64


def test_an_id_beyond_64_bits_is_a_clear_400(client: Client, db: Session) -> None:
    make_org(db, "range-org")
    response = client.get(f"/api/orgs/range-org/elections/{HUGE}/ballot")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/out-of-range"


def test_a_page_with_an_id_beyond_64_bits_is_not_a_server_error(
    client: Client, db: Session
) -> None:
    make_org(db, "range-org")
    response = client.get(f"/o/range-org/elections/{HUGE}/vote")
    assert response.status_code == 400
    assert "Traceback" not in response.text
