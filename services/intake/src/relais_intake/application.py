"""The intake application: the commands counselors give, and the dossier as they read it.

Synchronous, like the eventsourcing library it builds on: the HTTP layer calls it from worker
threads. Each command loads the dossier, lets the aggregate check its rules, saves the new
events (the outbox relay publishes them), and answers what api.md promises.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from relais_contracts.events import intake as contract
from relais_runtime.eventstore import Answer, RelaisApplication
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.projection import SqlView
from relais_runtime.settings import Settings
from relais_runtime.sql import dialect_of, engine_for
from sqlalchemy import Connection, delete, insert, select, update

from relais_intake.commands import (
    CancelRequest,
    CloseRequest,
    DossierEventRequest,
    EraseRequest,
    ReopenRequest,
    UpdateRequest,
    WelcomeRequest,
)
from relais_intake.domain import Dossier
from relais_intake.personal import (
    PERSONAL_FIELDS,
    BlindIndex,
    PersonalData,
    PersonalDataVault,
    directory,
    move_keys_to_vault,
    search_cards,
)
from relais_intake.sessions import (
    Attendance,
    Session,
    SessionList,
    attendances,
    create_session_tables,
    recent_sessions,
)


@dataclass(frozen=True)
class Found:
    """A young person a search found: what the list of results shows."""

    jeune_id: uuid.UUID
    personal: PersonalData
    closed: bool


class IntakeApplication(RelaisApplication):
    def __init__(self, settings: Settings):
        super().__init__(settings, service="intake")
        # The keys and the name index live in a database of their own (personal.py).
        self.tables = engine_for(settings, "intake_vault")
        self.vault = PersonalDataVault(self.tables)
        # The other query tables (the sessions) beside the event store, as in every service.
        self.store_tables = engine_for(settings, "intake")
        move_keys_to_vault(self.store_tables, self.vault)
        create_session_tables(self.store_tables)
        self.session_list = self.follow(SessionList(SqlView(self.store_tables, SessionList.name)))
        index_key = hashlib.sha256(b"relais-search\x00" + settings.index_secret.encode()).digest()
        self.index = BlindIndex(index_key)
        # Named after the key: a new index secret starts a new view, which rebuilds the whole
        # index from the event store (each dossier's rows replaced by tokens of the new key).
        # (v2: the search cards were added, #18; the index was rebuilt to fill them.)
        view = SqlView(self.tables, f"youth-directory-v2:{hashlib.sha256(index_key).hexdigest()[:12]}")
        self.directory = self.follow(NameIndex(view, self.vault, self.index))

    # --- commands -------------------------------------------------------------------------

    def welcome(self, ctx: CommandContext, command: WelcomeRequest) -> Answer:
        personal = PersonalData(**command.model_dump(include=PERSONAL_FIELDS))
        keys: dict[uuid.UUID, bytes] = {}  # the new dossier's key, made once for the command

        def key(jeune_id: uuid.UUID) -> bytes:
            if jeune_id not in keys:
                keys[jeune_id] = self.vault.key_or_new(jeune_id)
            return keys[jeune_id]

        if ctx.request_hash is not None:  # the new dossier's id is known: it comes from the key
            new_id = ctx.new_id("dossier")
            ctx = ctx.with_secret_part(self.vault.digest(new_id, personal.model_dump(mode="json"), key(new_id)))

        def build(jeune_id: uuid.UUID) -> list[Dossier]:
            return [
                Dossier.welcome(
                    ctx,
                    contract.FirstWelcomeRecorded(
                        jeune_id=jeune_id,
                        nature=command.nature,
                        mode=command.mode,
                        site=command.site,
                        referral_source=command.referral_source,
                        requests=list(command.requests),
                        profile=contract.Profile.model_validate(
                            {**command.profile.model_dump(), "birth_month": personal.birth_date.strftime("%Y-%m")}
                        ),
                    ),
                    birth_date=personal.birth_date,
                    occurred_at=command.occurred_at,
                    sealed_personal_data=self.vault.seal(jeune_id, personal, key(jeune_id)),
                )
            ]

        return self.create(ctx, "dossier", build)

    def update(self, ctx: CommandContext, jeune_id: uuid.UUID, command: UpdateRequest) -> Answer:
        """Only the fields the command sets change; a field left out stays as it is."""
        personal_changes = command.model_dump(include=PERSONAL_FIELDS, exclude_unset=True)
        profile = command.profile.model_dump(exclude_unset=True) if command.profile else {}
        dossier = self.dossier(ctx.ml_id, jeune_id)
        if personal_changes and ctx.request_hash is not None and self.vault.is_kept(dossier.id):
            ctx = ctx.with_secret_part(self.vault.digest(dossier.id, personal_changes))

        def action() -> None:
            sealed = None
            if personal_changes:
                current = self.vault.open(dossier.id, dossier.sealed_personal_data)
                if current is None:
                    raise DomainRuleBroken(
                        "Les données personnelles de ce jeune ont été effacées.", rule="personal-data-erased"
                    )
                changed = PersonalData.model_validate({**current.model_dump(), **personal_changes})
                sealed = self.vault.seal(dossier.id, changed)
            coarse = dict(profile)
            if "birth_date" in personal_changes:
                coarse["birth_month"] = personal_changes["birth_date"].strftime("%Y-%m")
            dossier.update_profile(ctx, occurred_at=command.occurred_at, profile=coarse, sealed_personal_data=sealed)

        return self.execute(ctx, dossier, action)

    def record_event(self, ctx: CommandContext, jeune_id: uuid.UUID, command: DossierEventRequest) -> Answer:
        dossier = self.dossier(ctx.ml_id, jeune_id)
        return self.execute(
            ctx,
            dossier,
            lambda: dossier.record_event(
                ctx,
                contract.DossierEventRecorded(
                    jeune_id=jeune_id,
                    nature=command.nature,
                    mode=command.mode,
                    themes=list(command.themes),
                    session_id=command.session_id,
                    duration_minutes=command.duration_minutes,
                ),
                occurred_at=command.occurred_at,
            ),
            answer_event=True,
        )

    def cancel_event(
        self, ctx: CommandContext, jeune_id: uuid.UUID, event_id: uuid.UUID, command: CancelRequest
    ) -> Answer:
        dossier = self.dossier(ctx.ml_id, jeune_id)
        return self.execute(
            ctx, dossier, lambda: dossier.cancel_event(ctx, event_id=event_id, reason=command.reason), answer_event=True
        )

    def close_dossier(self, ctx: CommandContext, jeune_id: uuid.UUID, command: CloseRequest) -> Answer:
        dossier = self.dossier(ctx.ml_id, jeune_id)
        return self.execute(
            ctx, dossier, lambda: dossier.close(ctx, occurred_at=command.occurred_at, reason=command.reason)
        )

    def reopen_dossier(self, ctx: CommandContext, jeune_id: uuid.UUID, command: ReopenRequest) -> Answer:
        dossier = self.dossier(ctx.ml_id, jeune_id)
        return self.execute(ctx, dossier, lambda: dossier.reopen(ctx, occurred_at=command.occurred_at))

    def erase_personal_data(self, ctx: CommandContext, jeune_id: uuid.UUID, command: EraseRequest) -> Answer:
        dossier = self.dossier(ctx.ml_id, jeune_id)

        def action() -> None:
            dossier.erase_personal_data(ctx, reason=command.reason)  # the rules first: nothing erased if refused
            # Then the key and the name index, before the event commits: a crash in between
            # leaves the data erased and the command to retry, never the reverse.
            self.vault.erase(dossier.id)

        return self.execute(ctx, dossier, action, answer_event=True)

    # --- queries --------------------------------------------------------------------------

    def dossier(self, ml_id: str, jeune_id: uuid.UUID) -> Dossier:
        return self.load(jeune_id, ml_id, Dossier, "Dossier de jeune")

    def personal_data(self, dossier: Dossier) -> PersonalData | None:
        return self.vault.open(dossier.id, dossier.sealed_personal_data)

    def sessions(self, ml_id: str, since: datetime) -> list[Session]:
        """The collective sessions of this Mission Locale attended since `since` (sessions.py)."""
        self.session_list.catch_up()
        return recent_sessions(self.store_tables, ml_id, since)

    def session(
        self, ml_id: str, session_id: uuid.UUID
    ) -> tuple[Session | None, list[tuple[Attendance, Found | None]]]:
        """A session and its attendees, each with their card (None once their data is erased)."""
        self.session_list.catch_up()
        session, present = attendances(self.store_tables, ml_id, session_id)
        self.directory.catch_up()
        with self.tables.connect() as conn:
            cards = self._found(conn, ml_id, [a.jeune_id for a in present])
        return session, [(a, cards.get(a.jeune_id)) for a in present]

    def search(self, ml_id: str, query: str, limit: int = 20) -> list[Found]:
        """Young people of this Mission Locale whose names start with every word of `query`, by
        name. One query for the matches, one for their cards, one for their keys: a common
        surname in a Mission Locale of thousands is read in milliseconds, never dossier by
        dossier."""
        tokens = self.index.query_tokens(ml_id, query)
        if not tokens:
            return []
        self.directory.catch_up()
        with self.tables.connect() as conn:
            matches = select(directory.c.jeune_id).where(directory.c.ml_id == ml_id, directory.c.token == tokens[0])
            for token in tokens[1:]:
                matches = matches.intersect(
                    select(directory.c.jeune_id).where(directory.c.ml_id == ml_id, directory.c.token == token)
                )
            found = list(self._found(conn, ml_id, matches).values())
        found.sort(key=lambda f: (f.personal.last_name.lower(), f.personal.first_name.lower(), str(f.jeune_id)))
        return found[:limit]

    def _found(self, conn: Connection, ml_id: str, jeune_ids: Any) -> dict[uuid.UUID, Found]:
        """The search cards of these young people of this Mission Locale (a list, or a query that
        selects their ids), opened with their keys: one query each, never dossier by dossier."""
        cards = conn.execute(
            select(search_cards).where(search_cards.c.ml_id == ml_id, search_cards.c.jeune_id.in_(jeune_ids))
        ).all()
        keys = self.vault.keys_of([c.jeune_id for c in cards], conn)
        return {
            c.jeune_id: Found(c.jeune_id, self.vault.open_with(c.jeune_id, c.sealed, keys[c.jeune_id]), c.closed)
            for c in cards
            if c.jeune_id in keys  # erased meanwhile
        }


class NameIndex(Projection[SqlView]):
    """The blind name index (`directory`) and the search cards, in step with the dossiers' sealed
    personal data and their status."""

    # Only these events are read (`Follows.catch_up`): those with sealed personal data, and
    # those that change whether a dossier is open.
    topics = tuple(
        get_topic(e)
        for e in (Dossier.FirstWelcomeRecorded, Dossier.ProfileUpdated, Dossier.DossierClosed, Dossier.DossierReopened)
    )

    def __init__(self, view: SqlView, vault: PersonalDataVault, index: BlindIndex):
        super().__init__(view)
        self.vault = vault
        self.index = index

    def process_event(self, event: object, tracking: Tracking) -> None:
        self.process_batch([(event, tracking)])

    def process_batch(self, events: list[tuple[object, Tracking]]) -> None:
        """A batch in five statements: each young person's latest sealed data and status win."""
        sealed: dict[uuid.UUID, tuple[str, str]] = {}  # jeune_id → (ml_id, sealed personal data)
        closed: dict[uuid.UUID, bool] = {}
        for event, _ in events:
            if isinstance(event, Dossier.FirstWelcomeRecorded | Dossier.ProfileUpdated):
                if event.sealed_personal_data is not None:
                    sealed[event.originator_id] = (event.ml_id, event.sealed_personal_data)
            elif isinstance(event, Dossier.DossierClosed | Dossier.DossierReopened):
                closed[event.originator_id] = isinstance(event, Dossier.DossierClosed)
        conn = self.view.connection
        if sealed:
            ids = list(sealed)
            conn.execute(delete(directory).where(directory.c.jeune_id.in_(ids)))
            keys = self.vault.keys_of(ids, conn)
            erased = [j for j in ids if j not in keys]  # no row may bring an erased person back
            if erased:
                conn.execute(delete(search_cards).where(search_cards.c.jeune_id.in_(erased)))
            tokens, cards = [], []
            for jeune_id, key in keys.items():
                ml_id, data = sealed[jeune_id]
                personal = self.vault.open_with(jeune_id, data, key)
                tokens += [
                    {"ml_id": ml_id, "token": t, "jeune_id": jeune_id} for t in self.index.tokens_of(ml_id, personal)
                ]
                cards.append({"jeune_id": jeune_id, "ml_id": ml_id, "sealed": data, "closed": False})
            if tokens:
                conn.execute(insert(directory), tokens)
            if cards:
                upsert = dialect_of(conn).insert(search_cards)
                conn.execute(
                    upsert.on_conflict_do_update(index_elements=["jeune_id"], set_={"sealed": upsert.excluded.sealed}),
                    cards,
                )
        for value in (True, False):
            ids = [j for j, c in closed.items() if c is value]
            if ids:
                conn.execute(update(search_cards).where(search_cards.c.jeune_id.in_(ids)).values(closed=value))
