"""亮相承诺: the public board of members' commitments, for a screen in the community. No login;
it shows only what ``db.board`` makes public (no phone, no id number, no address, no scores)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.services import services
from api.ui.names import communities
from api.ui.render import MaybePerson, render
from db.base import local_today
from db.board import public_board

router = APIRouter(include_in_schema=False)


@router.get("/board")
async def board(
    request: Request,
    person: MaybePerson,
    community: str = "",
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    shown_year = year or local_today().year
    async with services(request).sessions() as session:
        choices = await communities(session, None)
        known = {key for key, _ in choices}
        chosen = community if community in known else None
        data = await public_board(session, chosen, shown_year)
    return render(
        request,
        "board.html",
        nav="board",
        board=data,
        communities=choices,
        community=chosen or "",
        year=shown_year,
    )
