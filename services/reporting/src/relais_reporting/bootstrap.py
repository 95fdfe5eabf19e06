"""Where the reporting service is wired: settings → read models, the projection consumer of the
three topics, and the HTTP API."""

import asyncio

from fastapi import FastAPI
from relais_contracts import ALL_TOPICS
from relais_runtime.app import ServiceParts
from relais_runtime.app import create_app as create_service_app
from relais_runtime.consumer import TransactionalConsumer, subscribe
from relais_runtime.health import kafka_ready, postgres_ready
from relais_runtime.kafka import consumer_broker
from relais_runtime.service import run_broker
from relais_runtime.settings import Settings, get_settings
from relais_runtime.sql import engine_for
from sqlalchemy import Engine

from relais_reporting import projection
from relais_reporting.api import build_router
from relais_reporting.cache import IndicatorCache, LiveFold, give_tokens_to_known
from relais_reporting.dashboard import dashboard_router
from relais_reporting.directory import load_directory
from relais_reporting.live import ReadModelVersion
from relais_reporting.readmodel import metadata

PROJECTION_GROUP = "reporting.projection"


def projection_consumer(
    engine: Engine, group_id: str = PROJECTION_GROUP, fold: LiveFold | None = None
) -> TransactionalConsumer:
    """The projection of the three topics; with `fold`, what each commit stored goes to its cache."""
    metadata.create_all(engine)
    for table in metadata.sorted_tables:  # indexes added since a table was created
        for index in table.indexes:
            index.create(engine, checkfirst=True)
    projection.upgrade_derived_columns(engine)
    give_tokens_to_known(engine)
    consumer = TransactionalConsumer(
        engine, group_id, fold.apply if fold else projection.apply, on_skipped=projection.record_skipped
    )
    if fold is not None:
        consumer.after_commit.append(fold.committed)  # before the streams are woken
    return consumer


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine_for(settings, "reporting")
    cache = IndicatorCache()
    consumer = projection_consumer(engine, fold=LiveFold(cache))
    version = ReadModelVersion()
    consumer.after_commit.append(version.bump)
    broker = consumer_broker(settings, "relais-reporting")
    subscribe(broker, consumer, ALL_TOPICS, max_records=2000)

    async def consume(stop: asyncio.Event) -> None:
        version.bind(asyncio.get_running_loop())
        await asyncio.gather(run_broker(broker, stop), version.watch(consumer.position, stop))

    readiness = {"kafka": lambda: kafka_ready(settings)}
    if settings.persistence == "postgres":
        readiness["postgres"] = lambda: postgres_ready(settings, "reporting")
    app = create_service_app(
        ServiceParts(
            name="reporting",
            title="Relais — reporting",
            description="Indicateurs en temps réel, rapport d'activité, relecture pour l'audit.",
            routers=[
                build_router(engine, version, cache, load_directory(settings.directory_file)),
                dashboard_router(settings.dashboard_dir),
            ],
            readiness=readiness,
            background=[consume],
        )
    )
    app.state.engine = engine
    app.state.version = version
    app.state.cache = cache
    return app
