"""Settings come from the environment, with the documented names and defaults."""

from pathlib import Path

import pytest

from settings import DEFAULT_SQLITE_PRAGMAS, Settings


def test_defaults_run_embedded_with_state_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing set, the service runs its own Temporal and keeps its files in var/."""
    for name in ("TEMPORAL_ADDRESS", "DATABASE_URL", "GRASSROOTS_VAR_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.embedded_temporal
    assert settings.temporal_target == "127.0.0.1:7233"
    assert settings.temporal_ui_url == "http://127.0.0.1:8233"
    assert settings.api_url == "http://127.0.0.1:8000"
    assert settings.temporal_sqlite_pragmas == DEFAULT_SQLITE_PRAGMAS
    assert settings.effective_database_url.endswith("/var/grassroots.db")


def test_external_temporal_and_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """TEMPORAL_ADDRESS and DATABASE_URL switch to external services; GRASSROOTS_* move the rest."""
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.example:7233")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@db/grassroots")
    monkeypatch.setenv("GRASSROOTS_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("GRASSROOTS_API_PORT", "9000")
    settings = Settings()
    assert not settings.embedded_temporal
    assert settings.temporal_target == "temporal.example:7233"
    assert settings.temporal_ui_url is None
    assert settings.effective_database_url == "postgresql+asyncpg://u@db/grassroots"
    assert settings.var_dir == tmp_path
    assert settings.api_port == 9000


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mistyped setting fails at start with the variable's name in the message."""
    monkeypatch.setenv("GRASSROOTS_API_PORT", "eight thousand")
    with pytest.raises(ValueError, match="api_port"):
        Settings()
