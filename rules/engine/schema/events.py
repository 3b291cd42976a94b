"""``rules/events.yaml``: how each incoming CloudEvent type reaches a case.

``start`` starts (or, repeated, finds) the case whose id is the case key; ``signal`` and
``update`` reach a running case; ``registry`` changes the organisation registry and may signal the
open cases of one organisation.
"""

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from rules.engine.schema.common import Name, RuleModel

Process = Literal[
    "dual_assessment", "annual_inspection", "floating_member", "community_worker", "commitment"
]
PROCESSES: tuple[str, ...] = (
    "dual_assessment",
    "annual_inspection",
    "floating_member",
    "community_worker",
    "commitment",
)
EventType = Annotated[
    str,
    Field(
        pattern=r"^grassroots\.[a-z_]+(\.[a-z_]+)+$",
        description="CloudEvents type, e.g. grassroots.assessment.opened",
    ),
]
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders(template: str) -> list[str]:
    """The ``{field}`` names of a case-key template."""
    return _PLACEHOLDER.findall(template)


class _Route(RuleModel):
    required: tuple[str, ...] = Field(
        default=(), description="data 中必填字段 fields the event's data must carry"
    )
    description: str | None = None


class _CaseRoute(_Route):
    process: Process
    case_key: str = Field(
        description="案件编号模板 case id template, e.g. dual_assessment/{subject_id}/{period}"
    )

    @model_validator(mode="after")
    def _key_fields(self) -> "_CaseRoute":
        if not self.case_key.startswith(f"{self.process}/"):
            raise ValueError(f"case_key must start with '{self.process}/'")
        for name in placeholders(self.case_key):
            if name not in self.required:
                raise ValueError(
                    f"case_key uses {{{name}}}, which is not among the required fields"
                )
        return self


class StartRoute(_CaseRoute):
    """Start the case (a repeat finds the running case and does nothing)."""

    action: Literal["start"]


class SignalRoute(_CaseRoute):
    """Send a signal: accepted even while every worker is down; de-duplicated by event id."""

    action: Literal["signal"]
    signal: Name
    start_if_missing: bool = Field(
        False, description="案件不存在（或已结束）时以同一编号启动 (signal-with-start)"
    )


class UpdateRoute(_CaseRoute):
    """Send an update: accepted or refused on the spot by the case's validator."""

    action: Literal["update"]
    update: Name


class OpenCasesSignal(RuleModel):
    """Signal every open case of a process whose id starts with ``key_prefix``."""

    process: Process
    key_prefix: str = Field(description="e.g. annual_inspection/{org_id}/")
    signal: Name


class RegistryRoute(_Route):
    """Change the organisation registry, then optionally tell the open cases concerned."""

    action: Literal["registry"]
    operation: Literal["upsert_org", "join_big_committee"]
    notify: OpenCasesSignal | None = None

    @model_validator(mode="after")
    def _prefix_fields(self) -> "RegistryRoute":
        if self.notify is not None:
            for name in placeholders(self.notify.key_prefix):
                if name not in self.required:
                    raise ValueError(
                        f"key_prefix uses {{{name}}}, which is not among the required fields"
                    )
        return self


Route = Annotated[
    StartRoute | SignalRoute | UpdateRoute | RegistryRoute, Field(discriminator="action")
]


class EventRules(RuleModel):
    """Event type → what happens."""

    events: dict[EventType, Route] = Field(description="事件路由 event type → route")
