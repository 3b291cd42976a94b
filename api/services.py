"""What the app's lifespan holds for its routes: settings, database, Temporal, rules, router."""

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.config import ApiConfig
from api.routing import EventRouter
from api.tokens import ClientTokenCache
from rules.engine import RuleRegistry
from settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    """The app's long-lived collaborators, created and closed by its lifespan."""

    settings: Settings
    config: ApiConfig
    temporal: Client
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    rules: RuleRegistry
    router: EventRouter
    clients: ClientTokenCache


def services(request: Request) -> Services:
    """The running app's services."""
    svc: Services = request.app.state.services
    return svc
