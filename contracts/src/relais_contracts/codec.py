"""Encode and decode envelopes to and from the JSON of events.md.

`decode` is strict: a missing field, an unknown enumeration value or a wrong type raises
`InvalidEvent` naming the field at fault (`payload.profile.sex`). An event that is valid but
that this code cannot interpret (unknown type, newer version) raises `UnreadableEvent`: the
consumer skips and counts it instead of failing.
"""

import uuid
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from relais_contracts.catalogue import PAYLOAD_TYPES, envelope_model
from relais_contracts.envelope import Envelope, Payload
from relais_contracts.upcasting import upcast


class InvalidEvent(ValueError):
    """Not a valid envelope: goes to the dead-letter topic, or is reported with its line."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class UnreadableEvent(Exception):
    """A well-formed event of a type or version this code does not know: skip and count."""

    def __init__(self, event_type: str, schema_version: int, reason: str):
        super().__init__(f"{event_type} v{schema_version}: {reason}")
        self.event_type = event_type
        self.schema_version = schema_version
        self.reason = reason


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def decode(data: bytes | str) -> Envelope:
    """Parse and validate one envelope, upcasting an older payload to the current version."""
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent("", f"not JSON ({exc})") from None
    return decode_object(raw)


def decode_object(raw: Any) -> Envelope:
    if not isinstance(raw, dict):
        raise InvalidEvent("", "an envelope is a JSON object")
    event_type = raw.get("event_type")
    version = raw.get("schema_version")
    if not isinstance(event_type, str):
        raise InvalidEvent("event_type", "missing or not a string")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidEvent("schema_version", "missing or not an integer >= 1")
    payload_type = PAYLOAD_TYPES.get(event_type)
    if payload_type is None:
        raise UnreadableEvent(event_type, version, "unknown event type")
    current = payload_type.schema_version
    if version > current:
        raise UnreadableEvent(event_type, version, f"newer than version {current}")
    if version < current:
        payload = raw.get("payload")
        if not isinstance(payload, dict):
            raise InvalidEvent("payload", "missing or not an object")
        raw = {**raw, "schema_version": current, "payload": upcast(event_type, version, current, payload)}
    try:
        return envelope_model(event_type).model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidEvent(_field(first["loc"]), first["msg"]) from None


# The largest encoded envelope a producer may publish. Real events are under 2 KiB; Kafka's own
# limit (1 MiB by default) is far above, so an event that passes this check always publishes.
MAX_ENVELOPE_BYTES = 64 * 1024


def encode(envelope: Envelope) -> bytes:
    """The JSON bytes of an envelope, as published on Kafka and written in exports."""
    return envelope.__pydantic_serializer__.to_json(envelope)


EVENT_ID_NAMESPACE = uuid.UUID("7c6f4a52-8f0e-4e57-9a7e-4b3f1d2a9c10")


def event_id_for(service: str, stream_id: uuid.UUID, stream_position: int) -> uuid.UUID:
    """A stable event id derived from the producing service, the stream and the position: a
    re-published event (relay restart) carries the same id, so consumers can de-duplicate it.
    The service is part of it because two services may key streams by the same id (jeune_id)."""
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"{service}:{stream_id}:{stream_position}")


def make_envelope(
    payload: Payload,
    *,
    ml_id: str,
    stream_id: uuid.UUID,
    stream_position: int,
    occurred_at: datetime,
    recorded_at: datetime,
    actor_id: str,
    correlation_id: uuid.UUID | None = None,
    causation_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
) -> Envelope:
    """Build a validated envelope around a payload."""
    return envelope_model(payload.event_type)(
        event_id=event_id or event_id_for(payload.event_type.split(".", 1)[0], stream_id, stream_position),
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        ml_id=ml_id,
        stream_id=stream_id,
        stream_position=stream_position,
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        actor_id=actor_id,
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=payload,
    )
