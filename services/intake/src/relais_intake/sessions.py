"""The collective sessions of a Mission Locale (workshops, group information), for the desk's
session picker.

A session has no aggregate of its own: it is the `session_id` its attendees' dossier events share
(events.md, E3), and the activity report counts the distinct ones (indicators.md,
`workshop_sessions`). A counselor recording the fifth attendee of this morning's CV workshop must
give the same id as the first four; `GET /v1/{ml_id}/sessions` lists the recent ones, from this
projection of the dossier events, so that the id is picked, never typed.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from relais_contracts import event_id_for
from relais_runtime.projection import SqlView
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    insert,
    select,
    text,
    update,
)

from relais_intake.domain import Dossier

metadata = MetaData()
# One row per attendance (a dossier event that names a session), so that a cancelled entry is
# taken out of its session's count.
session_attendances = Table(
    "session_attendances",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("ml_id", String(64), nullable=False),
    Column("session_id", Uuid, nullable=False, index=True),
    Column("jeune_id", Uuid, nullable=False),
    Column("nature", String(32), nullable=False),
    Column("themes", String(400), nullable=False),  # comma-separated theme codes
    Column("mode", String(32), nullable=False),
    Column("duration_minutes", Integer),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("cancelled", Boolean, nullable=False, default=False),
    # The picker asks for one Mission Locale's recent ones: a region records ~200 000 a year.
    Index("session_attendances_recent", "ml_id", "occurred_at"),
)
MAX_SESSIONS = 200  # a busy Mission Locale holds ~10 collective sessions a week: months of them


@dataclass(frozen=True)
class Session:
    session_id: uuid.UUID
    nature: str
    themes: list[str]
    first_at: datetime
    attendees: int
    mode: str | None = None  # as its first attendee's event says (the attendance sheet only)
    duration_minutes: int | None = None


@dataclass(frozen=True)
class Attendance:
    event_id: uuid.UUID
    jeune_id: uuid.UUID
    occurred_at: datetime


def create_session_tables(engine: Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as conn:  # the first version's table, without the young people (#18)
        conn.execute(text("DROP TABLE IF EXISTS session_attendance"))


def recent_sessions(engine: Engine, ml_id: str, since: datetime) -> list[Session]:
    """This Mission Locale's sessions with an attendee at or after `since`, the latest first."""
    c = session_attendances.c
    query = (
        select(c.session_id, func.min(c.nature), func.min(c.themes), func.min(c.occurred_at), func.count())
        .where(c.ml_id == ml_id, c.occurred_at >= since, c.cancelled.is_(False))
        .group_by(c.session_id)
        .order_by(func.min(c.occurred_at).desc(), c.session_id)
        .limit(MAX_SESSIONS)
    )
    with engine.connect() as conn:
        return [
            Session(sid, nature, themes.split(",") if themes else [], _aware(first), count)
            for sid, nature, themes, first, count in conn.execute(query)
        ]


def attendances(engine: Engine, ml_id: str, session_id: uuid.UUID) -> tuple[Session | None, list[Attendance]]:
    """One session of this Mission Locale and who attended it (entries cancelled left out), in
    the order they were recorded; (None, []) when it has no attendee here."""
    c = session_attendances.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.event_id, c.jeune_id, c.occurred_at, c.nature, c.themes, c.mode, c.duration_minutes)
            .where(c.ml_id == ml_id, c.session_id == session_id, c.cancelled.is_(False))
            .order_by(c.occurred_at, c.event_id)
        ).all()
    if not rows:
        return None, []
    first = rows[0]
    themes = first.themes.split(",") if first.themes else []
    session = Session(
        session_id, first.nature, themes, _aware(first.occurred_at), len(rows), first.mode, first.duration_minutes
    )
    return session, [Attendance(r.event_id, r.jeune_id, _aware(r.occurred_at)) for r in rows]


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every instant stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SessionList(Projection[SqlView]):
    """`session_attendances`, in step with the dossier events that name a session."""

    name = "session-list-v3"  # v3: the young people, the mode and the duration kept (the attendance sheet)
    topics = tuple(get_topic(e) for e in (Dossier.DossierEventRecorded, Dossier.DossierEventCancelled))

    def process_event(self, event: object, tracking: Tracking) -> None:
        conn = self.view.connection
        if isinstance(event, Dossier.DossierEventRecorded) and event.payload.session_id is not None:
            conn.execute(
                insert(session_attendances).values(
                    event_id=event_id_for("intake", event.originator_id, event.originator_version),
                    ml_id=event.ml_id,
                    session_id=event.payload.session_id,
                    jeune_id=event.originator_id,
                    nature=event.payload.nature,
                    themes=",".join(event.payload.themes),
                    mode=event.payload.mode,
                    duration_minutes=event.payload.duration_minutes,
                    occurred_at=event.occurred_at,
                    cancelled=False,
                )
            )
        elif isinstance(event, Dossier.DossierEventCancelled):
            conn.execute(
                update(session_attendances)
                .where(session_attendances.c.event_id == event.payload.cancelled_event_id)
                .values(cancelled=True)
            )
