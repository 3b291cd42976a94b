"""The HTTP API and UI process; its lifespan owns the Temporal client."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from temporalio.client import Client

from runtime.temporal import connect
from settings import Settings

log = structlog.get_logger(__name__)


def create_app(settings: Settings, client: Client | None = None) -> FastAPI:
    """Build the app; without ``client`` the lifespan connects to Temporal itself."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.temporal = client or await connect(
            settings.temporal_target, settings.temporal_namespace, wait_seconds=30.0
        )
        log.info("api_started", url=settings.api_url)
        yield
        log.info("api_stopped")

    app = FastAPI(title="Grassroots", version="0.1.0", lifespan=lifespan)

    @app.get("/healthz", tags=["ops"])
    async def healthz(request: Request) -> JSONResponse:
        """Liveness and Temporal reachability."""
        temporal: Client = request.app.state.temporal
        try:
            temporal_ok = await temporal.service_client.check_health()
        except RuntimeError:
            temporal_ok = False
        body = {"status": "ok" if temporal_ok else "degraded", "temporal": temporal_ok}
        return JSONResponse(body, status_code=200 if temporal_ok else 503)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home() -> str:
        ui = settings.temporal_ui_url
        ui_link = f'<li><a href="{escape(ui)}">Temporal 工作流控制台</a></li>' if ui else ""
        return (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>基层治理案件引擎</title></head><body>"
            "<h1>基层治理案件引擎 Grassroots</h1><ul>"
            f'{ui_link}<li><a href="/docs">接口文档（OpenAPI）</a></li>'
            '<li><a href="/healthz">运行状态</a></li></ul></body></html>'
        )

    return app
