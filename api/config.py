"""The API's own knobs, taken from the settings (with defaults for those the settings lack)."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from settings import Settings

DEFAULT_MAX_BODY_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ApiConfig:
    """Limits and timeouts of the HTTP API."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    session_ttl: timedelta = timedelta(hours=12)
    update_timeout: timedelta = timedelta(seconds=10)
    live_state_timeout: timedelta = timedelta(seconds=2)
    retry_after_seconds: int = 5
    # How long an API client's token is trusted without reading the database again.
    client_cache: timedelta = timedelta(seconds=5)

    @classmethod
    def from_settings(cls, settings: Settings) -> "ApiConfig":
        """``GRASSROOTS_MAX_BODY_BYTES``, ``_SESSION_HOURS`` and ``_UPDATE_TIMEOUT_SECONDS``."""
        values: dict[str, Any] = settings.model_dump()
        return cls(
            max_body_bytes=int(values.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES)),
            session_ttl=timedelta(hours=float(values.get("session_hours", 12.0))),
            update_timeout=timedelta(seconds=float(values.get("update_timeout_seconds", 10.0))),
        )
