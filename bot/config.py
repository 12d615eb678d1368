"""Runtime settings, read from LINLI_* environment variables and an optional .env file."""

from __future__ import annotations

import hashlib
import re
from datetime import time, timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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
    # The key that seals anonymous ballots (kept out of the database). Unset: derived from the bot token; set
    # it before the token is ever changed, or anonymous polls open at the change cannot be voted in again.
    ballot_key: SecretStr | None = None
    # Points rules, levels and rewards (TOML); unset: the packaged handlers/points/default_points.toml.
    points_file: str | None = None
    # When the weekly report goes to the staff chat, in TIMEZONE: "mon 09:00", or "off".
    weekly_report: str = "mon 09:00"
    # When a poll's group is reminded before its deadline: "1d,2h" (units d, h, m), or "off".
    poll_reminders: str = "1d,2h"
    # Building leaders may send notices (通知) to their own building's groups; off: staff only.
    leader_notices: bool = False
    # Notice copies go as Telegram's paid broadcasts (allow_paid_broadcast): up to 1,000 messages a second
    # instead of 30, at 0.1 Star each from the bot's balance; off: free, at 30 a second.
    paid_broadcast: bool = False
    # Updates of different chats handled side by side (each chat's in order).
    workers: int = Field(default=4, ge=1, le=64)
    # Webhook mode when set: the public HTTPS URL Telegram posts to. Unset: long polling.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1:8080"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            make_url(value).port  # noqa: B018  (reading the port checks it)
        except (ArgumentError, ValueError):
            raise ValueError(
                "not a database URL (e.g. sqlite:///linli.db or postgresql://user@host/db)"
            ) from None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if not parts.hostname:
            raise ValueError("must be a public https:// URL with a host name")
        # Telegram only posts to HTTPS; plain HTTP is accepted on loopback, for the sandbox.
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("must be a public https:// URL")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("write it as host:port, e.g. 127.0.0.1:8080")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("LINLI_WEBHOOK_SECRET must be set with LINLI_WEBHOOK_URL")
        return self

    @property
    def listen(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)

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

    @field_validator("poll_reminders")
    @classmethod
    def _reminders(cls, value: str) -> str:
        parse_reminders(value)
        return value.strip().lower()

    @property
    def reminder_leads(self) -> tuple[timedelta, ...]:
        return parse_reminders(self.poll_reminders)

    @property
    def ballot_secret(self) -> bytes:
        if self.ballot_key is not None:
            return self.ballot_key.get_secret_value().encode()
        token = self.bot_token.get_secret_value() if self.bot_token is not None else ""
        return hashlib.sha256(b"linli ballots:" + token.encode()).digest()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def weekly_slot(self) -> tuple[int, time] | None:
        return parse_weekly(self.weekly_report)


_LEAD = re.compile(r"^(\d{1,3})([dhm])$")
_LEAD_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_reminders(value: str) -> tuple[timedelta, ...]:
    """ "1d,2h" → (1 day, 2 hours), longest first; "off" → ()."""
    value = value.strip().lower()
    if value in ("off", ""):
        return ()
    leads = []
    for part in value.replace(" ", "").split(","):
        found = _LEAD.match(part)
        if found is None or int(found.group(1)) == 0:
            raise ValueError("write leads like '1d,2h' (days d, hours h, minutes m), or 'off'")
        leads.append(int(found.group(1)) * _LEAD_UNITS[found.group(2)])
    return tuple(sorted(set(leads), reverse=True))


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
