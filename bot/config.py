"""Settings from the environment and `.env` (CONTRACT.md §2). The only module that reads them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.calendar import is_valid_timezone, load_holidays, parse_business_hours, parse_quiet_hours

LANGUAGES = ("en", "de", "ja", "pt_BR")


def without_password(url: str) -> str:
    """A URL as it may be printed: `postgresql+asyncpg://user:***@host/db`."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable."""


class Settings(BaseSettings):
    # An empty `SLACK_BOT_TOKEN=` (a line of .env.example left blank) means unset, not an empty token.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    database_url: str = Field("sqlite+aiosqlite:///./partnerbot.db", alias="PARTNERBOT_DATABASE_URL")
    database_pool_size: int = Field(20, ge=1, le=500, alias="PARTNERBOT_DATABASE_POOL_SIZE")
    host: str = Field("127.0.0.1", alias="PARTNERBOT_HOST")
    port: int = Field(8080, alias="PARTNERBOT_PORT", ge=1, le=65535)
    timezone: str = Field("UTC", alias="PARTNERBOT_TIMEZONE")
    business_hours: str = Field("Mon-Fri 09:00-17:00", alias="PARTNERBOT_BUSINESS_HOURS")
    holidays: Path | None = Field(None, alias="PARTNERBOT_HOLIDAYS")
    quiet_hours: str = Field("20:00-08:00", alias="PARTNERBOT_QUIET_HOURS")
    language: str = Field("en", alias="PARTNERBOT_LANGUAGE")
    log_format: Literal["text", "json"] = Field("text", alias="PARTNERBOT_LOG_FORMAT")
    kb_sentence_model: bool = Field(True, alias="PARTNERBOT_KB_SENTENCE_MODEL")

    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    slack_command: str = Field("/partner", alias="PARTNERBOT_SLACK_COMMAND")
    slack_cam_channel: str | None = Field(None, alias="PARTNERBOT_SLACK_CAM_CHANNEL")
    slack_support_channel: str | None = Field(None, alias="PARTNERBOT_SLACK_SUPPORT_CHANNEL")
    slack_escalation_channel: str | None = Field(None, alias="PARTNERBOT_SLACK_ESCALATION_CHANNEL")

    onboarding_tracks: Path | None = Field(None, alias="PARTNERBOT_ONBOARDING_TRACKS")
    tier_thresholds: str = Field("silver=100000:1,gold=500000:3,platinum=2000000:6", alias="PARTNERBOT_TIER_THRESHOLDS")
    health_weights: str = Field(
        "leads=30,deals=25,certifications=20,tickets=15,engagement=10", alias="PARTNERBOT_HEALTH_WEIGHTS"
    )
    block_deals_on_expired_agreement: bool = Field(False, alias="PARTNERBOT_BLOCK_DEALS_ON_EXPIRED_AGREEMENT")
    deal_conflict_threshold: int = Field(90, ge=50, le=100, alias="PARTNERBOT_DEAL_CONFLICT_THRESHOLD")
    deal_protection_days: int = Field(90, ge=1, le=730, alias="PARTNERBOT_DEAL_PROTECTION_DAYS")

    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_url: str = Field("https://api.telegram.org", alias="TELEGRAM_API_URL")
    telegram_bot_username: str | None = Field(None, alias="TELEGRAM_BOT_USERNAME")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """The first mistake of a PostgreSQL install: a URL without the async driver."""
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
            fixed = "postgresql+asyncpg://" + value.split("://", 1)[1]
            raise ValueError(f"{scheme}:// needs the async driver: use {without_password(fixed)}")
        if scheme == "sqlite":
            raise ValueError("sqlite:// needs the async driver: use sqlite+aiosqlite:///path/to/partnerbot.db")
        if scheme not in ("postgresql+asyncpg", "sqlite+aiosqlite"):
            raise ValueError("use postgresql+asyncpg://USER@HOST/DB or sqlite+aiosqlite:///FILE")
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        if not is_valid_timezone(value):
            raise ValueError(f"unknown IANA timezone {value!r}")
        return value

    @field_validator("business_hours")
    @classmethod
    def _valid_business_hours(cls, value: str) -> str:
        parse_business_hours(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _valid_quiet_hours(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @field_validator("language")
    @classmethod
    def _valid_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("onboarding_tracks")
    @classmethod
    def _valid_tracks(cls, value: Path | None) -> Path | None:
        if value is not None and str(value):
            from domain.onboarding.tracks import load_tracks

            load_tracks(value)  # every key is checked at start-up; a bad one is named in one line
        return value

    @field_validator("tier_thresholds")
    @classmethod
    def _valid_thresholds(cls, value: str) -> str:
        from domain.health.policy import parse_thresholds

        parse_thresholds(value)
        return value

    @field_validator("health_weights")
    @classmethod
    def _valid_weights(cls, value: str) -> str:
        from domain.health.policy import parse_weights

        parse_weights(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays_exist(cls, value: Path | None) -> Path | None:
        if value is not None and str(value) and not value.is_file():
            raise ValueError(f"no such file {str(value)!r}")
        if value is not None and str(value):
            load_holidays(value)  # every line is checked at start-up; a bad one names the file and line
        return value or None

    @field_validator("slack_command")
    @classmethod
    def _slash_command(cls, value: str) -> str:
        if not re.fullmatch(r"/[a-z0-9_-]{1,31}", value):
            raise ValueError("must look like /partner")
        return value

    @model_validator(mode="after")
    def _platform_pairs(self) -> Settings:
        if self.slack_bot_token and not self.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set")
        return self

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err.get("loc") or ()
        name = str(loc[0]) if loc else ""
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if not name and ":" in message:
            raise SettingsError(message) from None
        field = Settings.model_fields.get(name)
        variable = field.alias if field is not None and field.alias else name
        raise SettingsError(f"{variable}: {message}") from None
