"""The ``grassroots`` command."""

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from cli.registry_cmd import register as register_registry
from cli.report_cmd import register as register_report
from cli.rules_cmd import register as register_rules
from cli.users_cmd import register as register_users
from logconfig import configure_logging
from settings import Settings


def _run(args: argparse.Namespace) -> int:
    from cli.stack import run_stack

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return asyncio.run(
        run_stack(settings, with_api=not args.no_api, load_sample=not args.no_sample)
    )


def _worker(args: argparse.Namespace) -> int:
    import worker

    worker.main()
    return 0


def _api(args: argparse.Namespace) -> int:
    from cli.stack import serve_api

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return asyncio.run(serve_api(settings))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grassroots",
        description="Durable case engine for urban grassroots Party-building mechanisms.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run the whole embedded stack: Temporal dev server, worker and API"
    )
    run.add_argument("--no-api", action="store_true", help="start no HTTP API")
    run.add_argument(
        "--no-sample",
        action="store_true",
        help="do not load the sample registry into an empty database (production)",
    )
    run.set_defaults(func=_run)

    commands.add_parser("worker", help="run a worker against TEMPORAL_ADDRESS").set_defaults(
        func=_worker
    )
    commands.add_parser("api", help="run the HTTP API and UI").set_defaults(func=_api)
    register_registry(commands)
    register_rules(commands)
    register_report(commands)
    register_users(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    if args.command in _SERVICES:
        _exit_now(code)
    return code


_SERVICES = {"run", "worker", "api"}


def _exit_now(code: int) -> None:
    """Exit a service process once it has shut down in order.

    Everything is stopped and flushed by now; skipping interpreter finalisation avoids a crash
    ("Fatal Python error: PyGILState_Release") when the Temporal SDK's native threads are torn
    down after Python, which would turn a clean shutdown into exit code -6.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
