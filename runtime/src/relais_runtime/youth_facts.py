"""What a service needs to know of a young person without calling intake.

The dispositifs and employment services consume `relais.intake` (see `consumer.py`) into this
table: does the young person exist, in which Mission Locale, born which month, RQTH, NEET, level
of education and diploma, dossier closed. It is eventually consistent with intake: a young person
welcomed a moment ago may not be known yet (README, "Eventual consistency").

A column added to the table after it was created is added on start, and the whole of
`relais.intake` (kept forever) is folded again from its beginning to fill it: the fold is
idempotent.
"""

import uuid

from relais_contracts import Envelope
from relais_contracts.events.intake import FirstWelcomeRecorded
from sqlalchemy import Boolean, Column, Connection, Engine, Integer, MetaData, String, Table, Uuid, select, update

from relais_runtime.consumer import GroupPosition
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.kernel.youth import YouthFacts
from relais_runtime.sql import add_missing_columns, dialect_of

metadata = MetaData()
youth_facts = Table(
    "youth_facts",
    metadata,
    Column("jeune_id", Uuid, primary_key=True),
    Column("ml_id", String(64), nullable=False),
    Column("birth_month", String(7), nullable=False),
    Column("rqth", Boolean, nullable=False),
    Column("closed", Boolean, nullable=False, default=False),
    # Added later: null in a row folded before they existed, until the refold fills them.
    Column("neet", Boolean),
    Column("education_level", Integer),
    Column("diploma", Boolean),
)


def consumer_group(service: str) -> str:
    """The consumer group whose fold of `relais.intake` feeds a service's `youth_facts`."""
    return f"{service}.youth-facts"


# The profile fields kept here, as the Profile of intake's events names them.
PROFILE_FIELDS = ("birth_month", "rqth", "neet", "education_level", "diploma")


def facts_of_welcome(ml_id: str, welcomed: FirstWelcomeRecorded) -> YouthFacts:
    """What a first welcome tells the other services of a young person."""
    profile = {f: getattr(welcomed.profile, f) for f in PROFILE_FIELDS}
    return YouthFacts(jeune_id=welcomed.jeune_id, ml_id=ml_id, closed=False, **profile)


def apply_intake_events(conn: Connection, events: list[Envelope]) -> None:
    """Fold intake events into `youth_facts` (idempotent: safe to apply twice)."""
    dialect = dialect_of(conn)
    for e in events:
        p = e.payload
        if e.event_type == "intake.FirstWelcomeRecorded":
            values = {"jeune_id": p.jeune_id, "ml_id": e.ml_id, "closed": False}
            values |= {f: getattr(p.profile, f) for f in PROFILE_FIELDS}
            stmt = dialect.insert(youth_facts).values(values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["jeune_id"], set_=values))
        elif e.event_type == "intake.ProfileUpdated":
            changes = {f: getattr(p.profile, f) for f in PROFILE_FIELDS if getattr(p.profile, f) is not None}
            if changes:
                conn.execute(update(youth_facts).where(youth_facts.c.jeune_id == p.jeune_id).values(**changes))
        elif e.event_type in ("intake.DossierClosed", "intake.DossierReopened"):
            closed = e.event_type == "intake.DossierClosed"
            conn.execute(update(youth_facts).where(youth_facts.c.jeune_id == p.jeune_id).values(closed=closed))


class YouthDirectory:
    """Reads `youth_facts` for a command's rules."""

    def __init__(self, engine: Engine, service: str):
        self.engine = engine
        metadata.create_all(engine)
        _add_missing_columns(engine, consumer_group(service))

    def known(self, ml_id: str, jeune_id: uuid.UUID) -> YouthFacts:
        """The facts of a young person of this Mission Locale, or a 422 that says why not."""
        with self.engine.connect() as conn:
            row = conn.execute(select(youth_facts).where(youth_facts.c.jeune_id == jeune_id)).first()
        if row is None or row.ml_id != ml_id:
            raise DomainRuleBroken(
                "Ce jeune est inconnu de ce service dans cette Mission Locale (premier accueil absent, "
                "ou pas encore reçu : réessayez dans quelques secondes).",
                rule="youth-unknown",
            )
        facts = YouthFacts(
            row.jeune_id,
            row.ml_id,
            row.birth_month,
            row.rqth,
            row.closed,
            neet=row.neet,
            education_level=row.education_level,
            diploma=row.diploma,
        )
        if facts.closed:
            raise DomainRuleBroken("Le dossier de ce jeune est clos.", rule="dossier-closed")
        return facts


def _add_missing_columns(engine: Engine, group: str) -> None:
    """Add the columns an older table lacks and, in the same transaction, fold `relais.intake`
    again from its beginning to fill them."""
    position = GroupPosition(engine, group)  # creates its table first, outside the transaction
    with engine.begin() as conn:
        if add_missing_columns(conn, youth_facts):
            position.forget(conn)
