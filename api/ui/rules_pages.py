"""The rules pages for administrators: the active version and its history, the diff between two
versions, and the browser editor of one rule file (check → dry run → reason → activate).

The pages read through the same functions as ``/api/rules``; the editor's script posts to it.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.routes import rules as api
from api.rules_impact import FILE_LABELS, file_diffs
from api.services import services
from api.ui.render import PageAdmin, PageNotFound, render, vendor_path
from rules.engine import RULE_FILES, RulesError

router = APIRouter(include_in_schema=False)

CODEMIRROR_FILES = (
    "codemirror.css",
    "lint.css",
    "show-hint.css",
    "codemirror.js",
    "yaml.js",
    "show-hint.js",
    "lint.js",
)


@router.get("/rules")
async def rules_home(request: Request, admin: PageAdmin) -> Response:
    """The active version (who, when, why), the files to edit, and every earlier version."""
    active = await api.active(request, admin)
    history = await api.versions(request, admin)
    return render(
        request,
        "rules/index.html",
        nav="rules",
        active=active,
        history=history,
        files=[(name, FILE_LABELS.get(name, name)) for name in RULE_FILES],
    )


@router.get("/rules/diff")
async def rules_diff(
    request: Request,
    admin: PageAdmin,
    from_version: Annotated[str, Query(alias="from")],
    to_version: Annotated[str, Query(alias="to")],
) -> Response:
    """What changed between two versions, file by file."""
    svc = services(request)
    try:
        old = await svc.rules.get(from_version)
        new = await svc.rules.get(to_version)
    except RulesError as exc:
        raise PageNotFound() from exc
    return render(
        request,
        "rules/diff.html",
        nav="rules",
        old=old.version,
        new=new.version,
        active=svc.rules.active.version,
        files=file_diffs(old, new),
    )


@router.get("/rules/edit/{file}")
async def rules_edit(request: Request, admin: PageAdmin, file: str) -> Response:
    """The editor of one file of the active version."""
    if file not in RULE_FILES:
        raise PageNotFound()
    active = services(request).rules.active
    return render(
        request,
        "rules/edit.html",
        nav="rules",
        file=file,
        label=FILE_LABELS.get(file, file),
        base=active.version,
        text=active.files[file].decode("utf-8"),
        codemirror=[vendor_path("codemirror", name) for name in CODEMIRROR_FILES],
    )
