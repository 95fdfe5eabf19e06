"""What a service needs to know of a young person without calling intake.

The dispositifs and employment services consume `relais.intake` (see `consumer.py`) into this
table: does the young person exist, in which Mission Locale, born which month, RQTH, dossier
closed. It is eventually consistent with intake: a young person welcomed a moment ago may not
be known yet (README, "Eventual consistency").
"""

import uuid
from dataclasses import dataclass
from datetime import date

from relais_contracts import Envelope
from sqlalchemy import Boolean, Column, Connection, Engine, MetaData, String, Table, Uuid, select, update
from sqlalchemy.dialects import postgresql, sqlite

from relais_runtime.errors import DomainRuleBroken

metadata = MetaData()
youth_facts = Table(
    "youth_facts",
    metadata,
    Column("jeune_id", Uuid, primary_key=True),
    Column("ml_id", String(64), nullable=False),
    Column("birth_month", String(7), nullable=False),
    Column("rqth", Boolean, nullable=False),
    Column("closed", Boolean, nullable=False, default=False),
)


@dataclass(frozen=True)
class YouthFacts:
    jeune_id: uuid.UUID
    ml_id: str
    birth_month: str
    rqth: bool
    closed: bool

    @property
    def birthday(self) -> date:
        """The 1st of the birth month stands for the birthday (indicators.md, rule 7)."""
        year, month = map(int, self.birth_month.split("-"))
        return date(year, month, 1)

    def age_on(self, day: date) -> int:
        b = self.birthday
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def apply_intake_events(conn: Connection, events: list[Envelope]) -> None:
    """Fold intake events into `youth_facts` (idempotent: safe to apply twice)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for e in events:
        p = e.payload
        if e.event_type == "intake.FirstWelcomeRecorded":
            values = {
                "jeune_id": p.jeune_id,
                "ml_id": e.ml_id,
                "birth_month": p.profile.birth_month,
                "rqth": p.profile.rqth,
                "closed": False,
            }
            stmt = dialect.insert(youth_facts).values(values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["jeune_id"], set_=values))
        elif e.event_type == "intake.ProfileUpdated":
            changes = {
                k: v for k, v in (("birth_month", p.profile.birth_month), ("rqth", p.profile.rqth)) if v is not None
            }
            if changes:
                conn.execute(update(youth_facts).where(youth_facts.c.jeune_id == p.jeune_id).values(**changes))
        elif e.event_type in ("intake.DossierClosed", "intake.DossierReopened"):
            closed = e.event_type == "intake.DossierClosed"
            conn.execute(update(youth_facts).where(youth_facts.c.jeune_id == p.jeune_id).values(closed=closed))


class YouthDirectory:
    """Reads `youth_facts` for a command's rules."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine)

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
        facts = YouthFacts(row.jeune_id, row.ml_id, row.birth_month, row.rqth, row.closed)
        if facts.closed:
            raise DomainRuleBroken("Le dossier de ce jeune est clos.", rule="dossier-closed")
        return facts
