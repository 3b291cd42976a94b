"""Registry events (``org.registered``, ``org.updated``, ``org.joined_big_committee``) applied
through the registry's query functions."""

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.casekeys import render_case_key
from api.problems import FieldError, bad_request, data_errors
from db.cases import open_case_ids
from db.errors import ForeignCommunity, InvalidRecord, UnknownReference
from db.queries import (
    get_organisation,
    join_big_committee,
    update_organisation,
    upsert_organisation,
)
from db.records import MembershipRecord, OrganisationRecord, OrganisationUpdate
from rules.engine.schema.events import RegistryRoute


class Unroutable(Exception):
    """The event is well formed but names something that does not exist (yet)."""


@dataclass(frozen=True, slots=True)
class RegistryChange:
    """What a registry event changed, and the open cases to tell about it."""

    summary: dict[str, Any]
    notify: list[str] = field(default_factory=list)


async def apply_registry_change(
    session: AsyncSession, route: RegistryRoute, data: dict[str, Any]
) -> RegistryChange:
    """Apply the change in ``session`` (uncommitted); Unroutable or a 400 Problem if it cannot."""
    try:
        if route.operation == "upsert_org":
            summary = await _upsert_org(session, data)
        else:
            record = MembershipRecord.model_validate(data)
            spell = await join_big_committee(session, record)
            summary = {
                "org_id": record.org_id,
                "community_id": record.community_id,
                "joined_on": spell.joined_on.isoformat(),
            }
    except ValidationError as err:
        raise bad_request("the event's data does not fit the registry", data_errors(err)) from err
    except ForeignCommunity as err:
        message = f"must be {err.own!r}, the organisation's own community"
        raise bad_request(str(err), [FieldError(f"data.{err.field}", message)]) from err
    except InvalidRecord as err:
        raise bad_request(str(err)) from err
    except UnknownReference as err:
        raise Unroutable(f"{err}: register it first, then replay this event") from err
    notify: list[str] = []
    if route.notify is not None:
        prefix = render_case_key(route.notify.key_prefix, data)
        notify = await open_case_ids(session, route.notify.process, prefix)
    return RegistryChange(summary, notify)


async def _upsert_org(session: AsyncSession, data: dict[str, Any]) -> dict[str, Any]:
    org_id = data.get("org_id")
    existing = await get_organisation(session, str(org_id)) if org_id is not None else None
    if existing is not None:
        update = OrganisationUpdate.model_validate(data)
        await update_organisation(session, update)
        return {"org_id": update.org_id, "updated": sorted(update.model_fields_set - {"org_id"})}
    try:
        record = OrganisationRecord.model_validate(data)
    except ValidationError as err:
        if all(error["type"] == "missing" for error in err.errors()):
            raise UnknownReference("organisation", str(org_id)) from err
        raise
    await upsert_organisation(session, record)
    return {"org_id": record.org_id, "registered": True}
