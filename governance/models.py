"""Imports every table so that the metadata (for Alembic and ``db check``) is complete."""

from governance import audit, mail
from governance.accountability import models as accountability_models
from governance.auth import models as auth_models
from governance.db import metadata
from governance.elections import lifecycle_models
from governance.elections import models as election_models
from governance.meetings import models as meeting_models
from governance.meetings import motion_models
from governance.members import models as member_models
from governance.members import offices as office_models
from governance.organisations import models as organisation_models

__all__ = [
    "accountability_models",
    "audit",
    "auth_models",
    "election_models",
    "lifecycle_models",
    "mail",
    "meeting_models",
    "member_models",
    "metadata",
    "motion_models",
    "office_models",
    "organisation_models",
]
