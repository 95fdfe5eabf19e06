"""Wiring shared by the write services (intake, dispositifs, employment).

Each has an event-sourced application in its own database and an outbox relay that follows it
to its topic. This module builds those parts once for all of them; a service's `bootstrap.py`
only adds its domain application and its routers.
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import TypeVar

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from relais_contracts import topic
from sqlalchemy import Engine

from relais_runtime import metrics
from relais_runtime.app import BackgroundTask, ServiceParts, create_app
from relais_runtime.consumer import TransactionalConsumer, subscribe
from relais_runtime.eventstore import RelaisApplication
from relais_runtime.health import kafka_ready, postgres_ready
from relais_runtime.kafka import consumer_broker, idempotent_producer
from relais_runtime.leader import leadership
from relais_runtime.relay import OutboxRelay
from relais_runtime.settings import Settings
from relais_runtime.youth_facts import apply_intake_events, consumer_group

log = logging.getLogger(__name__)

App = TypeVar("App", bound=RelaisApplication)


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


def outbox_relay(app: RelaisApplication, settings: Settings) -> OutboxRelay:
    """The relay of `app` (its producer is given by `run_relay`)."""
    return OutboxRelay(
        app, None, topic(app.service), batch_size=settings.relay_batch_size, idle_seconds=settings.relay_idle_seconds
    )


async def run_relay(relay: OutboxRelay, settings: Settings, stop: asyncio.Event) -> None:
    """Run `relay` until `stop`, while this replica holds its store's leader lock (`leader.py`;
    the others wait for it), with a new producer whenever Kafka was unreachable or the relay
    gave up on its producer after repeated errors."""
    service = relay.topic.removeprefix("relais.")
    lock = leadership(settings, relay.app.service, relay.topic)  # type: ignore[attr-defined]
    relay.still_leader = lock.still_held
    relay.app.commit_listeners.append(relay.wake)  # type: ignore[attr-defined]
    try:
        while not stop.is_set():
            if not await to_thread.run_sync(lock.try_acquire):
                relay.health.leader = False
                metrics.RELAY_LEADER.labels(relay.topic).set(0)
                await sleep_unless_stopped(stop, settings.leader_poll_seconds)
                continue
            relay.health.leader = True
            metrics.RELAY_LEADER.labels(relay.topic).set(1)
            producer = idempotent_producer(settings, client_id=f"relais-{service}-relay")
            try:
                await producer.start()
            except Exception as exc:  # noqa: BLE001 - Kafka down: the service still takes commands
                log.warning("Kafka unreachable for the %s relay (%s); retrying", relay.topic, exc)
                relay.health.consecutive_failures += 1
                relay.health.last_error = f"Kafka injoignable : {type(exc).__name__}: {exc}"[:300]
                await producer.stop()
                await sleep_unless_stopped(stop, 2)
                continue
            relay.producer = producer
            try:
                await relay.run(stop)
            finally:
                await producer.stop()
    finally:
        relay.app.commit_listeners.remove(relay.wake)  # type: ignore[attr-defined]
        lock.release()
        relay.health.leader = False


VIEWS_POLL_SECONDS = 1.0  # how soon the views learn of another replica's commits (readers catch up anyway)
VIEWS_PAUSE_SECONDS = 0.5  # at most two catch-ups a second: under load, each gathers many commits


async def keep_views_up_to_date(application: RelaisApplication, stop: asyncio.Event) -> None:
    """Bring the service's query tables (`application.views`) up to date after each commit of
    this replica, and every second for the others', off the commands' path: a command answers as
    soon as its events are committed, and a reader catches up first (`Follows.catch_up`), so it
    never reads stale rows. Here, the readers find the rows already written. A pause after each
    catch-up lets commits gather: one transaction per view for many commands under load."""
    if not application.views:
        return
    loop = asyncio.get_running_loop()
    committed = asyncio.Event()

    def wake() -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(committed.set)

    application.commit_listeners.append(wake)
    try:
        while not stop.is_set():
            committed.clear()
            for view in application.views:
                try:
                    await to_thread.run_sync(view.catch_up)
                except Exception:  # noqa: BLE001 - the database away: the next commit or poll retries
                    log.exception("a query table of %s could not catch up; retrying", application.service)
            await sleep_unless_stopped(stop, VIEWS_PAUSE_SECONDS)
            stopping = asyncio.ensure_future(stop.wait())
            waking = asyncio.ensure_future(committed.wait())
            try:
                await asyncio.wait({stopping, waking}, timeout=VIEWS_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                waking.cancel()
    finally:
        application.commit_listeners.remove(wake)


async def run_broker(broker: KafkaBroker, stop: asyncio.Event) -> None:
    """Run a FastStream broker's subscribers until `stop`, (re)connecting to Kafka as needed."""
    while not stop.is_set():
        try:
            await broker.start()
        except Exception as exc:  # noqa: BLE001 - Kafka down: keep serving, retry
            log.warning("Kafka unreachable for the consumers (%s); retrying", exc)
            await broker.stop()
            await sleep_unless_stopped(stop, 2)
            continue
        try:
            await stop.wait()
        finally:
            await broker.stop()
        return


def producing_service_app(
    application: App,
    settings: Settings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    knows_youths: Engine | None = None,
) -> FastAPI:
    """The FastAPI app of a write service: its routers, its relay and, with `knows_youths`
    (the engine holding its `youth_facts`), a consumer of `relais.intake` feeding them."""
    service = application.service
    background: list[BackgroundTask] = []
    if knows_youths is not None:
        broker = consumer_broker(settings, f"relais-{service}")
        subscribe(
            broker,
            TransactionalConsumer(knows_youths, consumer_group(service), apply_intake_events),
            [topic("intake")],
        )

        async def consume(stop: asyncio.Event) -> None:
            await run_broker(broker, stop)

        background.append(consume)
    relay = outbox_relay(application, settings)

    async def relay_ready() -> None:
        if problem := relay.health.problem():
            raise RuntimeError(problem)

    readiness = {"kafka": lambda: kafka_ready(settings), "relay": relay_ready}
    if settings.persistence == "postgres":
        readiness["postgres"] = lambda: postgres_ready(settings, service)

    async def run(stop: asyncio.Event) -> None:
        await run_relay(relay, settings, stop)

    async def views(stop: asyncio.Event) -> None:
        await keep_views_up_to_date(application, stop)

    async def close() -> None:
        application.close()

    app = create_app(
        ServiceParts(
            name=service,
            title=title,
            description=description,
            routers=routers,
            readiness=readiness,
            background=[run, views, *background],
            on_shutdown=[close],
        )
    )
    app.state.application = application
    app.state.relay = relay
    return app
