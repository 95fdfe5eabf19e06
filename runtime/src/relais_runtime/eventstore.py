"""The `eventsourcing` application every write service builds on.

Infrastructure is chosen by settings (PostgreSQL, SQLite or memory), as the eventsourcing
examples do, and a `date` transcoding is registered since the contracts are full of them.
"""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Transcoder, Transcoding

from relais_runtime.settings import Settings


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def eventsourcing_env(settings: Settings, service: str) -> dict[str, str]:
    """The eventsourcing environment variables for one service's event store."""
    env: dict[str, str]
    if settings.persistence == "postgres":
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": settings.database(service),
            "POSTGRES_HOST": settings.pg_host,
            "POSTGRES_PORT": str(settings.pg_port),
            "POSTGRES_USER": settings.pg_user,
            "POSTGRES_PASSWORD": settings.pg_password,
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "5",
            "CREATE_TABLE": "y",
        }
    elif settings.persistence == "sqlite":
        settings.sqlite_dir.mkdir(parents=True, exist_ok=True)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.sqlite_dir / f"{service}.sqlite3"),
            "CREATE_TABLE": "y",
        }
    else:
        env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if settings.cipher_key:
        env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key
    return env


class RelaisApplication(Application[Any]):
    """Base of each service's application: wiring only, no domain."""

    def __init__(self, settings: Settings, service: str):
        self.service = service
        self.commit_listeners: list[Callable[[], None]] = []
        super().__init__(env=eventsourcing_env(settings, service))

    def _notify(self, recordings: Sequence[Any]) -> None:
        """After every commit: wake whoever follows the log (the relay publishes at once
        instead of at its next poll)."""
        super()._notify(recordings)
        for listener in self.commit_listeners:
            listener()

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
