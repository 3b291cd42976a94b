"""RFC 9457 problem documents: every error the API gives is one, naming each bad field."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
# Problem types are relative URIs, resolved against the API's own address (RFC 9457 §3.1.1).
PROBLEM_BASE = "/problems/"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: ``{"field": "id", "message": "required"}``."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class Problem(Exception):
    """An error answer: raise it from a route, or turn it into a response."""

    status: int
    slug: str
    detail: str
    errors: Sequence[FieldError] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.slug}: {self.detail}"

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase

    def document(self) -> dict[str, Any]:
        """The problem document as JSON."""
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = [error.as_dict() for error in self.errors]
        body.update(self.extra)
        return body

    def response(self) -> JSONResponse:
        return JSONResponse(
            self.document(),
            status_code=self.status,
            media_type=PROBLEM_JSON,
            headers=dict(self.headers),
        )


def bad_request(detail: str, errors: Sequence[FieldError] = (), slug: str = "invalid") -> Problem:
    return Problem(400, slug, detail, errors)


def not_found(detail: str = "no such resource, or not within your reach") -> Problem:
    return Problem(404, "not-found", detail)


def unavailable(detail: str, retry_after: int) -> Problem:
    """503 with Retry-After: nothing was recorded, so sending the same request again works."""
    return Problem(503, "unavailable", detail, headers={"Retry-After": str(retry_after)})


def _location(loc: Sequence[int | str]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(errors: Sequence[Any]) -> list[FieldError]:
    """Field errors from pydantic's ``errors()`` list."""
    return [FieldError(_location(error.get("loc", ())), str(error.get("msg"))) for error in errors]


def data_errors(err: ValidationError) -> list[FieldError]:
    """Field errors of an event's ``data``, each named ``data.<field>``."""
    return validation_errors([{**error, "loc": ("data", *error["loc"])} for error in err.errors()])


def invalid_request(exc: RequestValidationError) -> Problem:
    """The 400 problem for a request whose fields failed validation, naming each."""
    return bad_request("the request has invalid fields", validation_errors(exc.errors()))


def install(app: FastAPI) -> None:
    """Answer every error with a problem document."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return exc.response()

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        slug = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
        headers = dict(exc.headers or {})
        return Problem(exc.status_code, slug, str(exc.detail), headers=headers).response()

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return invalid_request(exc).response()

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
