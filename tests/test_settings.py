"""Settings from GOVERNANCE_* variables: defaults, production's demands, clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from governance.settings import Settings, SettingsError

GOOD_KEY = "pX7f0q-Vd2LrY9kTzW4mB1hN6sJcE8uAoQ3gKvRiHyM5tUbZlS"


def read(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"GOVERNANCE_DATA_DIR": str(tmp_path), **env})


def production(tmp_path: Path, **env: str) -> Settings:
    defaults = {
        "GOVERNANCE_ENV": "production",
        "GOVERNANCE_SECRET_KEY": GOOD_KEY,
        "GOVERNANCE_BASE_URL": "https://members.example.org",
    }
    return read(tmp_path, **{**defaults, **env})


def test_defaults_suit_one_machine(tmp_path: Path) -> None:
    settings = read(tmp_path)
    assert settings.environment == "development"
    assert settings.database_url == f"sqlite:///{(tmp_path / 'governance.db').as_posix()}"
    assert settings.is_sqlite
    assert settings.smtp_host == ""
    assert settings.mail_dir == tmp_path / "mail"
    assert settings.run_scheduler is True
    assert settings.time_zone == "Europe/London"
    assert not settings.secure_cookies


def test_every_variable_is_read(tmp_path: Path) -> None:
    settings = production(
        tmp_path,
        GOVERNANCE_DATABASE_URL="postgresql+psycopg://app@db/governance",
        GOVERNANCE_TIME_ZONE="Europe/Dublin",
        GOVERNANCE_SMTP_HOST="smtp.example.org",
        GOVERNANCE_SMTP_PORT="465",
        GOVERNANCE_SMTP_USER="mailer",
        GOVERNANCE_SMTP_PASSWORD="pw",
        GOVERNANCE_SMTP_STARTTLS="false",
        GOVERNANCE_SMTP_SSL="yes",
        GOVERNANCE_MAIL_FROM="elections@example.org",
        GOVERNANCE_RUN_SCHEDULER="0",
        GOVERNANCE_DB_POOL_SIZE="35",
        GOVERNANCE_SESSION_HOURS="8",
        GOVERNANCE_LOG_LEVEL="debug",
    )
    assert settings.database_url == "postgresql+psycopg://app@db/governance"
    assert not settings.is_sqlite
    assert settings.time_zone == "Europe/Dublin"
    assert (settings.smtp_host, settings.smtp_port) == ("smtp.example.org", 465)
    assert (settings.smtp_user, settings.smtp_password) == ("mailer", "pw")
    assert (settings.smtp_starttls, settings.smtp_ssl) == (False, True)
    assert settings.mail_from == "elections@example.org"
    assert settings.run_scheduler is False
    assert settings.db_pool_size == 35
    assert settings.session_hours == 8
    assert settings.log_level == "DEBUG"


def test_a_plain_postgresql_url_uses_psycopg(tmp_path: Path) -> None:
    settings = read(tmp_path, GOVERNANCE_DATABASE_URL="postgresql://app@db/governance")
    assert settings.database_url == "postgresql+psycopg://app@db/governance"


def test_the_base_url_loses_its_trailing_slash(tmp_path: Path) -> None:
    settings = read(tmp_path, GOVERNANCE_BASE_URL="http://localhost:8000/")
    assert settings.base_url == "http://localhost:8000"


def test_an_https_base_url_turns_on_secure_cookies(tmp_path: Path) -> None:
    assert read(tmp_path, GOVERNANCE_BASE_URL="https://example.org").secure_cookies


# -- Production ----------------------------------------------------------------------------------


def test_production_starts_with_a_key_and_an_https_url(tmp_path: Path) -> None:
    settings = production(tmp_path)
    assert settings.production
    assert settings.secure_cookies
    assert settings.secret_key == GOOD_KEY
    assert not (tmp_path / "secret_key").exists(), "production never writes a key file"


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="GOVERNANCE_SECRET_KEY"):
        production(tmp_path, GOVERNANCE_SECRET_KEY="")


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        production(tmp_path, GOVERNANCE_SECRET_KEY="too-short")


def test_production_ignores_a_development_key_file(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text(GOOD_KEY)
    with pytest.raises(SettingsError, match="GOVERNANCE_SECRET_KEY"):
        production(tmp_path, GOVERNANCE_SECRET_KEY="")


@pytest.mark.parametrize("url", ["http://members.example.org", "members.example.org"])
def test_production_refuses_a_base_url_without_https(tmp_path: Path, url: str) -> None:
    with pytest.raises(SettingsError, match="https://"):
        production(tmp_path, GOVERNANCE_BASE_URL=url)


# -- The development secret key file -------------------------------------------------------------


def test_development_creates_a_private_key_file_and_reuses_it(tmp_path: Path) -> None:
    first = read(tmp_path / "data")
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32
    assert key_file.read_text().strip() == first.secret_key
    assert read(tmp_path / "data").secret_key == first.secret_key


def test_a_damaged_key_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short\n")
    settings = read(tmp_path)
    assert len(settings.secret_key) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == settings.secret_key


def test_an_explicit_key_wins_over_the_file(tmp_path: Path) -> None:
    settings = read(tmp_path, GOVERNANCE_SECRET_KEY=GOOD_KEY)
    assert settings.secret_key == GOOD_KEY
    assert not (tmp_path / "secret_key").exists()


# -- Bad values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GOVERNANCE_ENV", "staging", "GOVERNANCE_ENV must be one of development, test, prod"),
        ("GOVERNANCE_SMTP_PORT", "twenty-five", "GOVERNANCE_SMTP_PORT must be a whole number"),
        ("GOVERNANCE_SESSION_HOURS", "1.5", "GOVERNANCE_SESSION_HOURS must be a whole number"),
        ("GOVERNANCE_DB_POOL_SIZE", "lots", "GOVERNANCE_DB_POOL_SIZE must be a whole number"),
        ("GOVERNANCE_DB_POOL_SIZE", "0", "GOVERNANCE_DB_POOL_SIZE must be at least 1"),
        ("GOVERNANCE_SMTP_STARTTLS", "maybe", "GOVERNANCE_SMTP_STARTTLS must be true or false"),
        ("GOVERNANCE_SMTP_SSL", "2", "GOVERNANCE_SMTP_SSL must be true or false"),
        ("GOVERNANCE_RUN_SCHEDULER", "sometimes", "GOVERNANCE_RUN_SCHEDULER must be true or false"),
        ("GOVERNANCE_TIME_ZONE", "Mars/Olympus", "GOVERNANCE_TIME_ZONE 'Mars/Olympus' is not"),
    ],
)
def test_a_bad_value_names_its_variable(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        read(tmp_path, **{variable: value})
    assert message in str(raised.value)


@pytest.mark.parametrize("value", ["1", "true", "YES", "on", " True "])
def test_booleans_accept_the_usual_spellings_of_true(tmp_path: Path, value: str) -> None:
    assert read(tmp_path, GOVERNANCE_SMTP_SSL=value).smtp_ssl is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off"])
def test_booleans_accept_the_usual_spellings_of_false(tmp_path: Path, value: str) -> None:
    assert read(tmp_path, GOVERNANCE_SMTP_STARTTLS=value).smtp_starttls is False


@pytest.mark.parametrize(
    "key",
    [
        "k" * 48,
        "0123456789abcdef" * 3,
        "my-governance-secret-key-for-production-use",
        "correcthorsebatterystaplecorrecthorsebatterystaple",
    ],
)
def test_production_refuses_a_long_but_guessable_key(tmp_path: Path, key: str) -> None:
    with pytest.raises(SettingsError, match="GOVERNANCE_SECRET_KEY"):
        production(tmp_path, GOVERNANCE_SECRET_KEY=key)


def test_production_takes_generated_keys(tmp_path: Path) -> None:
    for key in (GOOD_KEY, "3f9a1c07be4d2e86a5b0c9d71f3e4a2b6c8d0e1f2a3b4c5d6e7f80912a3b4c5d"):
        assert production(tmp_path, GOVERNANCE_SECRET_KEY=key).secret_key == key
