"""Readiness probes: is the service's database reachable, is Kafka reachable."""

import asyncio

import psycopg
from aiokafka.client import AIOKafkaClient
from anyio import to_thread

from relais_runtime.settings import Settings


async def postgres_ready(settings: Settings, service: str) -> None:
    def probe() -> None:
        with psycopg.connect(settings.pg_dsn(service), connect_timeout=2) as conn:
            conn.execute("SELECT 1")

    await to_thread.run_sync(probe)


async def kafka_ready(settings: Settings) -> None:
    client = AIOKafkaClient(bootstrap_servers=settings.kafka_servers, request_timeout_ms=3000)
    try:
        await asyncio.wait_for(client.bootstrap(), timeout=5)
    finally:
        await client.close()
