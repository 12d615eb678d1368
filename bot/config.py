"""Runtime settings, read from LINLI_* environment variables and an optional .env file."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    framework: Literal["ptb", "aiogram"] = "ptb"
    api_url: str = TELEGRAM_API_URL
    database_url: str = "sqlite:///linli.db"
    staff_chat_id: int | None = None
    # NoDecode: the env value is "1,2,3", not JSON.
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    timezone: str = "Asia/Shanghai"
    taxonomy_file: str | None = None
    # When the weekly report goes to the staff chat, in TIMEZONE: "mon 09:00", or "off".
    weekly_report: str = "mon 09:00"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("weekly_report")
    @classmethod
    def _weekly_slot(cls, value: str) -> str:
        parse_weekly(value)
        return value.strip().lower()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def weekly_slot(self) -> tuple[int, time] | None:
        return parse_weekly(self.weekly_report)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekly(value: str) -> tuple[int, time] | None:
    """ "mon 09:00" → (0, 09:00); "off" → None."""
    value = value.strip().lower()
    if value == "off":
        return None
    day, _, clock = value.partition(" ")
    if day not in WEEKDAYS:
        raise ValueError(f"day must be one of {', '.join(WEEKDAYS)} (or the whole value 'off')")
    try:
        return WEEKDAYS.index(day), time.fromisoformat(clock.strip())
    except ValueError:
        raise ValueError("write the time as HH:MM, e.g. 'mon 09:00'") from None


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "LINLI_" + str(error["loc"][0]).upper() if error["loc"] else "settings"
            lines.append(f"{name}: {error['msg']}")
        raise SettingsError("; ".join(lines)) from None
