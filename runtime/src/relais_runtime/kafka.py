"""Kafka clients configured as Relais needs them."""

import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker

from relais_runtime.settings import Settings


def idempotent_producer(settings: Settings, client_id: str) -> AIOKafkaProducer:
    """A producer that neither loses (acks=all) nor duplicates on its own retries (idempotence)."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=30_000,
    )


def consumer_broker(settings: Settings, client_id: str) -> KafkaBroker:
    """A FastStream broker whose own log lines go through the service's JSON logging, and whose
    "Received"/"Processed" line for every message is at DEBUG: at thousands of events a second,
    INFO would be all the log says."""
    return KafkaBroker(settings.kafka_bootstrap, client_id=client_id,
                       logger=logging.getLogger("relais.broker"), log_level=logging.DEBUG)


async def partitions_of(settings: Settings, topics: list[str]) -> list[TopicPartition]:
    """Every partition of these topics, as the cluster describes them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]


async def end_offsets(settings: Settings, topics: list[str]) -> dict[tuple[str, int], int]:
    """The next offset to be written on every partition of these topics."""
    partitions = await partitions_of(settings, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    await consumer.start()
    try:
        return {(tp.topic, tp.partition): o for tp, o in (await consumer.end_offsets(partitions)).items()}
    finally:
        await consumer.stop()
