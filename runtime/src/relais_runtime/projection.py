"""A service's own query tables (the offers of a Mission Locale, the name index...), kept in step
with its event store by eventsourcing's projection mechanism.

Each query table is an eventsourcing `Projection` whose view is a `SqlView`, an eventsourcing
`TrackingRecorder`: the tracking record (which notification of the application the view has
processed) is written in the view's own database, in the same transaction as the rows it
produced, so a crash keeps both or neither and no event is applied twice.

The view pulls from the notification log (`catch_up`) rather than running under eventsourcing's
`ProjectionRunner`, for two reasons: the runner follows the log through recorder subscriptions,
which the SQLite recorder does not offer; and it processes in a thread of its own, so a reader
could not know when it had seen what was just written. `catch_up` runs in batches under a row
lock on the tracking record, so replicas sharing a database never apply an event twice: in the
background after each commit (`service.keep_views_up_to_date`), off the command's path, and in
every reader before it reads, so a counselor always reads what was just written, whichever
replica wrote it.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.projection import Projection
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    inspect,
    select,
    text,
)

from relais_runtime.sql import dialect_of

metadata = MetaData()
view_tracking = Table(
    "view_tracking",
    metadata,
    Column("view_name", String(128)),
    Column("application_name", String(128)),
    Column("notification_id", BigInteger, nullable=False),
    # One tracking record per view and application it follows (eventsourcing's `Tracking`).
    PrimaryKeyConstraint("view_name", "application_name"),
)


class SqlView(TrackingRecorder):
    """The view of one projection in a SQL database, tracked per application it follows."""

    def __init__(self, engine: Engine, name: str):
        self.engine = engine
        self.name = name
        # The transaction of the batch being applied: what the projection writes with.
        self._batch: Connection | None = None
        metadata.create_all(engine)

    @property
    def connection(self) -> Connection:
        assert self._batch is not None, "a projection writes only while its view applies a batch"
        return self._batch

    def insert_tracking(self, tracking: Tracking) -> None:
        stmt = dialect_of(self.connection).insert(view_tracking)
        values = {"notification_id": tracking.notification_id}
        self.connection.execute(
            stmt.values(
                view_name=self.name, application_name=tracking.application_name, **values
            ).on_conflict_do_update(index_elements=["view_name", "application_name"], set_=values)
        )

    @contextmanager
    def batch(self, application_name: str) -> Iterator[int]:
        """One transaction of the view: yields its position in `application_name`'s log, locked
        against replicas; what the projection writes meanwhile and the tracking record commit
        together, or not at all."""
        with self.engine.begin() as conn:
            self._batch = conn
            try:
                yield self._position(conn, application_name, lock=True) or 0
            finally:
                self._batch = None

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.engine.connect() as conn:
            return self._position(conn, application_name)

    def _position(self, conn: Connection, application_name: str, *, lock: bool = False) -> int | None:
        query = select(view_tracking.c.notification_id).where(
            view_tracking.c.view_name == self.name, view_tracking.c.application_name == application_name
        )
        return conn.execute(query.with_for_update() if lock else query).scalar_one_or_none()


@runtime_checkable
class BatchProjection(Protocol):
    """A projection that applies a whole batch at once, in a few statements rather than a few
    per event: under load, a catch-up thread gets the interpreter rarely, and each statement
    waits for it (the name index fell seconds behind at 150 first welcomes a second, #18)."""

    def process_batch(self, events: list[tuple[Any, Tracking]]) -> None: ...


class Follows:
    """A projection kept up to date from one application's notification log, in batches."""

    def __init__(self, app: Application[Any], projection: Projection[SqlView], batch: int = 500):
        self.app = app
        self.projection = projection
        self.view = projection.view
        self.batch = batch
        self._lock = threading.Lock()
        _adopt_follower_positions(self.view.engine, app.name)

    def catch_up(self) -> int:
        """Apply every event after the view's tracking record; the number applied.

        Only the events of the projection's `topics` (all, when it names none) are read, up to
        the log's head read first: the store gives notification ids in commit order (its table
        lock), so when fewer than a batch came back, every event up to the head was seen, and
        the tracking record moves to the head — the events of other kinds are never read again."""
        applied = 0
        topics = tuple(self.projection.topics)
        # Up to date (every read when nothing was written since): said without taking the row
        # lock, whose transaction writes and so waits for a disk sync, before each read.
        head = self.app.recorder.max_notification_id() or 0
        if (self.view.max_tracking_id(self.app.name) or 0) >= head:
            return 0
        with self._lock:
            while True:
                with self.view.batch(self.app.name) as position:
                    head = self.app.recorder.max_notification_id() or 0
                    if head <= position:
                        return applied
                    batch = self.app.recorder.select_notifications(
                        start=position + 1, limit=self.batch, stop=head, topics=topics
                    )
                    events = [(self.app.mapper.to_domain_event(n), Tracking(self.app.name, n.id)) for n in batch]
                    if isinstance(self.projection, BatchProjection):
                        self.projection.process_batch(events)
                    else:
                        for event, tracking in events:
                            self.projection.process_event(event, tracking)
                    reached = batch[-1].id if len(batch) == self.batch else head
                    self.view.insert_tracking(Tracking(self.app.name, reached))
                applied += len(batch)
                if len(batch) < self.batch:
                    return applied


def _adopt_follower_positions(engine: Engine, application_name: str) -> None:
    """Views tracked by the `follower_positions` table of earlier versions keep their position."""
    if not inspect(engine).has_table("follower_positions"):
        return
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO view_tracking (view_name, application_name, notification_id) "
                "SELECT name, :app, position FROM follower_positions WHERE true ON CONFLICT DO NOTHING"
            ),
            {"app": application_name},
        )
        conn.execute(text("DROP TABLE IF EXISTS follower_positions"))
