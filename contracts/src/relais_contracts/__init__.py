"""Relais event contracts (shared/spec/events.md): envelope, catalogue, codec, upcasters."""

from relais_contracts.catalogue import (
    ALL_TOPICS,
    PAYLOAD_TYPES,
    SERVICES,
    dlq_topic,
    envelope_model,
    topic,
    topic_of,
)
from relais_contracts.codec import (
    MAX_ENVELOPE_BYTES,
    InvalidEvent,
    UnreadableEvent,
    decode,
    decode_object,
    encode,
    event_id_for,
    make_envelope,
)
from relais_contracts.envelope import Envelope, Payload

__all__ = [
    "ALL_TOPICS",
    "MAX_ENVELOPE_BYTES",
    "PAYLOAD_TYPES",
    "SERVICES",
    "Envelope",
    "InvalidEvent",
    "Payload",
    "UnreadableEvent",
    "decode",
    "decode_object",
    "dlq_topic",
    "encode",
    "envelope_model",
    "event_id_for",
    "make_envelope",
    "topic",
    "topic_of",
]
