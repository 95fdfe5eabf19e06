"""The `eventsourcing` application every write service builds on.

Infrastructure is chosen by settings (PostgreSQL, SQLite or memory), as the eventsourcing
examples do. A `date` transcoding is registered since the contracts are full of them, and one per
payload model of the catalogue, since every published domain event holds its contract's payload.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording, Transcoder, Transcoding
from eventsourcing.projection import Projection
from pydantic import ValidationError
from relais_contracts import PAYLOAD_TYPES, event_id_for

from relais_runtime.group_commit import GroupCommit
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.errors import Conflict, DomainRuleBroken, NotFound
from relais_runtime.kernel.events import PayloadTranscoding, UnpublishableEvent, publishable
from relais_runtime.projection import Follows, SqlView
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


def not_publishable(exc: UnpublishableEvent) -> DomainRuleBroken:
    return DomainRuleBroken(
        f"Cette commande produirait un événement impubliable ({exc.field or 'taille'} : {exc.message}) ; "
        "rien n'a été enregistré.",
        rule="event-not-publishable",
        errors=[{"field": exc.field, "message": exc.message}],
    )


def _building(step: Callable[..., Any], *args: Any) -> Any:
    """Run a command's domain step; a payload its contract refuses refuses the command (422)."""
    try:
        return step(*args)
    except ValidationError as exc:
        raise not_publishable(UnpublishableEvent.from_validation(exc, "payload.")) from None


@dataclass(frozen=True)
class Answer:
    """What a command answers (api.md): the id it created or touched, its event, its position."""

    id: uuid.UUID
    event_id: uuid.UUID
    stream_position: int


class RelaisApplication(Application[Any]):
    """Base of each service's application: wiring, and the one way commands are run."""

    def __init__(self, settings: Settings, service: str):
        self.service = service
        self.commit_listeners: list[Callable[[], None]] = []
        self.views: list[Follows] = []  # the service's query tables, kept up to date from the log
        super().__init__(env=eventsourcing_env(settings, service))
        # Commands committing at the same moment share one transaction (group_commit.py).
        self.group_commit = GroupCommit(self.events.put) if settings.group_commit else None

    def _notify(self, recordings: Sequence[Any]) -> None:
        """After every commit: wake whoever follows the log (the relay publishes at once
        instead of at its next poll)."""
        super()._notify(recordings)
        for listener in self.commit_listeners:
            listener()

    def _record(self, processing_event: ProcessingEvent[Any]) -> list[Recording[Any]]:
        """Every commit passes here: an event whose envelope would not publish (contract broken,
        too large) refuses the command before anything is recorded, instead of blocking the
        relay after the commit."""
        for event in processing_event.events:
            try:
                publishable(event)
            except UnpublishableEvent as exc:
                raise not_publishable(exc) from None
        plain = processing_event.tracking is None and not processing_event.saved_kwargs and not self.repository.cache
        if self.group_commit is not None and plain:
            return self.group_commit(processing_event.events)
        return super()._record(processing_event)

    def follow(self, projection: Projection[SqlView]) -> Follows:
        """A query table of this service, read by `Follows.catch_up` before each read and kept up
        to date in the background after each commit (`service.keep_views_up_to_date`)."""
        follows = Follows(self, projection)
        self.views.append(follows)
        return follows

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for model in PAYLOAD_TYPES.values():
            transcoder.register(PayloadTranscoding(model))

    # --- running commands (every service the same way) -------------------------------------

    def load(self, aggregate_id: uuid.UUID, ml_id: str, kind: type[Aggregate], what: str) -> Any:
        """The aggregate if it exists in this Mission Locale; another's is simply not found."""
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, kind) or getattr(aggregate, "ml_id", None) != ml_id:
            raise NotFound(f"{what} introuvable dans cette Mission Locale.")
        return aggregate

    def create(self, ctx: CommandContext, kind: str, build: Callable[[uuid.UUID], Sequence[Aggregate]]) -> Answer:
        """Create an aggregate (the first of what `build` returns) with an id derived from the
        idempotency key, so that a retried creation answers what the first one did. The store is
        not asked first whether it exists: a retry is rare, and its save meets the first one."""
        new_id = ctx.new_id(kind)
        aggregates = _building(build, new_id)
        try:
            self.save(*aggregates)
        except IntegrityError:
            if earlier := self._earlier_creation(new_id, ctx):
                return earlier
            raise self._conflict() from None
        created = aggregates[0]
        return Answer(created.id, event_id_for(self.service, created.id, created.version), created.version)

    def execute(
        self,
        ctx: CommandContext,
        aggregate: Any,
        action: Callable[[], Any],
        *also: Aggregate,
        answer_event: bool = False,
    ) -> Answer:
        """Run `action` on a loaded aggregate (which remembers its commands) and save it, with
        `also` in the same transaction. The answer's id is the aggregate's, or with
        `answer_event` the new event's (a dossier event, an allowance request...)."""
        version = aggregate.earlier_answer(ctx)
        if version is None:
            _building(action)
            try:
                self.save(aggregate, *also)
            except IntegrityError:
                raise self._conflict() from None
            version = aggregate.version
        event_id = event_id_for(self.service, aggregate.id, version)
        return Answer(event_id if answer_event else aggregate.id, event_id, version)

    def _earlier_creation(self, new_id: uuid.UUID, ctx: CommandContext) -> Answer | None:
        if ctx.idempotency_key is None:
            return None
        try:
            existing = self.repository.get(new_id)
        except AggregateNotFoundError:
            return None
        first = getattr(existing, "commands", {}).get(ctx.idempotency_key)
        if first is None or first[0] != ctx.request_hash:
            raise Conflict(
                "Cette clé d'idempotence a déjà servi pour une autre requête.", rule="idempotency-key-reused"
            )
        return Answer(existing.id, event_id_for(self.service, existing.id, first[1]), first[1])

    @staticmethod
    def _conflict() -> Conflict:
        return Conflict(
            "Ces données ont été modifiées en même temps par une autre action ; rechargez-les et recommencez.",
            rule="concurrent-update",
        )
