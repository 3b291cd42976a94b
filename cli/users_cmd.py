"""``grassroots users add|list`` and ``grassroots clients add|list|revoke``: accounts for people
and bearer tokens for systems (production creates them only this way)."""

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.errors import RegistryError
from db.migrate import upgrade
from db.security import add_client, add_user, list_clients, list_users, revoke_client
from db.session import create_engine, session_factory
from db.vocab import UserRole

_T = TypeVar("_T")


def _database_url() -> str:
    from logconfig import configure_logging
    from settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return settings.effective_database_url


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


async def _with_session(url: str, work: Callable[[AsyncSession], Awaitable[_T]]) -> _T:
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat it: "):
        print("The passwords differ; nothing was created.", file=sys.stderr)
        return None
    return first


def _users_add(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    if password is None:
        return 1

    async def work(session: AsyncSession) -> None:
        await add_user(
            session,
            args.username,
            password,
            UserRole(args.role),
            actor=_actor(),
            community_id=args.community,
            street_id=args.street,
            display_name=args.display_name,
        )

    try:
        asyncio.run(_with_session(_database_url(), work))
    except RegistryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"user {args.username} ({args.role}) created")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    users = asyncio.run(_with_session(_database_url(), list_users))
    for user in users:
        place = user.community_id or user.street_id or "-"
        locked = " locked" if user.locked_until and user.locked_until > utcnow() else ""
        print(f"{user.username}\t{user.role}\t{place}{locked}")
    return 0


def _clients_add(args: argparse.Namespace) -> int:
    expires_at = utcnow() + timedelta(days=args.expires_days) if args.expires_days else None

    async def work(session: AsyncSession) -> str:
        _, token = await add_client(
            session, args.name, args.types, actor=_actor(), expires_at=expires_at
        )
        return token

    try:
        token = asyncio.run(_with_session(_database_url(), work))
    except RegistryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"API client {args.name} created; allowed: {' '.join(args.types)}")
    print("Its bearer token (shown only now; store it in the sending system):")
    print(token)
    return 0


def _clients_list(args: argparse.Namespace) -> int:
    clients = asyncio.run(_with_session(_database_url(), list_clients))
    for client in clients:
        state = "revoked" if client.revoked_at else "active"
        expires = client.expires_at.isoformat() if client.expires_at else "never"
        grants = " ".join(client.allowed_event_types)
        print(f"{client.name}\t{state}\texpires {expires}\t{grants}")
    return 0


def _clients_revoke(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> bool:
        return await revoke_client(session, args.name, actor=_actor())

    if not asyncio.run(_with_session(_database_url(), work)):
        print(f"error: no active API client named {args.name}", file=sys.stderr)
        return 1
    print(f"API client {args.name} revoked")
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``users`` and ``clients`` to the ``grassroots`` command."""
    users = subparsers.add_parser("users", help="accounts of people who log in to the UI and API")
    user_commands = users.add_subparsers(dest="users_command", required=True, metavar="COMMAND")
    add = user_commands.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("username")
    add.add_argument(
        "--role",
        required=True,
        choices=[role.value for role in UserRole],
        help="admin and organisation_department (县委组织部) reach every community; "
        "only admin edits rules and handles dead letters",
    )
    add.add_argument("--community", help="community id (community staff, or a scoped viewer)")
    add.add_argument("--street", help="street id (street committee)")
    add.add_argument("--display-name")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(func=_users_add)
    user_commands.add_parser("list", help="list accounts").set_defaults(func=_users_list)

    clients = subparsers.add_parser("clients", help="API clients: systems that send events")
    client_commands = clients.add_subparsers(
        dest="clients_command", required=True, metavar="COMMAND"
    )
    add_client_cmd = client_commands.add_parser(
        "add", help="register a system and print its bearer token once"
    )
    add_client_cmd.add_argument("name")
    add_client_cmd.add_argument(
        "--types",
        nargs="+",
        required=True,
        metavar="TYPE",
        help="event types it may send, e.g. grassroots.assessment.* grassroots.org.registered",
    )
    add_client_cmd.add_argument("--expires-days", type=int, help="the token expires after N days")
    add_client_cmd.set_defaults(func=_clients_add)
    client_commands.add_parser("list", help="list API clients").set_defaults(func=_clients_list)
    revoke = client_commands.add_parser("revoke", help="revoke a client's token at once")
    revoke.add_argument("name")
    revoke.set_defaults(func=_clients_revoke)
