"""Where the dispositifs service is wired: settings → application, consumer of relais.intake,
HTTP API and relay."""

import asyncio

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from relais_contracts import topic
from relais_runtime.consumer import TransactionalConsumer, subscribe
from relais_runtime.service import producing_service_app, run_broker
from relais_runtime.settings import Settings, get_settings
from relais_runtime.youth_facts import apply_intake_events
from relais_dispositifs.api import build_router
from relais_dispositifs.application import DispositifsApplication


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    dispositifs = DispositifsApplication(settings)
    broker = KafkaBroker(settings.kafka_bootstrap, client_id="relais-dispositifs")
    subscribe(broker, TransactionalConsumer(dispositifs.tables, "dispositifs.youth-facts", apply_intake_events),
              [topic("intake")])

    async def consume(stop: asyncio.Event) -> None:
        await run_broker(broker, stop)

    return producing_service_app(
        dispositifs,
        settings,
        title="Relais — dispositifs",
        description="Programmes (PACEA, CEJ...), allocations, aides financières et orientations sociales.",
        routers=[build_router(dispositifs)],
        background=[consume],
    )
