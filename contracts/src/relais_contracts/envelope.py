"""The envelope every event travels in (events.md, "Envelope")."""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from relais_contracts.types import ActorId, Instant, MlId, PositiveInt, SchemaVersion, Uuid


class Payload(BaseModel):
    """Base of every event payload. Subclasses name their type and current schema version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    # The payload field whose value keys the Kafka message (events.md: jeune_id, else stream_id).
    key_field: ClassVar[str | None] = "jeune_id"


class Envelope(BaseModel):
    """One event: the envelope fields and its typed payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: Uuid
    event_type: str
    schema_version: SchemaVersion
    ml_id: MlId
    stream_id: Uuid
    stream_position: PositiveInt
    occurred_at: Instant
    recorded_at: Instant
    actor_id: ActorId
    correlation_id: Uuid | None = Field(...)
    causation_id: Uuid | None = Field(...)
    payload: Any

    @property
    def key(self) -> bytes:
        """The Kafka message key: the young person where there is one, else the stream."""
        field = type(self.payload).key_field if isinstance(self.payload, Payload) else None
        value = getattr(self.payload, field, None) if field else None
        return str(value if value is not None else self.stream_id).encode()

    @property
    def headers(self) -> list[tuple[str, bytes]]:
        return [
            ("event_type", self.event_type.encode()),
            ("schema_version", str(self.schema_version).encode()),
            ("ml_id", self.ml_id.encode()),
        ]
