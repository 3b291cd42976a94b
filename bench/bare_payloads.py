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


class ShapeInput(BaseModel):
    """What a P1-shaped case leaves out, for measuring what each use of Temporal costs."""

    case_id: str
    event: str = ""
    """The opening event, as a P1 case's start input carries it."""
    upserts: bool = True
    reminder: bool = True
    lookups: bool = True


class Blob(BaseModel):
    """A payload of a given size: an event, a projection step, a result. A projection step that
    shows the case waiting for its opinion names the case in ``opened``."""

    text: str
    opened: str = ""


@activity.defn
async def shape_step(blob: Blob) -> Blob:
    """A no-op local activity that answers with a payload of a registry lookup's size. For the
    projection that shows the case waiting, it tells the load side on stdout, as a P1 case's
    row in the case store tells it (bench/p1_cases.py polls the store)."""
    if blob.opened:
        print(blob.opened, flush=True)
    return Blob(text=blob.text[:400])
