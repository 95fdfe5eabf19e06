"""The intake application: the commands counselors give, and the dossier as they read it.

Synchronous, like the eventsourcing library it builds on: the HTTP layer calls it from worker
threads. Each command loads the dossier, lets the aggregate check its rules, saves the new
events (the outbox relay publishes them), and answers what api.md promises.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from sqlalchemy import Connection, delete, insert, select

from relais_contracts import event_id_for
from relais_runtime.commands import CommandContext
from relais_runtime.errors import Conflict, NotFound
from relais_runtime.eventstore import RelaisApplication
from relais_runtime.follower import LogFollower
from relais_runtime.settings import Settings
from relais_runtime.sql import engine_for
from relais_intake.domain import Dossier
from relais_intake.personal import BlindIndex, PersonalData, PersonalDataVault, directory


@dataclass(frozen=True)
class Answer:
    """What a command answers (api.md): the id it created or touched, its event, its position."""

    id: uuid.UUID
    event_id: uuid.UUID
    stream_position: int


class IntakeApplication(RelaisApplication):
    def __init__(self, settings: Settings):
        super().__init__(settings, service="intake")
        self.tables = engine_for(settings, "intake")
        self.vault = PersonalDataVault(self.tables)
        index_key = (settings.cipher_key or settings.jwt_secret).encode()
        self.index = BlindIndex(hashlib.sha256(b"relais-search\x00" + index_key).digest())
        self.directory = LogFollower(self, self.tables, "youth-directory", self._index_names)

    # --- commands -------------------------------------------------------------------------

    def welcome(
        self, ctx: CommandContext, personal: PersonalData, *, occurred_at: datetime | None,
        site: str, referral_source: str, requests: list[str], profile: dict[str, Any],
    ) -> Answer:
        jeune_id = ctx.new_id("dossier")
        earlier = self._earlier_creation(jeune_id, ctx)
        if earlier:
            return earlier
        dossier = Dossier.welcome(
            jeune_id, ctx, birth_date=personal.birth_date, occurred_at=occurred_at, site=site,
            referral_source=referral_source, requests=requests, profile=profile,
            sealed_personal_data=self.vault.seal(jeune_id, personal),
        )
        try:
            self.save(dossier)
        except IntegrityError:
            # The same idempotency key raced us: answer what the first one recorded.
            if earlier := self._earlier_creation(jeune_id, ctx):
                return earlier
            raise
        return self._answered(dossier, dossier.id)

    def update(
        self, ctx: CommandContext, jeune_id: uuid.UUID, *, occurred_at: datetime | None,
        profile: dict[str, Any], personal_changes: dict[str, Any],
    ) -> Answer:
        def command(dossier: Dossier) -> uuid.UUID:
            sealed = None
            if personal_changes:
                current = self.vault.open(dossier.id, dossier.sealed_personal_data)
                if current is None:
                    raise Conflict("Les données personnelles de ce jeune ont été effacées.", rule="personal-data-erased")
                changed = current.model_copy(update=personal_changes)
                sealed = self.vault.seal(dossier.id, PersonalData.model_validate(changed.model_dump()))
            coarse = dict(profile)
            if "birth_date" in personal_changes:
                coarse["birth_month"] = personal_changes["birth_date"].strftime("%Y-%m")
            dossier.update_profile(ctx, occurred_at=occurred_at, profile=coarse, sealed_personal_data=sealed)
            return dossier.id

        return self._command(ctx, jeune_id, command)

    def record_event(self, ctx: CommandContext, jeune_id: uuid.UUID, **fields: Any) -> Answer:
        def command(dossier: Dossier) -> uuid.UUID:
            dossier.record_event(ctx, **fields)
            return event_id_for(dossier.id, dossier.version)

        return self._command(ctx, jeune_id, command, answer_event_id=True)

    def cancel_event(self, ctx: CommandContext, jeune_id: uuid.UUID, event_id: uuid.UUID, reason: str) -> Answer:
        def command(dossier: Dossier) -> uuid.UUID:
            dossier.cancel_event(ctx, event_id=event_id, reason=reason)
            return event_id_for(dossier.id, dossier.version)

        return self._command(ctx, jeune_id, command, answer_event_id=True)

    def close_dossier(self, ctx: CommandContext, jeune_id: uuid.UUID, *, occurred_at: datetime | None, reason: str) -> Answer:
        def command(dossier: Dossier) -> uuid.UUID:
            dossier.close(ctx, occurred_at=occurred_at, reason=reason)
            return dossier.id

        return self._command(ctx, jeune_id, command)

    def reopen_dossier(self, ctx: CommandContext, jeune_id: uuid.UUID, *, occurred_at: datetime | None) -> Answer:
        def command(dossier: Dossier) -> uuid.UUID:
            dossier.reopen(ctx, occurred_at=occurred_at)
            return dossier.id

        return self._command(ctx, jeune_id, command)

    # --- queries --------------------------------------------------------------------------

    def dossier(self, ml_id: str, jeune_id: uuid.UUID) -> Dossier:
        """The dossier, if it exists in this Mission Locale (another's is simply not found)."""
        try:
            dossier: Dossier = self.repository.get(jeune_id)
        except AggregateNotFoundError:
            dossier = None  # type: ignore[assignment]
        if dossier is None or dossier.ml_id != ml_id:
            raise NotFound("Aucun dossier de jeune avec cet identifiant dans cette Mission Locale.")
        return dossier

    def personal_data(self, dossier: Dossier) -> PersonalData | None:
        return self.vault.open(dossier.id, dossier.sealed_personal_data)

    def search(self, ml_id: str, query: str, limit: int = 20) -> list[tuple[Dossier, PersonalData]]:
        """Dossiers of this Mission Locale whose names start with every word of `query`."""
        tokens = self.index.query_tokens(ml_id, query)
        if not tokens:
            return []
        self.directory.catch_up()
        with self.tables.connect() as conn:
            matches: set[uuid.UUID] | None = None
            for token in tokens:
                found = set(conn.execute(
                    select(directory.c.jeune_id).where(directory.c.ml_id == ml_id, directory.c.token == token)
                ).scalars())
                matches = found if matches is None else matches & found
        results = []
        for jeune_id in sorted(matches or ()):
            dossier = self.dossier(ml_id, jeune_id)
            personal = self.personal_data(dossier)
            if personal is not None:
                results.append((dossier, personal))
        results.sort(key=lambda r: (r[1].last_name.lower(), r[1].first_name.lower()))
        return results[:limit]

    # --- plumbing -------------------------------------------------------------------------

    def _command(self, ctx: CommandContext, jeune_id: uuid.UUID, command, answer_event_id: bool = False) -> Answer:
        dossier = self.dossier(ctx.ml_id, jeune_id)
        version = dossier.earlier_answer(ctx)
        if version is not None:
            event_id = event_id_for(dossier.id, version)
            return Answer(event_id if answer_event_id else dossier.id, event_id, version)
        answer_id = command(dossier)
        try:
            self.save(dossier)
        except IntegrityError:
            raise Conflict(
                "Le dossier a été modifié en même temps par une autre action ; rechargez-le et recommencez.",
                rule="concurrent-update",
            ) from None
        return self._answered(dossier, answer_id)

    def _answered(self, dossier: Dossier, answer_id: uuid.UUID) -> Answer:
        self.directory.catch_up()
        return Answer(answer_id, event_id_for(dossier.id, dossier.version), dossier.version)

    def _earlier_creation(self, jeune_id: uuid.UUID, ctx: CommandContext) -> Answer | None:
        if ctx.idempotency_key is None:
            return None
        try:
            dossier: Dossier = self.repository.get(jeune_id)
        except AggregateNotFoundError:
            return None
        version = dossier.earlier_answer(ctx)
        if version is None:
            raise Conflict("Cette clé d'idempotence a déjà servi.", rule="idempotency-key-reused")
        return Answer(dossier.id, event_id_for(dossier.id, version), version)

    def _index_names(self, conn: Connection, event: object) -> None:
        """Keep the blind name index in step with the dossiers (run by `self.directory`)."""
        sealed = getattr(event, "sealed_personal_data", None)
        if not isinstance(event, Dossier.Event) or sealed is None:
            return
        jeune_id = event.originator_id
        conn.execute(delete(directory).where(directory.c.jeune_id == jeune_id))
        personal = self.vault.open(jeune_id, sealed, conn)
        if personal is None:
            return
        rows = [{"ml_id": event.ml_id, "token": t, "jeune_id": jeune_id} for t in self.index.tokens_of(event.ml_id, personal)]
        if rows:
            conn.execute(insert(directory), rows)
