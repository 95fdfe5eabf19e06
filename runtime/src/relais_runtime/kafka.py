"""Kafka clients configured as Relais needs them."""

from aiokafka import AIOKafkaProducer

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
