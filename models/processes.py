"""The processes' names as people read them (UI, Temporal Web UI summaries, rule pages)."""

# The five rule-driven processes, in the order of their mechanisms.
RULE_PROCESS_LABELS: dict[str, str] = {
    "dual_assessment": "双向考核",
    "annual_inspection": "年检登记",
    "floating_member": "流动党员联动帮带",
    "community_worker": "社区工作者成长激励",
    "commitment": "党员亮相承诺",
}

PROCESS_LABELS: dict[str, str] = {**RULE_PROCESS_LABELS, "supervised_task": "督办事项"}


def case_summary(process: str, case_id: str) -> str:
    """A case's one-line Chinese summary: its process and what it is about, from its id (ids carry
    registry keys, never names or phone numbers)."""
    subject = case_id.removeprefix(f"{process}/")
    return f"{PROCESS_LABELS.get(process, process)}：{subject}"
