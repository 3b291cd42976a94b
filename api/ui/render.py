"""What every page shares: the template environment, ``render``, flash messages, page login
(a redirect to ``/login`` instead of a JSON 401) and the CSRF check on form posts."""

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from api.problems import Problem
from api.security import Principal, authenticate
from api.ui import labels

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
VENDOR_FILES = {"htmx": ("htmx.org", "htmx.min.js"), "echarts": ("echarts", "echarts.min.js")}


def vendor_path(package: str, file: str) -> str:
    """The static path of a vendored file: ``vendor/<package>-<version>/<file>``."""
    # scripts/vendor-assets.sh keeps exactly one version of each package.
    found = sorted(STATIC_DIR.glob(f"vendor/{package}-[0-9]*/{file}"))
    if not found:
        return f"vendor/{package}-missing/{file}"
    return found[-1].relative_to(STATIC_DIR).as_posix()


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["labels"] = labels
templates.env.globals["vendor"] = {name: vendor_path(*spec) for name, spec in VENDOR_FILES.items()}
templates.env.filters.update(labels.FILTERS)

FLASH_COOKIE = "grassroots_flash"


class LoginRequired(Exception):
    """Raised by a page dependency; answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageForbidden(Exception):
    """A logged-in person opened a page their role may not see."""


class PageNotFound(Exception):
    """Nothing there, or not within the person's reach (never told apart)."""


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render ``name`` with the person (if any), the Temporal UI link and a pending flash."""
    context.setdefault("person", getattr(request.state, "person", None))
    settings = getattr(request.app.state, "settings", None)
    context.setdefault("temporal_ui_url", settings.temporal_ui_url if settings else None)
    flash = request.cookies.get(FLASH_COOKIE)
    context.setdefault("flash", unquote(flash) if flash else None)
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def flash(response: Response, message: str) -> Response:
    """Show ``message`` on the next page rendered (after a redirect)."""
    response.set_cookie(FLASH_COOKIE, quote(message), max_age=60, samesite="strict", path="/")
    return response


def _next_url(request: Request) -> str:
    url = request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


def safe_next(value: str | None) -> str:
    """A local path to go to after login; anything else (another site) goes home."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    parts = urlsplit(value)
    return "/" if parts.scheme or parts.netloc else value


def check_same_origin(request: Request) -> None:
    """Refuse a UI form post whose Origin (or, lacking it, Referer) is another site."""
    # On top of the SameSite=Strict session cookie. Browsers send Origin with every form post,
    # so a post with neither header did not come from one of our pages.
    host = request.headers.get("host", "")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or urlsplit(source).netloc != host:
        raise PageForbidden()


async def page_person(request: Request) -> Principal:
    """The logged-in person, or a redirect to the login page that comes back here."""
    try:
        principal = await authenticate(request)
    except Problem as problem:
        if problem.status == 401:
            raise LoginRequired(_next_url(request)) from problem
        if problem.status == 403:
            raise PageForbidden() from problem
        raise
    if principal.kind != "user":
        raise LoginRequired(_next_url(request))
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        check_same_origin(request)
    request.state.person = principal
    return principal


async def page_admin(principal: Annotated[Principal, Depends(page_person)]) -> Principal:
    """An administrator; anyone else sees the 403 page."""
    if not principal.is_admin:
        raise PageForbidden()
    return principal


async def page_writer(principal: Annotated[Principal, Depends(page_person)]) -> Principal:
    """A person whose role may change things (everyone but viewers)."""
    if principal.role is not None and principal.role.value == "viewer":
        raise PageForbidden()
    return principal


async def optional_person(request: Request) -> Principal | None:
    """The logged-in person if there is one (public pages show the nav to them)."""
    try:
        principal = await authenticate(request)
    except Problem:
        return None
    if principal.kind != "user":
        return None
    request.state.person = principal
    return principal


PagePerson = Annotated[Principal, Depends(page_person)]
PageWriter = Annotated[Principal, Depends(page_writer)]
PageAdmin = Annotated[Principal, Depends(page_admin)]
MaybePerson = Annotated[Principal | None, Depends(optional_person)]


def login_redirect(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")
