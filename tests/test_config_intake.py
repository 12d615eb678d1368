"""Settings for the durable intake: workers, webhook mode, and the database URL check (bot/config.py)."""

from __future__ import annotations

import os

import pytest

from bot.config import SettingsError, load_settings

SECRET = "s3cret_Token-123"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("LINLI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = load_settings()
    assert settings.workers == 4
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.webhook_listen == "127.0.0.1:8080"
    assert settings.listen == ("127.0.0.1", 8080)


# --- workers


@pytest.mark.parametrize("value", ["1", "4", "64"])
def test_workers_in_range(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LINLI_WORKERS", value)
    assert load_settings().workers == int(value)


@pytest.mark.parametrize("value", ["0", "-1", "65", "1000", "many", "2.5"])
def test_workers_out_of_range_names_itself(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LINLI_WORKERS", value)
    with pytest.raises(SettingsError, match="LINLI_WORKERS"):
        load_settings()


# --- webhook_url and webhook_secret


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example.com/telegram",
        "https://bot.example.com:8443/hook?x=1",
        "http://127.0.0.1:8081/hook",
        "http://localhost/hook",
        "http://[::1]:8080/hook",
    ],
)
def test_webhook_url_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", url)
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", SECRET)
    settings = load_settings()
    assert settings.webhook_url == url
    assert settings.webhook_secret is not None and settings.webhook_secret.get_secret_value() == SECRET


@pytest.mark.parametrize(
    "url",
    [
        "http://bot.example.com/hook",  # plain HTTP off loopback
        "http://10.0.0.5/hook",
        "http://localhost.example.com/hook",  # not loopback, only named like it
        "http://127.0.0.1.example.com/hook",
        "ftp://bot.example.com/hook",
        "bot.example.com/hook",
        "wss://bot.example.com/hook",
        "https:///hook",  # no host at all
        "https://",
    ],
)
def test_webhook_url_refused_names_itself(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", url)
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", SECRET)
    with pytest.raises(SettingsError, match="LINLI_WEBHOOK_URL"):
        load_settings()


def test_an_empty_webhook_url_means_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", "")
    assert load_settings().webhook_url is None


def test_webhook_url_needs_a_secret() -> None:
    with pytest.raises(SettingsError, match="LINLI_WEBHOOK_SECRET"):
        load_settings(webhook_url="https://bot.example.com/hook")


def test_a_secret_without_a_url_is_allowed() -> None:
    settings = load_settings(webhook_secret=SECRET)
    assert settings.webhook_url is None and settings.webhook_secret is not None


@pytest.mark.parametrize("secret", ["a", "A-Z_a-z_0-9", "-", "_", "x" * 256])
def test_webhook_secret_in_telegrams_charset(secret: str) -> None:
    settings = load_settings(webhook_url="https://bot.example.com/hook", webhook_secret=secret)
    assert settings.webhook_secret is not None and settings.webhook_secret.get_secret_value() == secret
    if len(secret) > 8:  # (a one-letter secret is in any repr)
        assert secret not in repr(settings)


@pytest.mark.parametrize(
    "secret",
    ["", "x" * 257, "has space", "a+b", "a/b", "a=b", "a.b", "秘密", "tab\there", "line\n"],
    ids=["empty", "257", "space", "plus", "slash", "equals", "dot", "cjk", "tab", "newline"],
)
def test_webhook_secret_outside_the_charset_is_refused(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_URL", "https://bot.example.com/hook")
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", secret)
    with pytest.raises(SettingsError, match="LINLI_WEBHOOK_SECRET") as caught:
        load_settings()
    if len(secret) > 2:
        assert secret not in str(caught.value)  # the error does not repeat the secret


# --- webhook_listen


@pytest.mark.parametrize(
    ("value", "listen"),
    [
        ("0.0.0.0:8443", ("0.0.0.0", 8443)),
        ("127.0.0.1:80", ("127.0.0.1", 80)),
        ("localhost:65535", ("localhost", 65535)),
        ("[::1]:8080", ("::1", 8080)),
        ("[::]:443", ("::", 443)),
    ],
)
def test_webhook_listen(monkeypatch: pytest.MonkeyPatch, value: str, listen: tuple[str, int]) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_LISTEN", value)
    settings = load_settings()
    assert settings.webhook_listen == value and settings.listen == listen


@pytest.mark.parametrize(
    "value",
    ["8080", ":8080", "localhost", "localhost:", "localhost:http", "localhost:65536", "localhost:-1", ""],
)
def test_webhook_listen_refused_names_itself(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LINLI_WEBHOOK_LISTEN", value)
    with pytest.raises(SettingsError, match="LINLI_WEBHOOK_LISTEN"):
        load_settings()


# --- database_url


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///linli.db",
        "sqlite:////var/lib/linli/linli.db",
        "postgresql://linli@db.internal/linli",
        "postgresql+psycopg://linli:pw@127.0.0.1:5432/linli",
        "postgres://linli@localhost/linli",
    ],
)
def test_database_url_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    assert load_settings().database_url == url


@pytest.mark.parametrize(
    "url", ["linli.db", "not a url", "", "://nothing", "/var/lib/linli.db", "postgresql://u:pw@host:port/db"]
)
def test_unparseable_database_url_names_itself(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    with pytest.raises(SettingsError, match="LINLI_DATABASE_URL") as caught:
        load_settings()
    assert "pw" not in str(caught.value)  # a password in a bad URL is not echoed


def test_database_url_override_is_checked_too() -> None:
    with pytest.raises(SettingsError, match="LINLI_DATABASE_URL"):
        load_settings(database_url="linli.db")


def test_several_bad_settings_are_each_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_WORKERS", "0")
    monkeypatch.setenv("LINLI_DATABASE_URL", "linli.db")
    monkeypatch.setenv("LINLI_WEBHOOK_LISTEN", "nowhere")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    for name in ("LINLI_WORKERS", "LINLI_DATABASE_URL", "LINLI_WEBHOOK_LISTEN"):
        assert name in message
