"""The demo sets up real organisations, staff and members through the services, repeatably."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from governance.auth import passwords
from governance.auth.models import RoleAssignment, User
from governance.demo import seed
from governance.members.models import Constituency, Member
from governance.organisations.models import Organisation


def test_the_demo_seeds_both_organisations_and_can_run_again(engine: Engine) -> None:
    first = seed(engine, members=40)
    with Session(engine) as db:
        slugs = set(db.exec(select(Organisation.slug)).all())
        assert slugs == {"riverside-ft", "greenfield-coop"}
        members = db.exec(select(func.count()).select_from(Member)).one()
        assert members >= 70  # a few generated rows may be refused (e.g. under age)
        assert db.exec(select(func.count()).select_from(Constituency)).one() == 10
        assert db.exec(select(func.count()).select_from(RoleAssignment)).one() == 5
        for login in first:
            user = db.exec(select(User).where(User.email == login.email)).one()
            assert passwords.verify_password(user.password_hash, login.password)[0]

    second = seed(engine, members=40)
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(Member)).one() == members
        assert db.exec(select(func.count()).select_from(RoleAssignment)).one() == 5
        assert {x.email for x in second} == {x.email for x in first}
        assert {x.password for x in second}.isdisjoint({x.password for x in first})
