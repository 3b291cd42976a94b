"""Who is asking: API clients by bearer token, people by session (bearer or cookie), and what
their role lets them reach. Outside their reach a case is answered with 404, never 403, so a
community's staff cannot learn which cases another community has."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.problems import Problem
from api.services import Services, services
from api.tokens import KnownClient
from db.base import utcnow
from db.case_tables import User
from db.security import allows, find_client, session_user, street_communities
from db.vocab import UserRole

SESSION_COOKIE = "grassroots_session"


def set_session_cookie(response: Response, request: Request, token: str, ttl: timedelta) -> None:
    """The session token as an HttpOnly, same-site-only cookie (Secure over HTTPS)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller; ``communities`` None reaches every community."""

    kind: Literal["user", "client"]
    name: str
    token: str
    role: UserRole | None = None
    communities: frozenset[str] | None = frozenset()
    grants: tuple[str, ...] = ()
    community_id: str | None = None

    @property
    def actor(self) -> str:
        """How audit rows name the caller."""
        return f"client:{self.name}" if self.kind == "client" else self.name

    @property
    def is_admin(self) -> bool:
        return self.role is UserRole.ADMIN

    def reaches(self, community_id: str | None) -> bool:
        """Whether a record of ``community_id`` is within reach (no community: county-wide
        roles only)."""
        if self.communities is None:
            return True
        return community_id is not None and community_id in self.communities

    def may_send(self, event_type: str) -> bool:
        return self.kind == "client" and allows(self.grants, event_type)


def _unauthorised(detail: str) -> Problem:
    return Problem(401, "unauthorised", detail, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", detail)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("the Authorization header must be 'Bearer <token>'")
    return token.strip()


async def _reach(session: AsyncSession, user: User) -> frozenset[str] | None:
    role = UserRole(user.role)
    if role in (UserRole.ADMIN, UserRole.ORGANISATION_DEPARTMENT):
        return None
    if role is UserRole.COMMUNITY_STAFF:
        return frozenset({user.community_id}) if user.community_id else frozenset()
    if user.street_id is not None:
        return await street_communities(session, user.street_id)
    if user.community_id is not None:
        return frozenset({user.community_id})
    # A viewer with neither community nor street reads the whole county.
    return None if role is UserRole.VIEWER else frozenset()


async def user_principal(session: AsyncSession, user: User, token: str) -> Principal:
    """The principal of a logged-in person, with the communities their role reaches."""
    return Principal(
        "user",
        user.username,
        token,
        role=UserRole(user.role),
        communities=await _reach(session, user),
        community_id=user.community_id,
    )


async def authenticate(request: Request) -> Principal:
    """The caller, or 401."""
    svc: Services = services(request)
    token = _bearer(request)
    via_cookie = token is None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _unauthorised("log in, or send a bearer token")
    now = utcnow()
    known = None if via_cookie else svc.clients.get(token, now)
    if known is not None:
        return Principal("client", known.name, token, grants=known.grants)
    async with svc.sessions() as session:
        client = await find_client(session, token, now)
        if client is not None and not via_cookie:
            known = KnownClient(client.name, tuple(client.allowed_event_types), client.expires_at)
            svc.clients.put(token, known)
            return Principal("client", known.name, token, grants=known.grants)
        user = await session_user(session, token, now)
        if user is None:
            raise _unauthorised("the token or session is unknown or has expired")
        principal = await user_principal(session, user, token)
    if via_cookie and request.method in _UNSAFE:
        _check_origin(request)
    return principal


def _check_origin(request: Request) -> None:
    """Refuse a write that uses the session cookie from another site's page."""
    # A CSRF guard on top of the SameSite=Strict cookie; bearer tokens need none.
    origin = request.headers.get("origin")
    if origin is None:
        return
    host = request.headers.get("host", "")
    if urlsplit(origin).netloc != host:
        raise forbidden("a cross-site request cannot use the session cookie")


async def require_user(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """A logged-in person (not an API client)."""
    if principal.kind != "user":
        raise forbidden("this endpoint is for people: log in at /api/login")
    return principal


async def require_writer(principal: Annotated[Principal, Depends(require_user)]) -> Principal:
    """A person whose role may change things (everyone but viewers)."""
    if principal.role is UserRole.VIEWER:
        raise forbidden("a viewer account is read-only")
    return principal


async def require_admin(principal: Annotated[Principal, Depends(require_user)]) -> Principal:
    if not principal.is_admin:
        raise forbidden("only an administrator may do this")
    return principal


async def require_client(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """A system sending events with its API token."""
    if principal.kind != "client":
        raise forbidden("events are sent with an API client token (grassroots clients add)")
    return principal


Person = Annotated[Principal, Depends(require_user)]
Writer = Annotated[Principal, Depends(require_writer)]
Admin = Annotated[Principal, Depends(require_admin)]
Sender = Annotated[Principal, Depends(require_client)]
