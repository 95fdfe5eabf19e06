"""Domain events that leave their service: how a stored event becomes an envelope.

A service's aggregate events inherit `Published` as a mixin, name their `contract` (the payload
model of the catalogue) and carry, besides the payload fields under the same names, the envelope
metadata below. The relay calls `to_envelope` on what it reads from the notification log.
"""

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from relais_contracts import Envelope, Payload, make_envelope


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

    def payload_fields(self) -> dict[str, Any]:
        """The payload, by default the attributes named like the contract's fields."""
        fields = self.contract.model_fields
        values = {n: getattr(self, n) for n in fields if n != self.stream_field}
        if self.stream_field:
            values[self.stream_field] = self.originator_id
        return values

    def to_envelope(self) -> Envelope:
        return make_envelope(
            self.contract.model_validate(self.payload_fields()),
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
