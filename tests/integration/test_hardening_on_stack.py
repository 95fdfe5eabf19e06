"""Issue 12's reproductions on the real stack: one event that cannot be folded or published
never stops the flow, an erased key is in no data file, concurrent retries never fail."""

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import psycopg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker
from relais_contracts import dlq_topic, encode
from relais_runtime.consumer import TransactionalConsumer, subscribe
from relais_runtime.kafka import idempotent_producer
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.relay import OutboxRelay
from relais_runtime.sql import engine_for
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, Table, insert, select
from support.dossier import DossierApp
from support.samples import envelope_of, sample_payloads
from support.topics import read_all

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


async def _create_topics(bootstrap: str, *topics: NewTopic) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(list(topics))
    finally:
        await admin.close()


async def test_an_event_postgres_refuses_goes_to_the_dlq_and_the_fold_goes_on(pg_store, new_topic):
    """Fold poison: a read model that cannot hold one event's value (here a CHECK, as a bigint
    overflow or a date out of range would) sets that event aside; its neighbours fold."""
    settings = pg_store.settings
    await _create_topics(settings.kafka_bootstrap, NewTopic(dlq_topic(new_topic), 1, 1))
    engine = engine_for(settings, pg_store.service)
    folded = Table(
        "folded",
        MetaData(),
        Column("position", Integer, primary_key=True),
        CheckConstraint("position <> 2", name="no_two"),
    )
    folded.create(engine)

    def apply(conn, batch):
        conn.execute(insert(folded), [{"position": e.stream_position} for e in batch])

    events = [envelope_of(sample_payloads()["intake.DossierEventRecorded"], position=n) for n in (1, 2, 3, 4)]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    for event in events:
        await producer.send_and_wait(new_topic, encode(event), key=b"one-partition")
    await producer.stop()

    consumer = TransactionalConsumer(engine, f"test-{uuid.uuid4().hex[:6]}", apply)
    broker = KafkaBroker(settings.kafka_bootstrap)
    subscribe(broker, consumer, [new_topic])
    async with broker:
        await broker.start()
        for _ in range(200):
            if sum(consumer.stored_offsets().values()) >= 4:
                break
            await asyncio.sleep(0.1)

    assert sum(consumer.stored_offsets().values()) == 4
    with engine.connect() as conn:
        assert sorted(conn.execute(select(folded.c.position)).scalars()) == [1, 3, 4]
    dead = await read_all(settings.kafka_bootstrap, dlq_topic(new_topic), until=lambda ms: len(ms) >= 1)
    assert [m.value for m in dead] == [encode(events[1])]
    assert "CheckViolation" in dict(dead[0].headers)["error"].decode()


async def test_a_message_the_broker_refuses_is_set_aside_and_the_relay_goes_on(pg_store, stack):
    """The broker's own limit (a topic whose max.message.bytes is below one welcome record) refuses a
    message: it becomes an outbox dead letter, the relay publishes the next events."""
    topic = f"relais.test.{uuid.uuid4().hex[:12]}"
    await _create_topics(
        stack.kafka_bootstrap,
        NewTopic(topic, 1, 1, topic_configs={"max.message.bytes": "850"}),
        NewTopic(dlq_topic(topic), 1, 1),
    )
    app = DossierApp(pg_store.settings, service=pg_store.service)
    app.welcome_with_interviews(2)  # a welcome record (~1 000 bytes) over the limit, two interviews (~760) under it
    producer = idempotent_producer(pg_store.settings, "test-relay")
    await producer.start()
    try:
        relay = OutboxRelay(app, producer, topic)
        assert await relay.publish_once() == 3
    finally:
        await producer.stop()
    assert relay.position() == 3
    published = await read_all(stack.kafka_bootstrap, topic, until=lambda ms: len(ms) >= 2)
    dead = await read_all(stack.kafka_bootstrap, dlq_topic(topic), until=lambda ms: len(ms) >= 1)
    assert len(published) == 2 and len(dead) == 1
    assert (
        b"RecordTooLarge" in dict(dead[0].headers)["error"] or b"MessageSizeTooLarge" in dict(dead[0].headers)["error"]
    )


def _files_holding(directory: Path, needle: bytes) -> list[Path]:
    return [f for f in directory.rglob("*") if f.is_file() and needle in f.read_bytes()]


def _checkpoint(settings) -> None:
    with psycopg.connect(settings.pg_dsn("intake"), autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # what is in shared buffers reaches the data files


def test_an_erased_key_is_in_no_data_file_of_the_vault(stack):
    """Crypto-shredding holds on disk: after an erasure, the key's bytes are found in no file of
    the vault database (they were before, which shows that the search can find them)."""
    from relais_intake.application import IntakeApplication
    from relais_intake.commands import CloseRequest, EraseRequest, WelcomeRequest
    from relais_intake.personal import personal_data_keys
    from support.samples import PROFILE

    intake = IntakeApplication(stack)
    ctx = CommandContext(ml_id="ML-VAULT", actor_id="director-1", correlation_id=uuid.uuid4())
    profile = PROFILE.model_dump()
    profile.pop("birth_month")
    welcome = WelcomeRequest.model_validate(
        {
            "first_name": "Éloïse",
            "last_name": "Vault",
            "birth_date": date(2004, 5, 1),
            "site": "S1",
            "referral_source": "self",
            "requests": ["employment"],
            "profile": profile,
        }
    )
    answer = intake.welcome(ctx, welcome)
    jeune = answer.id
    with intake.tables.connect() as conn:
        key = conn.execute(select(personal_data_keys.c.key).where(personal_data_keys.c.jeune_id == jeune)).scalar_one()
        oid = conn.exec_driver_sql("SELECT oid FROM pg_database WHERE datname = current_database()").scalar_one()
    vault_files = stack.data_dir / "postgres" / "data" / "base" / str(oid)
    _checkpoint(stack)
    assert _files_holding(vault_files, key), "the key should be on disk before the erasure"

    intake.close_dossier(ctx, jeune, CloseRequest(reason="moved"))
    intake.erase_personal_data(ctx, jeune, EraseRequest(reason="youth_request"))
    _checkpoint(stack)
    assert _files_holding(vault_files, key) == []
    assert intake.personal_data(intake.dossier("ML-VAULT", jeune)) is None
    intake.close()


def test_concurrent_retries_of_one_first_welcome_all_get_its_answer(stack):
    """24 clients retrying one welcome with one Idempotency-Key at once: one dossier, no 5xx."""
    from fastapi.testclient import TestClient
    from relais_intake.bootstrap import create_app
    from support.http import bearer, in_process
    from unit.intake.test_api import WELCOME

    app = create_app(stack.model_copy(update={"kafka_bootstrap": "127.0.0.1:9"}))
    client: TestClient = in_process(app)
    headers = {**bearer(ml_ids=("ML-RACE",)), "Idempotency-Key": f"race-{uuid.uuid4()}"}

    def post(_):
        return client.post("/v1/ML-RACE/youths", json=WELCOME, headers=headers)

    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(post, range(24)))
    assert sorted({a.status_code for a in answers}) in ([201], [201, 409]), [
        a.text for a in answers if a.status_code >= 500
    ]
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    app.state.application.close()
