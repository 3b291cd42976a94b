"""The custom search attributes every case carries, so the Temporal Web UI and
``temporal workflow list --query`` can filter cases. No personal data goes in them."""

from temporalio.common import SearchAttributeKey

PROCESS = SearchAttributeKey.for_keyword("GrProcess")
STATUS = SearchAttributeKey.for_keyword("GrStatus")
COMMUNITY = SearchAttributeKey.for_keyword("GrCommunity")
DUE_AT = SearchAttributeKey.for_datetime("GrDueAt")
RULE_VERSION = SearchAttributeKey.for_keyword("GrRuleVersion")
# The grid (网格) a floating member is placed in: registry key, not a name.
GRID = SearchAttributeKey.for_keyword("GrGrid")

ALL_SEARCH_ATTRIBUTES: tuple[SearchAttributeKey, ...] = (  # type: ignore[type-arg]
    PROCESS,
    STATUS,
    COMMUNITY,
    DUE_AT,
    RULE_VERSION,
    GRID,
)
