"""Service settings, read from ``GRASSROOTS_*`` environment variables (plus ``DATABASE_URL`` and
``TEMPORAL_ADDRESS``). Only composition roots (worker.py, the CLI, api/app.py) read them."""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Pragmas for the embedded Temporal dev server's SQLite file, chosen by measurement
# (bench/sqlite_pragmas.py): WAL with synchronous=normal gives about 1.6x the case throughput of
# SQLite's defaults, within 10% of an in-memory store, and still survives a process crash (only an
# operating-system crash can lose the last transactions).
DEFAULT_SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")


class Settings(BaseSettings):
    """Everything the service can be told from its environment."""

    model_config = SettingsConfigDict(env_prefix="GRASSROOTS_", extra="ignore")

    var_dir: Path = Path("var")

    temporal_address: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TEMPORAL_ADDRESS", "GRASSROOTS_TEMPORAL_ADDRESS"),
        description="An external Temporal frontend (host:port); unset starts the embedded server.",
    )
    temporal_namespace: str = "default"
    temporal_host: str = "127.0.0.1"
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_sqlite_pragmas: tuple[str, ...] = DEFAULT_SQLITE_PRAGMAS
    task_queue: str = "grassroots"

    max_cached_workflows: int = Field(
        default=1000, description="Sticky workflow cache size: bounds the worker's memory."
    )
    max_concurrent_activities: int = 100
    graceful_shutdown_seconds: float = 10.0

    api_host: str = "127.0.0.1"
    api_port: int = 8000

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "GRASSROOTS_DATABASE_URL"),
    )

    rules_dir: Path = Field(
        default=Path("rules"), description="The rule files administrators edit."
    )
    rules_seed_dir: Path | None = Field(
        default=None,
        description="Copied to the rules folder when that does not exist yet (a container's "
        "first start: the image's rules onto the shared volume).",
    )
    rules_poll_seconds: float = Field(
        default=2.0, description="How often the rules folder is checked for edits."
    )

    max_body_bytes: int = Field(
        default=1 << 20, description="Largest request body the API reads; 413 beyond."
    )
    session_hours: float = Field(default=12.0, description="How long a login session lasts.")
    update_timeout_seconds: float = Field(
        default=10.0, description="How long POST /events waits for an update before 503."
    )
    webhooks: list[str] = Field(
        default_factory=list,
        description="URLs receiving outbound CloudEvents and notifications (a JSON list).",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs every webhook delivery (Standard Webhooks, HMAC-SHA256) so receivers "
        "can check it comes from this service.",
    )

    log_level: str = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"

    @property
    def webhook_secret(self) -> bytes | None:
        """The key webhook deliveries are signed with, if one is set."""
        if self.secret_key is None or not self.secret_key.get_secret_value():
            return None
        return self.secret_key.get_secret_value().encode("utf-8")

    @property
    def embedded_temporal(self) -> bool:
        return self.temporal_address is None

    @property
    def temporal_target(self) -> str:
        return self.temporal_address or f"{self.temporal_host}:{self.temporal_port}"

    @property
    def temporal_ui_url(self) -> str | None:
        if not self.embedded_temporal:
            return None
        return f"http://{self.temporal_host}:{self.temporal_ui_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "logs"

    @property
    def rule_versions_dir(self) -> Path:
        """Every rule-set version ever active, content-addressed, so cases can show theirs."""
        return self.var_dir / "rules" / "versions"

    @property
    def effective_database_url(self) -> str:
        """The project database: ``DATABASE_URL`` or a SQLite file under the var folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'grassroots.db').resolve()}"
