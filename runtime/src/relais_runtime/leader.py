"""One relay per event store at a time, however many replicas of a service serve its commands.

Every replica takes commands into the same database (the event store orders its notifications
under its own lock); only the one holding the store's leader lock relays them to Kafka. The lock
is a PostgreSQL session advisory lock taken on a connection of its own: it is the database that
says who leads, and a leader that dies (its connection closes, or stops answering TCP keepalives)
hands it over by itself. The others try again every `leader_poll_seconds` and take over within
seconds. A leader checks its connection before relaying (at most once a second): a leader that
lost it stops relaying before another can have started.

With SQLite or in memory there is one process per store: it always leads.
"""

import hashlib
import logging
import time

import psycopg

from relais_runtime.settings import Settings

log = logging.getLogger(__name__)


class Leadership:
    """Always the leader: one process per store (SQLite, memory)."""

    def try_acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass


class AdvisoryLock(Leadership):
    def __init__(self, dsn: str, name: str, check_every: float = 1.0) -> None:
        self.dsn = dsn
        self.name = name
        # pg_advisory_lock takes a bigint: the first 8 bytes of the name's hash, signed.
        self.key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        self.check_every = check_every
        self._conn: psycopg.Connection | None = None
        self._checked = 0.0

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it (never waits)."""
        if self._conn is not None:
            return self.still_held()
        try:
            # Keepalives: a leader whose host vanished is given up by the server in ~15 s.
            conn = psycopg.connect(
                self.dsn, autocommit=True, keepalives_idle=5, keepalives_interval=2, keepalives_count=3
            )
        except psycopg.Error as exc:
            log.warning("leader lock %s: database unreachable (%s)", self.name, exc)
            return False
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        if not row or not row[0]:
            conn.close()
            return False
        self._conn, self._checked = conn, time.monotonic()
        log.info("leader lock %s taken: this replica relays", self.name)
        return True

    def still_held(self) -> bool:
        """Whether the lock's connection is alive (checked at most every `check_every` s)."""
        if self._conn is None:
            return False
        if time.monotonic() - self._checked < self.check_every:
            return True
        try:
            self._conn.execute("SELECT 1")
            self._checked = time.monotonic()
            return True
        except psycopg.Error as exc:
            log.warning("leader lock %s lost (%s): this replica stops relaying", self.name, exc)
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # the session's advisory locks go with it
            except psycopg.Error:
                pass
            self._conn = None


def leadership(settings: Settings, service: str, topic: str) -> Leadership:
    """Who relays `service`'s store to `topic`: an advisory lock in its PostgreSQL database."""
    if settings.persistence != "postgres":
        return Leadership()
    return AdvisoryLock(settings.pg_dsn(service), f"relais-relay:{settings.database(service)}:{topic}")
