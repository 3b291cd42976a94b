"""Registry endpoints: communities, and organisations read and edited from the UI."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import ValidationError

from api.problems import bad_request, not_found, validation_errors
from api.schemas import (
    CommunityView,
    OrganisationDetail,
    OrganisationList,
    OrganisationView,
)
from api.security import Person, Principal, Writer, forbidden
from api.services import services
from db.cases import audit
from db.errors import UnknownReference
from db.queries import (
    get_organisation,
    list_communities,
    list_organisations,
    membership_history,
    update_organisation,
    upsert_organisation,
)
from db.records import OrganisationRecord, OrganisationUpdate
from db.vocab import OrgType, UserRole

router = APIRouter(prefix="/api/registry", tags=["registry"])


@router.get("/communities", response_model=list[CommunityView])
async def communities(request: Request, person: Person) -> list[CommunityView]:
    """Every community, by name (names and streets are not confidential)."""
    async with services(request).sessions() as session:
        rows = await list_communities(session)
    return [CommunityView.model_validate(row) for row in rows]


@router.get("/organisations", response_model=OrganisationList)
async def organisations(
    request: Request,
    person: Person,
    community: str | None = None,
    type: OrgType | None = None,
    q: Annotated[str | None, Query(max_length=100, description="in name or id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OrganisationList:
    """Organisations within your reach, by name."""
    async with services(request).sessions() as session:
        rows = await list_organisations(session, community_id=community, org_type=type)
    needle = (q or "").casefold()
    rows = [
        row
        for row in rows
        if person.reaches(row.community_id)
        and (not needle or needle in row.name.casefold() or needle in row.id.casefold())
    ]
    items = [OrganisationView.model_validate(row) for row in rows[offset : offset + limit]]
    return OrganisationList(total=len(rows), limit=limit, offset=offset, items=items)


@router.get("/organisations/{org_id}", response_model=OrganisationDetail)
async def organisation(request: Request, person: Person, org_id: str) -> OrganisationDetail:
    """One organisation with its 大党委 membership history."""
    async with services(request).sessions() as session:
        org = await get_organisation(session, org_id)
        if org is None or not person.reaches(org.community_id):
            raise not_found(f"no organisation {org_id} within your reach")
        spells = await membership_history(session, org_id)
    return OrganisationDetail.of(org, spells)


def _may_edit(person: Principal, community_id: str) -> None:
    if person.is_admin:
        return
    if person.role is UserRole.COMMUNITY_STAFF and person.community_id == community_id:
        return
    raise forbidden("only an administrator or the community's own staff may edit its registry")


@router.put("/organisations/{org_id}", response_model=OrganisationDetail)
async def put_organisation(
    request: Request,
    person: Writer,
    org_id: str,
    fields: Annotated[dict[str, Any], Body(examples=[{"has_liaison": True}])],
) -> OrganisationDetail:
    """Register an organisation, or change the fields given (as ``org.updated`` would)."""
    data = {**fields, "org_id": org_id}
    async with services(request).sessions() as session:
        org = await get_organisation(session, org_id)
        try:
            if org is not None:
                if not person.reaches(org.community_id):
                    raise not_found(f"no organisation {org_id} within your reach")
                _may_edit(person, org.community_id)
                update = OrganisationUpdate.model_validate(data)
                if update.community_id is not None:
                    _may_edit(person, update.community_id)
                org = await update_organisation(session, update)
                kind, changed = "organisation_updated", sorted(update.model_fields_set - {"org_id"})
            else:
                record = OrganisationRecord.model_validate(data)
                _may_edit(person, record.community_id)
                org = await upsert_organisation(session, record)
                kind, changed = "organisation_registered", sorted(record.model_fields_set)
        except ValidationError as err:
            raise bad_request(
                "invalid organisation fields", validation_errors(err.errors())
            ) from err
        except UnknownReference as err:
            raise bad_request(str(err)) from err
        audit(session, kind, person.actor, f"{org_id}: {', '.join(changed)}", detail=fields)
        await session.commit()
        spells = await membership_history(session, org_id)
    return OrganisationDetail.of(org, spells)
