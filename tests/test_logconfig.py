"""Logs: one JSON object a line off a TTY, with stdlib loggers routed through structlog."""

import json
import logging

import pytest
import structlog

from logconfig import configure_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    yield None
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_structlog_event_is_one_json_line_with_key_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An operator's log pipeline gets the event name, level, time and fields as JSON."""
    configure_logging("INFO", "json")
    structlog.get_logger("grassroots.test").info("case_opened", case_id="p1/u-1/2026", 社区="城关")
    (entry,) = _json_lines(capsys.readouterr().err)
    assert entry["event"] == "case_opened"
    assert entry["case_id"] == "p1/u-1/2026"
    assert entry["社区"] == "城关"
    assert entry["level"] == "info"
    assert str(entry["timestamp"]).endswith("Z")


def test_library_loggers_go_through_the_same_chain(capsys: pytest.CaptureFixture[str]) -> None:
    """temporalio, sqlalchemy and uvicorn messages come out in the same JSON shape."""
    configure_logging("INFO", "json")
    logging.getLogger("temporalio.worker").warning("worker poll failed")
    logging.getLogger("uvicorn.error").info("Started server process")
    logging.getLogger("sqlalchemy.engine").info("SELECT 1")  # quiet below WARNING
    entries = _json_lines(capsys.readouterr().err)
    assert [(e["logger"], e["event"], e["level"]) for e in entries] == [
        ("temporalio.worker", "worker poll failed", "warning"),
        ("uvicorn.error", "Started server process", "info"),
    ]


def test_console_format_is_not_json(capsys: pytest.CaptureFixture[str]) -> None:
    """On a terminal, people get readable console lines instead of JSON."""
    configure_logging("INFO", "console")
    structlog.get_logger("t").info("worker_started", task_queue="grassroots")
    err = capsys.readouterr().err
    assert "worker_started" in err
    assert "task_queue" in err
    with pytest.raises(json.JSONDecodeError):
        json.loads(err.splitlines()[0])
