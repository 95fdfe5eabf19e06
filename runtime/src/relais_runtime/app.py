"""The FastAPI application factory every service uses.

It adds what every service must have (api.md): `/healthz`, `/readyz`, `/metrics`, problem
documents for every error, auth dependencies, request metrics and logs, and runs the service's
background tasks (the outbox relay, consumers) for the lifetime of the process.
"""

import asyncio
import contextlib
import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from relais_runtime import metrics, problems

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[None]]
BackgroundTask = Callable[[asyncio.Event], Awaitable[None]]


@dataclass
class ServiceParts:
    """What a service hands to the factory."""

    name: str
    title: str
    description: str = ""
    routers: Sequence[APIRouter] = ()
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)
    background: Sequence[BackgroundTask] = ()
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = ()


def settle_heap() -> None:
    """Move what is built by now (modules, the app, the contracts' validators), which lives as
    long as the process, out of the garbage collector's sight: a fold of thousands of events
    triggers collections that would otherwise walk it again and again (bench/README.md, fold)."""
    gc.collect()
    gc.freeze()


# The largest request body a service reads: a first welcome is under 2 KiB.
MAX_BODY_BYTES = 64 * 1024


class BodyLimit:
    """ASGI middleware: a body over `MAX_BODY_BYTES` gets a 413 problem before any handler
    reads it, whether its Content-Length says so or a chunked body grows past it."""

    def __init__(self, app: Any, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._refuse(scope, receive, send)
        seen = 0
        refused = False

        async def counted_receive() -> dict:
            nonlocal seen, refused
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit and not refused:
                # Answer now; the app is told the client left, and what it sends is dropped.
                refused = True
                await self._refuse(scope, receive, send)
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted_receive, guarded_send)

    async def _refuse(self, scope: dict, receive: Callable, send: Callable) -> None:
        response = problems.problem_response(
            413, "body-too-large", f"Le corps de la requête dépasse {self.limit // 1024} Kio.", scope.get("path")
        )
        await response(scope, receive, send)


class Observe:
    """ASGI middleware: each request gets its correlation id (`request.state.correlation_id`,
    echoed in `X-Correlation-ID`), and is counted and timed (to its first byte) by route. Plain
    ASGI rather than `@app.middleware("http")`, whose per-request task and streaming wrapper
    cost a command more than its own validation (#17's profile)."""

    def __init__(self, app: Any, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        correlation_id = _correlation_id(dict(scope.get("headers") or ()).get(b"x-correlation-id"))
        scope.setdefault("state", {})["correlation_id"] = correlation_id

        async def observed_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                path = getattr(scope.get("route"), "path", "unmatched")
                method = scope["method"]
                metrics.HTTP_REQUESTS.labels(self.service, method, path, message["status"]).inc()
                metrics.HTTP_LATENCY.labels(self.service, method, path).observe(time.perf_counter() - started)
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-correlation-id"]
                message = {**message, "headers": [*headers, (b"x-correlation-id", str(correlation_id).encode())]}
            await send(message)

        await self.app(scope, receive, observed_send)


def create_app(parts: ServiceParts) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settle_heap()
        stop = asyncio.Event()
        tasks = [asyncio.create_task(task(stop)) for task in parts.background]
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                try:
                    await asyncio.wait_for(task, timeout=10)
                except (TimeoutError, asyncio.CancelledError):
                    task.cancel()
            for hook in parts.on_shutdown:
                await hook()

    app = FastAPI(title=parts.title, description=parts.description, version="1", lifespan=lifespan)
    problems.install(app)
    app.add_middleware(BodyLimit)

    app.add_middleware(Observe, service=parts.name)

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": parts.name}

    @app.get("/readyz", tags=["operations"], summary="Readiness: database and Kafka reachable")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in parts.readiness.items():
            try:
                await asyncio.wait_for(check(), timeout=5)
                results[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
                results[name] = f"indisponible : {type(exc).__name__}: {exc}"[:300]
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "service": parts.name, "checks": results},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in parts.routers:
        app.include_router(router)
    return app


def _correlation_id(given: bytes | None) -> uuid.UUID:
    """The caller's X-Correlation-ID when it is a UUID, else a new one for this action."""
    try:
        return uuid.UUID(given.decode("latin-1")) if given else uuid.uuid4()
    except ValueError:
        return uuid.uuid4()
