"""Imports every table so that the metadata (for Alembic and ``db check``) is complete."""

from governance import audit, mail
from governance.auth import models as auth_models
from governance.db import metadata
from governance.members import models as member_models
from governance.organisations import models as organisation_models

__all__ = ["audit", "auth_models", "mail", "member_models", "metadata", "organisation_models"]
