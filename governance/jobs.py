"""Imports each module that registers scheduled jobs, so the scheduler sees them all."""

from governance import mail_jobs  # noqa: F401
from governance.accountability import jobs as accountability_jobs  # noqa: F401
from governance.auth import jobs as auth_jobs  # noqa: F401
from governance.elections import lifecycle_jobs as election_lifecycle_jobs  # noqa: F401
from governance.elections import poll_jobs as election_poll_jobs  # noqa: F401
from governance.meetings import jobs as meeting_jobs  # noqa: F401
from governance.members import jobs as member_jobs  # noqa: F401
