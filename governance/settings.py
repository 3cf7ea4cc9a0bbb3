"""One Settings object, read from ``GOVERNANCE_*`` environment variables.

Defaults are safe for a single machine: a SQLite file under the data directory, a secret key
generated on first run and kept beside it, mail written as ``.eml`` files. Production mode refuses
to start without an explicit secret key and a public base URL.
"""

from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from governance.logs import LEVELS

ENVIRONMENTS = ("development", "test", "production")


class SettingsError(RuntimeError):
    """The configuration cannot be used; the message says which variable to fix."""


def _bool(name: str, value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"GOVERNANCE_{name} must be true or false, got {value!r}")


def _int(name: str, value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"GOVERNANCE_{name} must be a whole number, got {value!r}") from None


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    data_dir: Path = field(default_factory=lambda: Path("var"))
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    time_zone: str = "Europe/London"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    mail_from: str = "governance@localhost"
    run_scheduler: bool = True
    session_hours: int = 12
    log_level: str = "INFO"
    db_pool_size: int = 20
    api_reference: str = "page"

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production" or self.base_url.startswith("https://")

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the environment, fill in defaults, and check the result."""
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return env.get(f"GOVERNANCE_{name}", default)

        environment = get("ENV", "development").strip().lower()
        if environment not in ENVIRONMENTS:
            raise SettingsError(f"GOVERNANCE_ENV must be one of {', '.join(ENVIRONMENTS)}")
        data_dir = Path(get("DATA_DIR", "var")).expanduser()
        database_url = get("DATABASE_URL") or f"sqlite:///{(data_dir / 'governance.db').as_posix()}"
        if database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
        settings = cls(
            environment=environment,
            data_dir=data_dir,
            database_url=database_url,
            secret_key=get("SECRET_KEY"),
            base_url=get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            time_zone=get("TIME_ZONE", "Europe/London"),
            smtp_host=get("SMTP_HOST"),
            smtp_port=_int("SMTP_PORT", get("SMTP_PORT"), 587),
            smtp_user=get("SMTP_USER"),
            smtp_password=get("SMTP_PASSWORD"),
            smtp_starttls=_bool("SMTP_STARTTLS", get("SMTP_STARTTLS"), True),
            smtp_ssl=_bool("SMTP_SSL", get("SMTP_SSL"), False),
            mail_from=get("MAIL_FROM", "governance@localhost"),
            run_scheduler=_bool("RUN_SCHEDULER", get("RUN_SCHEDULER"), True),
            session_hours=_int("SESSION_HOURS", get("SESSION_HOURS"), 12),
            db_pool_size=_int("DB_POOL_SIZE", get("DB_POOL_SIZE"), 20),
            log_level=get("LOG_LEVEL", "INFO").upper(),
            api_reference=get("API_REFERENCE", "page").strip().lower(),
        )
        return settings.checked()

    def checked(self) -> Settings:
        """Validate, and create the secret key file outside production when none is given."""
        if self.log_level not in LEVELS:
            raise SettingsError(
                f"GOVERNANCE_LOG_LEVEL must be one of {', '.join(LEVELS)}, got {self.log_level!r}"
            )
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"GOVERNANCE_TIME_ZONE {self.time_zone!r} is not a time zone"
            ) from None
        if self.api_reference not in ("page", "json"):
            raise SettingsError(
                f"GOVERNANCE_API_REFERENCE must be page or json, got {self.api_reference!r}"
            )
        if self.db_pool_size < 1:
            raise SettingsError(
                f"GOVERNANCE_DB_POOL_SIZE must be at least 1, got {self.db_pool_size}"
            )
        if self.production:
            if len(self.secret_key) < 32 or (problem := key_problem(self.secret_key)):
                reason = "at least 32 characters" if len(self.secret_key) < 32 else problem
                raise SettingsError(
                    f"production mode needs GOVERNANCE_SECRET_KEY ({reason}); "
                    "generate one with: "
                    "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
                )
            if not self.base_url.startswith("https://"):
                raise SettingsError("production mode needs an https:// GOVERNANCE_BASE_URL")
            return self
        if self.secret_key:
            return self
        return replace(self, secret_key=load_or_create_secret(self.data_dir / "secret_key"))


MIN_KEY_BITS = 128
WEAK_WORDS = ("secret", "password", "changeme", "example", "governance", "qwerty")


def key_problem(key: str) -> str:
    """Why ``key`` is too guessable to sign everything with ("" if it is not).

    Length alone lets "aaaa..." or a repeated phrase through. The estimate is the key's length
    times the Shannon entropy of its characters, which a random key of 32 or more characters
    (hex, base64 or URL-safe) passes easily; a key made of a short repeated part, or built
    around a word, is refused whatever its length.
    """
    counts = Counter(key)
    bits = -sum(n * math.log2(n / len(key)) for n in counts.values())
    if bits < MIN_KEY_BITS or len(counts) < 10:
        return f"it looks far from random: about {int(bits)} bits, at least {MIN_KEY_BITS} needed"
    for size in range(1, len(key) // 2 + 1):
        if len(key) % size == 0 and key[:size] * (len(key) // size) == key:
            return "it repeats a short part"
    lowered = key.lower()
    if any(word in lowered for word in WEAK_WORDS):
        return "it contains a word; use a random key"
    return ""


def load_or_create_secret(path: Path) -> str:
    """Read the development secret key, creating it (mode 0600) on first run."""
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
