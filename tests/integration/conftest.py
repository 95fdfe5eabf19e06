"""Integration tests run on the real local stack: Apache Kafka and PostgreSQL started by
`relais stack up` (idempotent). If either cannot start, every test here fails; none is skipped."""

import asyncio
import uuid
from dataclasses import dataclass

import psycopg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from relais_cli.errors import CommandFailed
from relais_runtime.settings import Settings, get_settings


@pytest.fixture(scope="session")
def stack() -> Settings:
    from relais_cli.stack import kafka
    from relais_cli.stack.postgres import Cluster

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        Cluster(settings, settings.data_dir).start()
        kafka.start(settings, settings.data_dir)
    except CommandFailed as exc:
        pytest.fail(f"the local stack could not start: {exc.reason}\n{exc.details}", pytrace=False)
    return settings


@dataclass(frozen=True)
class PgStore:
    settings: Settings
    service: str  # the database is settings.database(service)


@pytest.fixture
def pg_store(stack: Settings) -> PgStore:
    """A fresh PostgreSQL database for one test's event store (service name `t<random>`)."""
    service = "t" + uuid.uuid4().hex[:12]
    dsn = stack.pg_dsn("intake").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{stack.database(service)}"')
    return PgStore(stack.model_copy(update={"persistence": "postgres"}), service)


@pytest.fixture
def new_topic(stack: Settings) -> str:
    """A topic of its own for one test, with the stack's partition count."""
    name = f"relais.test.{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
        await admin.start()
        try:
            await admin.create_topics(
                [NewTopic(name=name, num_partitions=stack.kafka_partitions, replication_factor=1)]
            )
        finally:
            await admin.close()

    asyncio.run(create())
    return name
