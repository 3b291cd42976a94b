"""People and systems that reach the service: users with passwords and sessions, API clients
with bearer tokens and the event types granted to them, the login lock and demo credentials."""

import csv
import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.case_tables import ApiClient, User, UserSession
from db.cases import audit
from db.errors import InvalidRecord, UnknownReference
from db.sample import SAMPLE_DIR
from db.tables import Community, Street
from db.vocab import UserRole

_HASHER = PasswordHasher()
# Verified against when the username is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
_GRANT = re.compile(r"^(\*|grassroots(\.[a-z_]+)*(\.\*)?)$")

MAX_LOGIN_FAILURES = 5
LOGIN_LOCK = timedelta(minutes=15)
DEMO_FILE = "demo-credentials.json"


def hash_token(token: str) -> str:
    """How a bearer token is stored: its SHA-256 (a 256-bit random token needs no slow hash)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    """A fresh random token, prefixed so a leaked one is recognisable (``grc_…``, ``grs_…``)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def check_grants(patterns: Iterable[str]) -> list[str]:
    """Grant patterns as given, or InvalidRecord naming a malformed one."""
    result = [pattern.strip() for pattern in patterns if pattern.strip()]
    for pattern in result:
        if not _GRANT.match(pattern):
            raise InvalidRecord(
                f"event type grant {pattern!r}: give a type such as grassroots.org.registered "
                "or a prefix such as grassroots.assessment.*"
            )
    return result


def allows(patterns: Iterable[str], event_type: str) -> bool:
    """Whether any grant covers ``event_type``; ``grassroots.*`` covers every type below it."""
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


# --- API clients --------------------------------------------------------------------------------


async def add_client(
    session: AsyncSession,
    name: str,
    grants: Iterable[str],
    *,
    actor: str,
    expires_at: datetime | None = None,
) -> tuple[ApiClient, str]:
    """Register a system and return it with its bearer token (shown once, stored hashed)."""
    allowed = check_grants(grants)
    if not allowed:
        raise InvalidRecord("grant the client at least one event type")
    if await session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise InvalidRecord(f"an API client named {name!r} exists already")
    token = new_token("grc")
    client = ApiClient(
        name=name, token_hash=hash_token(token), allowed_event_types=allowed, expires_at=expires_at
    )
    session.add(client)
    audit(session, "client_added", actor, f"API client {name}", detail={"grants": allowed})
    return client, token


async def find_client(session: AsyncSession, token: str, now: datetime) -> ApiClient | None:
    """The live (not revoked, not expired) client holding ``token``."""
    client = await session.scalar(
        select(ApiClient).where(ApiClient.token_hash == hash_token(token))
    )
    if client is None or client.revoked_at is not None:
        return None
    if client.expires_at is not None and client.expires_at <= now:
        return None
    return client


async def revoke_client(session: AsyncSession, name: str, *, actor: str) -> bool:
    """Revoke a client's token at once; False if no live client has that name."""
    client = await session.scalar(select(ApiClient).where(ApiClient.name == name))
    if client is None or client.revoked_at is not None:
        return False
    client.revoked_at = utcnow()
    audit(session, "client_revoked", actor, f"API client {name}")
    return True


async def list_clients(session: AsyncSession) -> list[ApiClient]:
    return list((await session.scalars(select(ApiClient).order_by(ApiClient.name))).all())


async def list_users(session: AsyncSession) -> list[User]:
    return list((await session.scalars(select(User).order_by(User.username))).all())


# --- Users and sessions -------------------------------------------------------------------------


async def add_user(
    session: AsyncSession,
    username: str,
    password: str,
    role: UserRole,
    *,
    actor: str,
    community_id: str | None = None,
    street_id: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create an account; community staff need a community, street committees a street, and the
    organisation department, which reaches the whole county, takes neither."""
    if len(password) < 8:
        raise InvalidRecord("a password has at least 8 characters")
    if role is UserRole.COMMUNITY_STAFF and not community_id:
        raise InvalidRecord("community staff need --community")
    if role is UserRole.STREET_COMMITTEE and not street_id:
        raise InvalidRecord("a street committee account needs --street")
    if role is UserRole.ORGANISATION_DEPARTMENT and (community_id or street_id):
        raise InvalidRecord(
            "an organisation department account reaches the whole county: "
            "give neither --community nor --street"
        )
    if community_id is not None and await session.get(Community, community_id) is None:
        raise UnknownReference("community", community_id)
    if street_id is not None and await session.get(Street, street_id) is None:
        raise UnknownReference("street", street_id)
    if await session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidRecord(f"user {username!r} exists already")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role.value,
        community_id=community_id,
        street_id=street_id,
    )
    session.add(user)
    audit(
        session,
        "user_added",
        actor,
        f"user {username} ({role.value})",
        detail={"role": role.value, "community_id": community_id, "street_id": street_id},
    )
    return user


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """A login attempt: the user on success, or how long the account stays locked."""

    user: User | None = None
    locked_for: timedelta | None = None


async def attempt_login(
    session: AsyncSession, username: str, password: str, now: datetime
) -> LoginOutcome:
    """Check a password; the fifth failure in a row locks the account for 15 minutes."""
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        _verify_password(_DUMMY_HASH, password)
        return LoginOutcome()
    if user.locked_until is not None and user.locked_until > now:
        return LoginOutcome(locked_for=user.locked_until - now)
    if _verify_password(user.password_hash, password):
        user.failed_login_count = 0
        user.locked_until = None
        return LoginOutcome(user=user)
    user.failed_login_count += 1
    if user.failed_login_count >= MAX_LOGIN_FAILURES:
        user.failed_login_count = 0
        user.locked_until = now + LOGIN_LOCK
        audit(session, "login_locked", username, f"{username} locked after repeated failures")
        return LoginOutcome(locked_for=LOGIN_LOCK)
    return LoginOutcome()


async def open_session(session: AsyncSession, user: User, ttl: timedelta) -> tuple[str, datetime]:
    """A new session for ``user``: its token (stored hashed) and when it expires."""
    token = new_token("grs")
    expires_at = utcnow() + ttl
    session.add(UserSession(token_hash=hash_token(token), user_id=user.id, expires_at=expires_at))
    await session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.expires_at <= utcnow()
        )
    )
    return token, expires_at


async def session_user(session: AsyncSession, token: str, now: datetime) -> User | None:
    """The user of a live session token."""
    query = (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_token(token), UserSession.expires_at > now)
    )
    return await session.scalar(query)


async def close_session(session: AsyncSession, token: str) -> bool:
    """End the session holding ``token``; False if there was none."""
    result = await session.execute(
        delete(UserSession).where(UserSession.token_hash == hash_token(token))
    )
    return bool(getattr(result, "rowcount", 0))


async def street_communities(session: AsyncSession, street_id: str) -> frozenset[str]:
    """Ids of the communities of a street."""
    query = select(Community.id).where(Community.street_id == street_id)
    return frozenset((await session.scalars(query)).all())


# --- Demo credentials ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    """The accounts a first start with the sample registry creates, shown to the newcomer once."""

    admin_username: str
    admin_password: str
    staff_username: str
    staff_password: str
    staff_community_id: str
    client_name: str
    client_token: str
    file: str

    def lines(self) -> list[str]:
        """What the run command prints."""
        return [
            f"  Admin:           {self.admin_username} / {self.admin_password}",
            f"  Community staff: {self.staff_username} / {self.staff_password}"
            f" ({self.staff_community_id})",
            f"  API token:       {self.client_token} ({self.client_name}, grassroots.*)",
            f"  Saved in:        {self.file}",
        ]


def _sample_ids() -> tuple[str, str]:
    """The sample registry's street id and its first community id, from its CSV files."""
    ids = []
    for name in ("streets.csv", "communities.csv"):
        with (SAMPLE_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        ids.append(rows[1][0])
    return ids[0], ids[1]


async def ensure_demo_credentials(session: AsyncSession, var_dir: Path) -> DemoCredentials | None:
    """With the sample registry and no users: create, commit, save and return demo credentials."""
    # Saved to var_dir/demo-credentials.json; without the sample registry nothing is created.
    if await session.scalar(select(func.count()).select_from(User)):
        return None
    street_id, community_id = _sample_ids()
    if await session.get(Street, street_id) is None:
        return None
    if await session.get(Community, community_id) is None:
        return None
    actor = "demo-setup"
    admin_password = secrets.token_urlsafe(9)
    staff_password = secrets.token_urlsafe(9)
    await add_user(
        session, "admin", admin_password, UserRole.ADMIN, actor=actor, display_name="演示管理员"
    )
    staff = f"staff-{community_id}"
    await add_user(
        session,
        staff,
        staff_password,
        UserRole.COMMUNITY_STAFF,
        actor=actor,
        community_id=community_id,
        display_name="演示社区工作人员",
    )
    client, token = await add_client(session, "demo-client", ["grassroots.*"], actor=actor)
    await session.commit()
    path = (var_dir / DEMO_FILE).resolve()
    credentials = DemoCredentials(
        admin_username="admin",
        admin_password=admin_password,
        staff_username=staff,
        staff_password=staff_password,
        staff_community_id=community_id,
        client_name=client.name,
        client_token=token,
        file=str(path),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)  # passwords inside: readable by the service's user only
    path.write_text(json.dumps(asdict(credentials), ensure_ascii=False, indent=2) + "\n")
    return credentials
