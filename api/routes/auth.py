"""Logging in and out: a session token in an HttpOnly cookie and, for scripts, as a bearer."""

import math
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, ValidationError

from api.problems import Problem, bad_request, validation_errors
from api.schemas import LoginResult, UserView
from api.security import SESSION_COOKIE, Person, Principal, set_session_cookie, user_principal
from api.services import services
from db.base import utcnow
from db.cases import audit
from db.security import attempt_login, close_session, open_session

router = APIRouter(prefix="/api", tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


async def _credentials(request: Request) -> Credentials:
    content_type = request.headers.get("content-type", "")
    raw: Any
    if content_type.startswith("application/json"):
        try:
            raw = await request.json()
        except ValueError as exc:
            raise bad_request("the body is not valid JSON", slug="malformed-json") from exc
    else:
        raw = dict(await request.form())
    try:
        return Credentials.model_validate(raw)
    except ValidationError as err:
        raise bad_request(
            "give a username and a password", validation_errors(err.errors())
        ) from err


def _user_view(person: Principal) -> UserView:
    reach = None if person.communities is None else sorted(person.communities)
    role = person.role.value if person.role else "client"
    return UserView(
        username=person.name, role=role, community_id=person.community_id, communities=reach
    )


@router.post(
    "/login",
    response_model=LoginResult,
    responses={401: {"description": "wrong username or password"}, 429: {"description": "locked"}},
)
async def login(request: Request, response: Response) -> LoginResult:
    """Check a password; five failures in a row lock the account for 15 minutes."""
    credentials = await _credentials(request)
    svc = services(request)
    async with svc.sessions() as session:
        outcome = await attempt_login(session, credentials.username, credentials.password, utcnow())
        if outcome.user is None:
            await session.commit()
            if outcome.locked_for is not None:
                seconds = max(1, math.ceil(outcome.locked_for.total_seconds()))
                raise Problem(
                    429,
                    "locked",
                    f"too many failed logins: try again in {math.ceil(seconds / 60)} minutes",
                    headers={"Retry-After": str(seconds)},
                )
            raise Problem(401, "invalid-credentials", "wrong username or password")
        user = outcome.user
        token, expires_at = await open_session(session, user, svc.config.session_ttl)
        audit(session, "login", user.username, f"{user.username} logged in")
        await session.commit()
        person = await user_principal(session, user, token)
    set_session_cookie(response, request, token, svc.config.session_ttl)
    return LoginResult(token=token, expires_at=expires_at, user=_user_view(person))


@router.post("/logout", status_code=204)
async def logout(request: Request, person: Person) -> Response:
    """End this session."""
    async with services(request).sessions() as session:
        await close_session(session, person.token)
        audit(session, "logout", person.actor, f"{person.name} logged out")
        await session.commit()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=UserView)
async def me(person: Person) -> UserView:
    """Who you are logged in as, and which communities you reach."""
    return _user_view(person)
