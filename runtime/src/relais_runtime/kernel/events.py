"""Domain events that leave their service: how a stored event becomes an envelope.

A service's aggregate events inherit `Published` as a mixin, name their `contract` (the payload
model of the catalogue) and carry, besides the payload fields under the same names, the envelope
metadata below. The relay calls `to_envelope` on what it reads from the notification log.
"""

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import ValidationError
from relais_contracts import MAX_ENVELOPE_BYTES, Envelope, Payload, encode, make_envelope


class UnpublishableEvent(ValueError):
    """A domain event whose envelope breaks the contract or is too large to publish."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def _first_error(exc: ValidationError, prefix: str = "") -> UnpublishableEvent:
    first = exc.errors()[0]
    return UnpublishableEvent(prefix + ".".join(str(p) for p in first["loc"]), first["msg"])


class Published:
    """Mixin for eventsourcing domain events that are published to Kafka."""

    # None: the event stays in its service (nothing in it is for the others, e.g. an erasure).
    contract: ClassVar[type[Payload] | None]
    # The payload field that is the stream's own id (intake: jeune_id; employment: offer_id...),
    # filled from the aggregate id rather than stored twice.
    stream_field: ClassVar[str | None] = None

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
        """A class that names its contract declares every payload field of it (but the stream's
        own id): a mismatch fails when the service starts, not when the relay meets the event."""
        super().__init_subclass__(**kwargs)
        contract = cls.__dict__.get("contract")
        if contract is None:
            return
        declared = {name for klass in cls.__mro__ for name in getattr(klass, "__annotations__", {})}
        missing = set(contract.model_fields) - declared - {cls.stream_field}
        if missing:
            raise TypeError(f"{cls.__qualname__} does not declare {sorted(missing)} of {contract.event_type}")

    def payload_fields(self) -> dict[str, Any]:
        """The payload, by default the attributes named like the contract's fields."""
        assert self.contract is not None, "an internal event has no payload"
        fields = self.contract.model_fields
        values = {n: getattr(self, n) for n in fields if n != self.stream_field}
        if self.stream_field:
            values[self.stream_field] = self.originator_id
        return values

    def to_envelope(self) -> Envelope:
        """The envelope the relay publishes; `UnpublishableEvent` names the field at fault."""
        assert self.contract is not None
        try:
            payload = self.contract.model_validate(self.payload_fields())
        except ValidationError as exc:
            raise _first_error(exc, "payload.") from None
        try:
            return self._envelope(payload)
        except ValidationError as exc:
            raise _first_error(exc) from None

    def _envelope(self, payload: Payload) -> Envelope:
        return make_envelope(
            payload,
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

    def apply(self, aggregate: Any) -> None:
        aggregate.remember(self.command_key, self.command_hash, self.originator_version)
        self.change(aggregate)

    def change(self, aggregate: Any) -> None:
        """What the event changes in its aggregate's state."""
