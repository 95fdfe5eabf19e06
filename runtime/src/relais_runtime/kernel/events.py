"""Domain events that leave their service: how a stored event becomes an envelope.

A published domain event *is* its contract: it declares one field, `payload`, typed with the
payload model of the catalogue, and nothing else of the event (the model's fields are declared
once, in `relais_contracts.events`). Besides the payload it carries the envelope metadata below.
The relay calls `to_envelope` on what it reads from the notification log.
"""

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Transcoding
from pydantic import ValidationError
from relais_contracts import MAX_ENVELOPE_BYTES, Envelope, Payload, encode, make_envelope
from relais_contracts.upcasting import upcast


class UnpublishableEvent(ValueError):
    """A domain event whose envelope breaks the contract or is too large to publish."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    @classmethod
    def from_validation(cls, exc: ValidationError, prefix: str = "") -> "UnpublishableEvent":
        """The first error of a payload or envelope that does not validate, its field named."""
        first = exc.errors()[0]
        return cls(prefix + ".".join(str(p) for p in first["loc"]), first["msg"])


class Published:
    """Mixin for eventsourcing domain events that are published to Kafka.

    A subclass declares `payload: <contract model>`; `contract` is taken from that annotation
    when the class is defined. An event without a `payload` stays in its service (nothing in it
    is for the others, e.g. an erasure)."""

    contract: ClassVar[type[Payload] | None] = None
    # The payload field that is the stream's own id (intake: jeune_id; employment: offer_id...).
    stream_field: ClassVar[str | None] = None

    payload: Payload

    # Envelope metadata every published event records (events.md, "Envelope").
    ml_id: str
    occurred_at: datetime
    actor_id: str
    correlation_id: UUID | None
    causation_id: UUID | None

    # Provided by eventsourcing's DomainEvent.
    originator_id: UUID
    originator_version: int
    timestamp: datetime

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("__annotations__", {}).get("payload")
        if isinstance(declared, type) and issubclass(declared, Payload):
            cls.contract = declared

    def to_envelope(self) -> Envelope:
        """The envelope the relay publishes; `UnpublishableEvent` names the field at fault."""
        try:
            return make_envelope(
                self.payload,
                ml_id=self.ml_id,
                stream_id=self.originator_id,
                stream_position=self.originator_version,
                occurred_at=self.occurred_at,
                # The event's timestamp is taken by the command just before the commit.
                recorded_at=self.timestamp,
                actor_id=self.actor_id,
                correlation_id=self.correlation_id,
                causation_id=self.causation_id,
            )
        except ValidationError as exc:
            raise UnpublishableEvent.from_validation(exc) from None


def to_envelope(domain_event: object) -> Envelope | None:
    """The envelope of a stored event, or None for an internal event that is not published."""
    if isinstance(domain_event, Published) and domain_event.contract is not None:
        return domain_event.to_envelope()
    return None


def publishable(domain_event: object) -> tuple[Envelope, bytes] | None:
    """The envelope of an event and the bytes the relay will publish (None: it stays home).

    Raises `UnpublishableEvent` when the envelope breaks its contract or exceeds
    `MAX_ENVELOPE_BYTES`: checked before a command commits, so that everything in the outbox
    can be published."""
    envelope = to_envelope(domain_event)
    if envelope is None:
        return None
    data = encode(envelope)
    if len(data) > MAX_ENVELOPE_BYTES:
        raise UnpublishableEvent("", f"the encoded event is {len(data)} bytes, over the {MAX_ENVELOPE_BYTES} allowed")
    return envelope, data


class CommandEvent(Aggregate.Event, Published):
    """Base of the published events of every service's aggregates.

    Besides the envelope metadata, it records the command's idempotency key and request
    fingerprint; applying it lets the aggregate (a `RemembersCommands`) remember them.
    Subclasses say what they change in `change`.
    """

    ml_id: str
    occurred_at: datetime
    actor_id: str
    correlation_id: UUID | None
    causation_id: UUID | None
    command_key: str | None
    command_hash: str | None

    # Version 1 stored the payload's fields flat, beside the metadata (before `payload`).
    class_version = 2

    @classmethod
    def upcast_v1_v2(cls, state: dict[str, Any]) -> None:
        if cls.contract is None:
            return
        values = {name: state.pop(name) for name in cls.contract.model_fields if name in state}
        if cls.stream_field:
            values[cls.stream_field] = state["originator_id"]
        state["payload"] = stored_payload(cls.contract, 1, values)

    def apply(self, aggregate: Any) -> None:
        aggregate.remember(self.command_key, self.command_hash, self.originator_version)
        self.change(aggregate)

    def change(self, aggregate: Any) -> None:
        """What the event changes in its aggregate's state."""


def stored_payload(model: type[Payload], version: int, values: dict[str, Any]) -> Payload:
    """A payload stored at schema `version`, brought to the model's version by the catalogue's
    upcasters (the same ones that read old messages from Kafka)."""
    return model.model_validate(upcast(model.event_type, version, model.schema_version, values))


class PayloadTranscoding(Transcoding):
    """Stores a payload in the event store as its fields and its schema version (dates and ids go
    through the store's own transcodings) and reads it back as the contract's current model."""

    def __init__(self, model: type[Payload]):
        self.type = self.model = model
        self.name = model.event_type

    def encode(self, obj: Payload) -> dict[str, Any]:
        return {**obj.model_dump(), "schema_version": obj.schema_version}

    def decode(self, data: dict[str, Any]) -> Payload:
        version = data.pop("schema_version", 1)
        return stored_payload(self.model, version, data)
