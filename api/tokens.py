"""A short-lived memory of API client tokens, so a busy sender does not cost a database read
per event; a revoked or expired token stops working within ``ttl`` seconds."""

import time
from dataclasses import dataclass
from datetime import datetime

from db.security import hash_token


@dataclass(frozen=True, slots=True)
class KnownClient:
    """What a request needs to know about the client holding a token."""

    name: str
    grants: tuple[str, ...]
    expires_at: datetime | None


class ClientTokenCache:
    """Token hash → client, each kept for ``ttl`` seconds; bounded, oldest dropped first."""

    def __init__(self, ttl: float, max_entries: int = 1024) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._entries: dict[str, tuple[float, KnownClient]] = {}

    def get(self, token: str, now: datetime) -> KnownClient | None:
        entry = self._entries.get(hash_token(token))
        if entry is None or entry[0] <= time.monotonic():
            return None
        client = entry[1]
        if client.expires_at is not None and client.expires_at <= now:
            return None
        return client

    def put(self, token: str, client: KnownClient) -> None:
        if self._ttl <= 0:
            return
        if len(self._entries) >= self._max:
            self._entries.pop(next(iter(self._entries)))
        self._entries[hash_token(token)] = (time.monotonic() + self._ttl, client)
