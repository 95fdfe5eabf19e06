"""Follow an application's notification log into SQL tables of the same service, exactly once.

Each batch of new events is applied and the follower's position stored in one SQL transaction:
a crash either keeps both or neither. Used for a service's own query tables (for example the
intake's name index); `catch_up` is cheap when nothing is new, so a reader may call it first
to see its own writes.
"""

import threading
from collections.abc import Callable

from eventsourcing.application import Application
from sqlalchemy import BigInteger, Column, Connection, Engine, MetaData, String, Table, select

from relais_runtime.sql import dialect_of

metadata = MetaData()
follower_positions = Table(
    "follower_positions",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

Handler = Callable[[Connection, object], None]


def upsert_position(conn: Connection, name: str, position: int) -> None:
    dialect = dialect_of(conn)
    stmt = dialect.insert(follower_positions).values(name=name, position=position)
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"position": position}))


class LogFollower:
    def __init__(self, app: Application, engine: Engine, name: str, handle: Handler, batch: int = 500):
        self.app = app
        self.engine = engine
        self.name = name
        self.handle = handle
        self.batch = batch
        self._lock = threading.Lock()
        metadata.create_all(engine)

    def position(self) -> int:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(follower_positions.c.position).where(follower_positions.c.name == self.name)
            ).scalar_one_or_none()
        return found or 0

    def catch_up(self) -> int:
        """Apply every event after the stored position; the number applied."""
        applied = 0
        with self._lock:
            while True:
                with self.engine.begin() as conn:
                    position = (
                        conn.execute(
                            select(follower_positions.c.position)
                            .where(follower_positions.c.name == self.name)
                            .with_for_update()
                        ).scalar_one_or_none()
                        or 0
                    )
                    batch = self.app.recorder.select_notifications(start=position + 1, limit=self.batch)
                    if not batch:
                        return applied
                    for notification in batch:
                        self.handle(conn, self.app.mapper.to_domain_event(notification))
                    upsert_position(conn, self.name, batch[-1].id)
                    applied += len(batch)
