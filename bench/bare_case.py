"""The bare Temporal case the benchmarks measure against: start, wait for one signal, run two
no-op activities one after the other, complete.

The module holds the workflow alone and imports its payloads passed through the sandbox, the
layout the product's workflow modules have (workflows/*.py, with models/ passed through), so a
bare case pays for its sandbox what a product case pays and no more."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from bare_payloads import BenchCaseInput, BenchCaseResult, ProceedInput, StepInput, bench_step


@workflow.defn
class BenchCase:
    """Wait for one signal, then run two activities one after the other."""

    def __init__(self) -> None:
        self._proceed: ProceedInput | None = None

    @workflow.run
    async def run(self, case: BenchCaseInput) -> BenchCaseResult:
        await workflow.wait_condition(lambda: self._proceed is not None)
        for step in (1, 2):
            await workflow.execute_activity(
                bench_step,
                StepInput(case_id=case.case_id, step=step),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return BenchCaseResult(steps=2)

    @workflow.signal
    def proceed(self, event: ProceedInput) -> None:
        self._proceed = event
