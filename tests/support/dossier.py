"""A minimal event-sourced dossier that publishes contract events, to test the runtime alone."""

import uuid
from datetime import UTC, datetime

from eventsourcing.domain import Aggregate, event

from relais_contracts.events import intake
from relais_runtime.eventstore import RelaisApplication
from relais_runtime.published import Published
from relais_runtime.settings import Settings
from support.samples import PROFILE


class Dossier(Aggregate):
    class Welcomed(Aggregate.Created, Published):
        contract = intake.FirstWelcomeRecorded
        stream_field = "jeune_id"
        ml_id: str
        occurred_at: datetime
        actor_id: str
        correlation_id: uuid.UUID | None
        causation_id: uuid.UUID | None
        site: str
        referral_source: str
        requests: list[str]
        profile: dict

    class Interviewed(Aggregate.Event, Published):
        contract = intake.DossierEventRecorded
        stream_field = "jeune_id"
        ml_id: str
        occurred_at: datetime
        actor_id: str
        correlation_id: uuid.UUID | None
        causation_id: uuid.UUID | None
        nature: str
        mode: str
        themes: list[str]
        session_id: uuid.UUID | None
        duration_minutes: int | None

    @event(Welcomed)
    def __init__(self, ml_id, occurred_at, actor_id, correlation_id, causation_id, site,
                 referral_source, requests, profile):
        self.ml_id = ml_id

    @event(Interviewed)
    def interview(self, ml_id, occurred_at, actor_id, correlation_id, causation_id, nature, mode,
                  themes, session_id, duration_minutes):
        pass



class DossierApp(RelaisApplication):
    def __init__(self, settings: Settings, service: str = "intake"):
        super().__init__(settings, service)

    def welcome_with_interviews(self, interviews: int, ml_id: str = "ML-TEST") -> uuid.UUID:
        now = datetime.now(UTC)
        meta = dict(ml_id=ml_id, occurred_at=now, actor_id="counselor-1",
                    correlation_id=uuid.uuid4(), causation_id=None)
        dossier = Dossier(site="S1", referral_source="self", requests=["employment"],
                          profile=PROFILE.model_dump(), **meta)
        for _ in range(interviews):
            dossier.interview(nature="individual_interview", mode="on_site", themes=["employment"],
                              session_id=None, duration_minutes=30, **meta)
        self.save(dossier)
        return dossier.id
