from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings

ALL = ["BOT_TOKEN", "FRAMEWORK", "API_URL", "DATABASE_URL", "STAFF_CHAT_ID", "ADMIN_IDS", "TIMEZONE"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ALL:
        monkeypatch.delenv(f"LINLI_{name}", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = load_settings()
    assert settings.framework == "ptb"
    assert settings.api_url == "https://api.telegram.org"
    assert settings.database_url == "sqlite:///linli.db"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.bot_token is None and settings.admin_ids == frozenset()


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("LINLI_STAFF_CHAT_ID=-1001\nLINLI_FRAMEWORK=aiogram\n")
    monkeypatch.setenv("LINLI_ADMIN_IDS", "11, 22,33")
    monkeypatch.setenv("LINLI_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("LINLI_BOT_TOKEN", "123:abc")
    settings = load_settings()
    assert settings.admin_ids == frozenset({11, 22, 33})
    assert settings.staff_chat_id == -1001 and settings.framework == "aiogram"
    assert settings.api_url == "http://127.0.0.1:8081"
    assert "123:abc" not in repr(settings)  # the token is a secret


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FRAMEWORK", "telethon"),
        ("ADMIN_IDS", "1,x"),
        ("TIMEZONE", "Mars/Base"),
        ("STAFF_CHAT_ID", "staff"),
        ("API_URL", "api.telegram.org"),
    ],
)
def test_invalid_setting_names_itself(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"LINLI_{name}", value)
    with pytest.raises(SettingsError, match=f"LINLI_{name}"):
        load_settings()


def test_poll_reminders_are_leads_before_the_deadline() -> None:
    from datetime import timedelta

    assert load_settings(_env_file=None).reminder_leads == (timedelta(days=1), timedelta(hours=2))
    assert load_settings(_env_file=None, poll_reminders="2h, 3d").reminder_leads == (
        timedelta(days=3),
        timedelta(hours=2),
    )
    assert load_settings(_env_file=None, poll_reminders="off").reminder_leads == ()
    with pytest.raises(SettingsError, match="LINLI_POLL_REMINDERS"):
        load_settings(_env_file=None, poll_reminders="tomorrow")
