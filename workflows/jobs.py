"""Work a workflow's handlers hand over (activities), run one at a time in the order it came."""

from collections.abc import Awaitable, Callable

from temporalio import workflow

Job = Callable[[], Awaitable[None]]


class SerialJobs:
    """A queue that a handler appends to and one long-running task works off."""

    def __init__(self) -> None:
        self._jobs: list[Job] = []
        self._busy = False

    def append(self, job: Job) -> None:
        self._jobs.append(job)

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing running."""
        return not self._jobs and not self._busy

    async def run(self) -> None:
        """Work the queue for ever (the workflow cancels the task when it ends)."""
        while True:
            await workflow.wait_condition(lambda: bool(self._jobs))
            self._busy = True
            job = self._jobs.pop(0)
            await job()
            self._busy = False
