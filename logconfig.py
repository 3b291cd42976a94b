"""structlog setup: JSON off a TTY, console on one; stdlib loggers (temporalio, sqlalchemy,
uvicorn) routed through the same processor chain."""

import logging
import logging.config
import sys
from typing import Any, Literal

import structlog


def _drop_color_message(
    _logger: object, _name: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """uvicorn adds an ANSI-coloured copy of each message; the plain one is enough."""
    event.pop("color_message", None)
    return event


_SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
    _drop_color_message,
]

# Third-party loggers that are chatty at INFO; they still pass through the same chain.
_QUIET = {
    "sqlalchemy.engine": "WARNING",
    "uvicorn.access": "WARNING",
    "httpx": "WARNING",
    "alembic": "WARNING",
}


def configure_logging(
    level: str = "INFO", fmt: Literal["auto", "json", "console"] = "auto"
) -> None:
    """Configure structlog and the stdlib root logger once, for the whole process."""
    use_console = sys.stderr.isatty() if fmt == "auto" else fmt == "console"
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer()
        if use_console
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    final: list[structlog.typing.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
    ]
    if not use_console:
        final.append(structlog.processors.format_exc_info)
    final.append(renderer)

    loggers: dict[str, Any] = {name: {"level": lvl} for name, lvl in _QUIET.items()}
    # uvicorn installs its own handlers unless told otherwise; make it propagate to ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        loggers.setdefault(name, {}).update({"handlers": [], "propagate": True})

    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "structlog": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "processors": final,
                    "foreign_pre_chain": _SHARED_PROCESSORS,
                }
            },
            "handlers": {
                "default": {
                    "class": "logging.StreamHandler",
                    "formatter": "structlog",
                    "stream": "ext://sys.stderr",
                }
            },
            "root": {"handlers": ["default"], "level": level.upper()},
            "loggers": loggers,
        }
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
