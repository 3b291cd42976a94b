"""The bare Temporal case's payloads and its no-op activity (``bench/bare_case.py``).

They live apart from the workflow, as the product's models and activities do, so that the
workflow sandbox passes them through instead of building them again for every workflow run."""

from pydantic import BaseModel
from temporalio import activity


class BenchCaseInput(BaseModel):
    """The case's business key, as a real case would carry one."""

    case_id: str


class BenchCaseResult(BaseModel):
    """How many steps the case ran."""

    steps: int


class ProceedInput(BaseModel):
    """The event the case waits for (stands in for an opinion or a sign-off)."""

    event_id: str


class StepInput(BaseModel):
    """Which step of which case."""

    case_id: str
    step: int


class StepResult(BaseModel):
    """The step that ran."""

    step: int


@activity.defn
async def bench_step(step: StepInput) -> StepResult:
    """A no-op activity: the cost measured is the server's, not the step's."""
    return StepResult(step=step.step)
