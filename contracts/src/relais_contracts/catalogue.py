"""The catalogue: every event type, its payload model, its topic and its typed envelope."""

from functools import cache
from typing import Literal

from pydantic import create_model

from relais_contracts.envelope import Envelope, Payload
from relais_contracts.events import dispositifs, employment, intake

SERVICES = ("intake", "dispositifs", "employment")
PAYLOADS_BY_SERVICE: dict[str, list[type[Payload]]] = {
    "intake": intake.PAYLOADS,
    "dispositifs": dispositifs.PAYLOADS,
    "employment": employment.PAYLOADS,
}
PAYLOAD_TYPES: dict[str, type[Payload]] = {
    p.event_type: p for payloads in PAYLOADS_BY_SERVICE.values() for p in payloads
}


def topic(service: str) -> str:
    """The Kafka topic a service publishes to (events.md: `relais.<service>`)."""
    return f"relais.{service}"


def dlq_topic(topic_name: str) -> str:
    return f"{topic_name}.dlq"


def topic_of(event_type: str) -> str:
    return topic(event_type.split(".", 1)[0])


ALL_TOPICS = tuple(topic(s) for s in SERVICES)


@cache
def envelope_model(event_type: str) -> type[Envelope]:
    """The envelope of one event type, its `event_type`, version and payload pinned down.

    It validates a whole message at once and is what `contracts/schemas/<event_type>.json`
    is generated from.
    """
    payload_type = PAYLOAD_TYPES[event_type]
    return create_model(
        event_type.replace(".", "_"),
        __base__=Envelope,
        __doc__=(payload_type.__doc__ or event_type).strip(),
        event_type=(Literal[event_type], ...),  # type: ignore[arg-type]
        schema_version=(Literal[payload_type.schema_version], ...),  # type: ignore[arg-type]
        payload=(payload_type, ...),
    )
