"""The in-app inbox: notifications of the cases within the person's reach."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.schemas import NotificationList, NotificationView
from api.security import Person
from api.services import services
from db.cases import inbox

router = APIRouter(prefix="/api", tags=["notifications"])


@router.get("/notifications", response_model=NotificationList)
async def notifications(
    request: Request,
    person: Person,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> NotificationList:
    """Reminders and escalations of cases within your reach, newest first."""
    async with services(request).sessions() as session:
        page = await inbox(session, person.communities, limit, offset)
    items = [NotificationView.of(message, case) for message, case in page.rows]
    return NotificationList(total=page.total, limit=limit, offset=offset, items=items)
