"""A minimal event-sourced dossier that publishes contract events, to test the runtime alone."""

import uuid
from datetime import UTC, datetime

from eventsourcing.domain import Aggregate
from relais_contracts.events import intake
from relais_runtime.eventstore import RelaisApplication
from relais_runtime.kernel.commands import RemembersCommands
from relais_runtime.kernel.events import CommandEvent
from relais_runtime.settings import Settings
from support.samples import PROFILE


class Dossier(Aggregate, RemembersCommands):
    """The runtime's own event base (envelope metadata, idempotency) with two contract events."""

    class Event(CommandEvent):
        stream_field = "jeune_id"

    class Welcomed(Event, Aggregate.Created):
        payload: intake.FirstWelcomeRecorded

        def change(self, dossier: "Dossier") -> None:
            dossier.ml_id = self.ml_id

    class Interviewed(Event):
        payload: intake.DossierEventRecorded

    @classmethod
    def welcome(cls, meta: dict, **fields) -> "Dossier":
        jeune_id = uuid.uuid4()
        payload = intake.FirstWelcomeRecorded(
            jeune_id=jeune_id, nature="individual_interview", mode="on_site", **fields
        )
        return cls._create(cls.Welcomed, id=jeune_id, **meta, payload=payload)

    def interview(self, meta: dict, **fields) -> None:
        payload = intake.DossierEventRecorded(jeune_id=self.id, **fields)
        self.trigger_event(self.Interviewed, **meta, payload=payload)


class DossierApp(RelaisApplication):
    def __init__(self, settings: Settings, service: str = "intake"):
        super().__init__(settings, service)

    def welcome_with_interviews(self, interviews: int, ml_id: str = "ML-TEST") -> uuid.UUID:
        now = datetime.now(UTC)
        meta = dict(
            ml_id=ml_id,
            occurred_at=now,
            actor_id="counselor-1",
            correlation_id=uuid.uuid4(),
            causation_id=None,
            command_key=None,
            command_hash=None,
        )
        dossier = Dossier.welcome(meta, site="S1", referral_source="self", requests=["employment"], profile=PROFILE)
        for _ in range(interviews):
            dossier.interview(
                meta,
                nature="individual_interview",
                mode="on_site",
                themes=["employment"],
                session_id=None,
                duration_minutes=30,
            )
        self.save(dossier)
        return dossier.id
