"""Shared by the register benchmarks: a synthetic trust and its members as CSV.

The trust has 20 public wards in 4 public constituencies, a staff constituency in 4 classes
and a patient/carer constituency. Members get common British names, street addresses and
postcodes in their ward's districts, realistic ages, and about one in ten are staff.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from poll_common import scratch_database
from sqlalchemy.engine import Engine
from sqlmodel import Session

from governance import audit
from governance.db import make_engine
from governance.members import configuration
from governance.members.schemas import AreaIn, ConstituencyIn
from governance.migrate import upgrade
from governance.organisations import service as organisations
from governance.organisations.constitution import OrganisationType
from governance.organisations.models import Organisation

SECRET = "bench-secret-key-long-enough-for-hmac-0123456789abcdef"
TODAY = date(2025, 6, 2)


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


FIRST = _words(
    "Oliver George Harry Jack Jacob Noah Charlie Muhammad Thomas Oscar William James Leo Alfie "
    "Henry Joshua Freddie Archie Ethan Isaac Alexander Joseph Edward Samuel Max Daniel Arthur "
    "Lucas Mohammed Logan Olivia Amelia Isla Ava Emily Isabella Mia Poppy Ella Lily Sophia Grace "
    "Evie Jessica Sophie Chloe Ruby Freya Daisy Alice Evelyn Phoebe Florence Ivy Sienna Harper "
    "Margaret Susan Patricia Linda Barbara Elizabeth Jennifer Maria Sarah Karen Nancy Lisa Betty "
    "Aisha Priya Anika Fatima Zara Hamza Yusuf Arjun Rohan Siobhan Aoife Niamh Ciaran Eilidh Rhys "
    "Dylan Gethin Seren Bethan Kwame Ama Kofi Chidi Ngozi Tomasz Agnieszka Piotr Zofia"
)
LAST = _words(
    "Smith|Jones|Williams|Taylor|Brown|Davies|Evans|Wilson|Thomas|Johnson|Roberts|Robinson|"
    "Thompson|Wright|Walker|White|Edwards|Hughes|Green|Hall|Lewis|Harris|Clarke|Patel|Jackson|"
    "Wood|Turner|Martin|Cooper|Hill|Ward|Morris|Moore|Clark|Lee|King|Baker|Harrison|Morgan|Allen|"
    "James|Scott|Phillips|Watson|Davis|Parker|Price|Bennett|Young|Griffiths|Mitchell|Kelly|Cook|"
    "Carter|Richardson|Bailey|Collins|Bell|Shaw|Murphy|Miller|Cox|Richards|Khan|Marshall|Anderson|"
    "Simpson|Ellis|Adams|Singh|Begum|Wilkinson|Foster|Chapman|Powell|Webb|Rogers|Gray|Mason|Ali|"
    "Hunt|Hussain|Campbell|Matthews|Owen|Palmer|Holmes|Mills|Barnes|Knight|Lloyd|Butler|Russell|"
    "Barker|Fisher|Stevens|Jenkins|Murray|Dixon|Harvey|Graham|Pearson|Ahmed|Fletcher|Walsh|Kaur|"
    "O'Brien|McDonald|Nowak|Kowalski|Okafor|Mensah|Nguyen|Chen|Wong|Da Silva|Ferreira|Müller",
    "|",
)
STREETS = _words(
    "High Street|Station Road|Church Lane|Victoria Road|Park Avenue|Mill Lane|Queen Street|"
    "Manor Road|Green Lane|Kings Road|Albert Street|Springfield Road|Grove Road|The Crescent|"
    "Orchard Close|Meadow Way|Chapel Street|New Road|School Lane|North Street",
    "|",
)
ETHNICITY = ("White British", "White other", "Asian", "Black", "Mixed", "Other")
GENDER = ("Female", "Male", "Female", "Male", "Non-binary")
PUBLIC = ("NORTH", "SOUTH", "EAST", "WEST")
STAFF_CLASSES = ("NURSING", "MEDICAL", "AHP", "SUPPORT")
HEADER = [
    "reference",
    "first_name",
    "last_name",
    "email",
    "date_of_birth",
    "constituency",
    "area_code",
    "address_line1",
    "town",
    "postcode",
    "phone",
    "gender",
    "ethnicity",
    "deprivation_decile",
    "contract",
    "last_attended_on",
]


def wards() -> list[tuple[str, str, str, str]]:
    """(code, name, constituency, postcode district) for 20 wards."""
    result = []
    for index in range(20):
        result.append(
            (f"E05{index + 1:06d}", f"Ward {index + 1}", PUBLIC[index % 4], f"LS{index + 1}")
        )
    return result


def member_rows(count: int, seed: int = 2025) -> Iterator[list[str]]:
    rng = random.Random(seed)
    all_wards = wards()
    for number in range(1, count + 1):
        first = rng.choice(FIRST)
        last = rng.choice(LAST)
        born = TODAY - timedelta(days=rng.randint(17 * 365, 90 * 365))
        ward = rng.choice(all_wards)
        district = ward[3]
        unit = "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
        postcode = f"{district} {rng.randint(1, 9)}{unit}"
        kind = rng.random()
        constituency = area = contract = attended = ""
        if kind < 0.10:
            constituency = rng.choice(STAFF_CLASSES)
            contract = "permanent"
        elif kind < 0.20:
            constituency = "PATIENTS"
            attended = (TODAY - timedelta(days=rng.randint(1, 900))).isoformat()
        else:
            area = ward[0]
        email = f"{first}.{last}.{number}@example.org".lower().replace("'", "").replace(" ", "")
        yield [
            f"M{number:07d}",
            first,
            last,
            email,
            born.isoformat(),
            constituency,
            area,
            f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
            "Leeds",
            postcode,
            f"07{rng.randint(100000000, 999999999)}",
            rng.choice(GENDER),
            rng.choice(ETHNICITY),
            str(rng.randint(1, 10)),
            contract,
            attended,
        ]


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(member_rows(count))


def fresh_database(postgres: str | None, workdir: Path, name: str) -> Engine:
    """A migrated, empty database: a new SQLite file in ``workdir``, or the PostgreSQL one
    given, emptied first."""
    url = scratch_database(postgres, workdir)
    if not postgres:
        url = f"sqlite:///{workdir / name}"
    upgrade(url)
    audit.configure(SECRET)
    return make_engine(url)


def make_trust(session: Session, slug: str = "bench-trust") -> Organisation:
    org = organisations.create_organisation(
        session,
        slug=slug,
        name="Bench NHS FT",
        type=OrganisationType.FOUNDATION_TRUST,
        actor="bench",
    )

    def add(code: str, kind: str, parent: str | None = None) -> None:
        data = ConstituencyIn(code=code, name=code.title(), kind=kind, parent=parent)  # type: ignore[arg-type]
        configuration.add_constituency(session, org, data, actor="bench")

    for code in PUBLIC:
        add(code, "public")
    add("STAFF", "staff")
    for code in STAFF_CLASSES:
        add(code, "staff_class", "STAFF")
    add("PATIENTS", "patient_carer")
    configuration.save_areas(
        session,
        org,
        [
            AreaIn(code=code, name=name, constituency=constituency, postcode_prefixes=district)
            for code, name, constituency, district in wards()
        ],
        actor="bench",
    )
    return org
