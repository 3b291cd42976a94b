"""How a P1 双向考核 case ends: the opinion delivered, a flagged close without it, or an authorised
override of a hold, and (from case-engine revision ANSWERS_ENGINE on) a subject out of scope;
each sends ``grassroots.assessment.opinion_ready`` to the assessing system."""

from datetime import datetime
from typing import Any

from temporalio import workflow

from workflows.case import ANSWERS_ENGINE, CaseCore
from workflows.case_tasks import CaseDeadlineTask

with workflow.unsafe.imports_passed_through():
    from models.case_actions import OverrideInput
    from models.dual_assessment import AssessmentOpened, AssessmentStatus

S = AssessmentStatus
OPINION_READY = "grassroots.assessment.opinion_ready"


class AssessmentEndings:
    """The endings of a dual assessment; the workflow's steps lead to one of them."""

    _case: CaseCore
    _opened: AssessmentOpened | None
    _evidence: dict[str, Any]
    _closing: bool

    async def _deliver(self, task: CaseDeadlineTask, closes_at: datetime) -> None:
        c, state = self._case, task.state
        answer = state.answer or {}
        opinion = {**answer, "actor": state.answered_by, "submitted_at": state.answered_at}
        c.summary.update(grade=answer.get("grade"), late=state.late, flagged=False)
        c.emit("opinion_ready", OPINION_READY, self._outcome(opinion, late=state.late))
        c.set_status(S.OPINION_READY)
        await c.wait_until(lambda: self._closing, closes_at)
        c.note("case_closed", "考核已结束，案件结案" if self._closing else "考核截止，案件结案")
        c.set_status(S.CLOSED)

    def _close_without_opinion(self, reason: str) -> None:
        c = self._case
        c.summary.update(flagged=True, reason=reason)
        c.emit("opinion_ready", OPINION_READY, self._outcome(None, flagged=True, reason=reason))
        c.note("case_closed", f"未出具意见结案（已标记）：{reason}")
        c.set_status(S.CLOSED_WITHOUT_OPINION)

    def _release(self, task: CaseDeadlineTask, override: OverrideInput, *, missing: str) -> None:
        """Close a held case on an authorised override; ``missing`` is what it was held for."""
        c = self._case
        task.cancel(override.actor, f"授权放行：{override.reason}")
        reason = f"经授权放行（{override.role}）：{override.reason}"
        c.summary.update(flagged=True, reason=reason, overridden_by=override.actor)
        outcome = self._outcome(None, flagged=True, reason=reason)
        outcome["override"] = override.model_dump()
        c.emit("opinion_ready", OPINION_READY, outcome)
        c.note("case_closed", f"{missing}，{reason}，案件结案", actor=override.actor)
        c.set_status(S.OVERRIDDEN)

    def _out_of_scope(self, reason: str) -> None:
        """No community opinion is sought; the assessing system is told so, with the reason."""
        c = self._case
        c.summary.update(flagged=False, reason=reason)
        c.emit("opinion_ready", OPINION_READY, self._outcome(None, consulted=False, reason=reason))
        c.note("case_closed", f"不征求社区意见，案件结束：{reason}")
        c.set_status(S.OUT_OF_SCOPE)

    def _outcome(
        self,
        opinion: dict[str, Any] | None,
        *,
        late: bool = False,
        flagged: bool = False,
        reason: str | None = None,
        consulted: bool = True,
    ) -> dict[str, Any]:
        """The ``opinion_ready`` data; from ANSWERS_ENGINE on, ``consulted`` says whether a
        community's opinion was sought at all (False: out of scope, nothing will follow)."""
        opened = self._opened
        assert opened is not None  # an outcome follows a valid opening event
        outcome = {
            "subject_type": opened.subject_type,
            "subject_id": opened.subject_id,
            "occasion": opened.occasion,
            "period": opened.period,
            "consulted_org": self._case.community_id,
            "opinion": opinion,
            "late": late,
            "flagged": flagged,
            "reason": reason,
            "evidence": self._evidence,
        }
        if self._case.engine >= ANSWERS_ENGINE:
            outcome["consulted"] = consulted
        return outcome
