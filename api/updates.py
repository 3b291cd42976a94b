"""Asking a running case to do something through a Temporal update, within a time limit. The
events path and people's case actions both go through :func:`run_update` and word its outcome for
their own readers."""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)


class UpdateRefused(Exception):
    """The case refused the update (its validator or handler); ``reason`` is in its own words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def run_update(
    temporal: Client,
    case_id: str,
    update: str,
    arg: Any,
    *,
    update_id: str | None,
    within: timedelta,
    result_type: type | None = None,
) -> Any:
    """The update's result. UpdateRefused when the case refuses it; TimeoutError when it gives no
    answer within ``within``; an RPCError as the client raises it (the case gone, Temporal down).
    Updates of one id are applied once: a repeat gets the first answer."""
    handle = temporal.get_workflow_handle(case_id)
    try:
        async with asyncio.timeout(within.total_seconds()):
            return await handle.execute_update(
                update, arg, id=update_id, result_type=result_type, rpc_timeout=within
            )
    except WorkflowUpdateFailedError as err:
        raise UpdateRefused(str(getattr(err.cause, "message", "") or err.cause)) from err
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        raise TimeoutError(f"case {case_id} did not answer the update in time") from err
