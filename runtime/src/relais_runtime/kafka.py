"""Kafka clients configured as Relais needs them."""

import logging

from aiokafka import AIOKafkaProducer
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
