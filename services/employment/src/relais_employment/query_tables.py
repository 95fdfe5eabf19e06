"""The employment service's query tables: the offers and the employers of each Mission Locale,
projections of its event store kept in step by `RelaisApplication.follow` (projection.py)."""

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from relais_runtime.projection import SqlView
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Uuid, insert, update

from relais_employment.domain import Employer, Offer

metadata = MetaData()
# The offers of each Mission Locale, for `GET /offers` (a projection of the event store, `OfferList`).
offer_list = Table(
    "offer_list",
    metadata,
    Column("offer_id", Uuid, primary_key=True),
    Column("ml_id", String(64), nullable=False, index=True),
    Column("employer_id", Uuid, nullable=False),
    Column("sector", String(1), nullable=False),
    Column("contract_type", String(32), nullable=False),
    Column("positions", Integer, nullable=False),
    Column("commune_insee", String(5), nullable=False),
    Column("referrals", Integer, nullable=False, default=0),
    Column("hires", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False, default="open"),
)

# The employers of each Mission Locale, for `GET /employers` (the desk's employer pickers).
employer_list = Table(
    "employer_list",
    metadata,
    Column("employer_id", Uuid, primary_key=True),
    Column("ml_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("sector", String(1), nullable=False),
    Column("size_band", String(8), nullable=False),
    Column("commune_insee", String(5), nullable=False),
)
# A Mission Locale works with a few hundred employers a year; a picker lists them all up to this.
MAX_EMPLOYERS = 5000


def create_query_tables(engine: Engine) -> None:
    metadata.create_all(engine)


class OfferList(Projection[SqlView]):
    """`offer_list`: the offers of each Mission Locale with their referrals, hires and status."""

    name = "offer-list"

    @singledispatchmethod
    def process_event(self, event: object, tracking: Tracking) -> None:
        """Other events change nothing in the list."""

    @process_event.register
    def _received(self, event: Offer.Received, tracking: Tracking) -> None:
        received = event.payload
        row = dict(
            offer_id=received.offer_id,
            ml_id=event.ml_id,
            employer_id=received.employer_id,
            sector=received.sector,
            contract_type=received.contract_type,
            positions=received.positions,
            commune_insee=received.commune_insee,
        )
        self.view.connection.execute(insert(offer_list).values(**row, referrals=0, hires=0, status="open"))

    @process_event.register
    def _referred(self, event: Offer.Referred, tracking: Tracking) -> None:
        self._update(event, referrals=offer_list.c.referrals + 1)

    @process_event.register
    def _outcome(self, event: Offer.OutcomeRecorded, tracking: Tracking) -> None:
        if event.payload.outcome == "hired":
            self._update(event, hires=offer_list.c.hires + 1)

    @process_event.register
    def _corrected(self, event: Offer.EntryCancelled, tracking: Tracking) -> None:
        if event.cancelled_outcome is None:
            self._update(event, referrals=offer_list.c.referrals - 1)
        elif event.cancelled_outcome == "hired":
            self._update(event, hires=offer_list.c.hires - 1)

    @process_event.register
    def _closed(self, event: Offer.Closed, tracking: Tracking) -> None:
        self._update(event, status=event.payload.outcome)

    def _update(self, event: Offer.Event, **values: Any) -> None:
        self.view.connection.execute(
            update(offer_list).where(offer_list.c.offer_id == event.originator_id).values(**values)
        )


class EmployerList(Projection[SqlView]):
    """`employer_list`: who registered each employer, under which name."""

    name = "employer-list"
    topics = (get_topic(Employer.Registered),)

    def process_event(self, event: object, tracking: Tracking) -> None:
        if isinstance(event, Employer.Registered):
            registered = event.payload
            self.view.connection.execute(
                insert(employer_list).values(
                    employer_id=registered.employer_id,
                    ml_id=event.ml_id,
                    name=registered.name,
                    sector=registered.sector,
                    size_band=registered.size_band,
                    commune_insee=registered.commune_insee,
                )
            )
