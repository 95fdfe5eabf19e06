"""The dossier of a young person: an event-sourced aggregate and its rules.

Free of infrastructure: it records facts and refuses what breaks a rule with a
`DomainRuleBroken` whose `rule` names it. Personal data reaches it already sealed (see
`personal.py`): the aggregate never holds a name in clear.
"""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from eventsourcing.domain import Aggregate
from relais_contracts import event_id_for
from relais_contracts.events import intake as contract
from relais_runtime.kernel.calendar import age_on, paris_date
from relais_runtime.kernel.commands import CommandContext, RemembersCommands
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.kernel.events import CommandEvent
from relais_runtime.kernel.youth import MAX_AGE, MAX_AGE_RQTH, MIN_AGE

# A counselor's clock and the server's may differ a little; beyond this, it is the future.
CLOCK_TOLERANCE = timedelta(minutes=5)


class Dossier(Aggregate, RemembersCommands):
    """One young person's dossier (`id` = `jeune_id`)."""

    class Event(CommandEvent):
        stream_field = "jeune_id"

        def apply(self, dossier: "Dossier") -> None:
            dossier.timeline.append(self)
            super().apply(dossier)

    class FirstWelcomeRecorded(Event, Aggregate.Created):
        payload: contract.FirstWelcomeRecorded
        sealed_personal_data: str  # never published: not a field of the contract

        def change(self, dossier: "Dossier") -> None:
            dossier.ml_id = self.ml_id
            dossier.welcomed_at = self.occurred_at
            dossier.profile = self.payload.profile.model_dump()
            dossier.sealed_personal_data = self.sealed_personal_data

    class ProfileUpdated(Event):
        payload: contract.ProfileUpdated
        sealed_personal_data: str | None

        def change(self, dossier: "Dossier") -> None:
            dossier.profile.update(self.payload.profile.model_dump())
            if self.sealed_personal_data is not None:
                dossier.sealed_personal_data = self.sealed_personal_data

    class DossierEventRecorded(Event):
        payload: contract.DossierEventRecorded

        def change(self, dossier: "Dossier") -> None:
            dossier.recorded_events[event_id_for("intake", dossier.id, self.originator_version)] = False

    class DossierEventCancelled(Event):
        payload: contract.DossierEventCancelled

        def change(self, dossier: "Dossier") -> None:
            dossier.recorded_events[self.payload.cancelled_event_id] = True

    class DossierClosed(Event):
        """The young person is no longer followed; nothing but a reopening is recorded after."""

        payload: contract.DossierClosed

        def change(self, dossier: "Dossier") -> None:
            dossier.closed = True

    class DossierReopened(Event):
        """A closed dossier followed again (not once its personal data is erased: a new first
        welcome opens a new dossier then)."""

        payload: contract.DossierReopened

        def change(self, dossier: "Dossier") -> None:
            dossier.closed = False

    class PersonalDataErased(Event):
        """Who erased the young person's personal data, when and why. It stays in intake: the
        other services never had that data, and the figures do not change."""

        reason: str

        def change(self, dossier: "Dossier") -> None:
            dossier.sealed_personal_data = ""
            dossier.erased = True

    def __init__(self) -> None:
        self.ml_id = ""
        self.welcomed_at: datetime | None = None
        self.profile: dict[str, Any] = {}
        self.sealed_personal_data = ""
        self.recorded_events: dict[uuid.UUID, bool] = {}  # event_id → cancelled
        self.closed = False
        self.erased = False
        self.timeline: list[Dossier.Event] = []
        self.commands = {}

    # --- commands -------------------------------------------------------------------------

    @classmethod
    def welcome(
        cls,
        ctx: CommandContext,
        welcomed: contract.FirstWelcomeRecorded,
        *,
        birth_date: date,
        occurred_at: datetime | None,
        sealed_personal_data: str,
    ) -> "Dossier":
        """A new dossier (`id` = `welcomed.jeune_id`; its profile's `birth_month` is `birth_date`'s,
        which stays sealed with the rest of the personal data)."""
        when = occurred_at or ctx.now
        _not_in_future(when, ctx)
        age = age_on(birth_date, paris_date(when))
        limit = MAX_AGE_RQTH if welcomed.profile.rqth else MAX_AGE
        if not MIN_AGE <= age <= limit:
            raise DomainRuleBroken(
                f"Un premier accueil concerne un jeune de {MIN_AGE} à {MAX_AGE} ans "
                f"({MAX_AGE_RQTH} ans avec une RQTH) ; ce jeune a {age} ans à cette date.",
                rule="age-out-of-range",
            )
        return cls._create(
            cls.FirstWelcomeRecorded,
            id=welcomed.jeune_id,
            **ctx.metadata(when),
            payload=welcomed,
            sealed_personal_data=sealed_personal_data,
        )

    def update_profile(
        self,
        ctx: CommandContext,
        *,
        occurred_at: datetime | None,
        profile: dict[str, Any],
        sealed_personal_data: str | None,
    ) -> None:
        when = self._check_open_and_dated(ctx, occurred_at)
        changed = {k: v for k, v in profile.items() if self.profile.get(k) != v}
        if not changed and sealed_personal_data is None:
            raise DomainRuleBroken("Cette mise à jour ne change rien au dossier.", rule="nothing-to-update")
        payload = contract.ProfileUpdated(jeune_id=self.id, profile=contract.ProfileChange.model_validate(changed))
        self.trigger_event(
            self.ProfileUpdated, **ctx.metadata(when), payload=payload, sealed_personal_data=sealed_personal_data
        )

    def record_event(
        self, ctx: CommandContext, recorded: contract.DossierEventRecorded, *, occurred_at: datetime | None
    ) -> None:
        """An interview, a workshop, a call... in this dossier (`recorded.jeune_id` is its id)."""
        when = self._check_open_and_dated(ctx, occurred_at)
        self.trigger_event(self.DossierEventRecorded, **ctx.metadata(when), payload=recorded)

    def cancel_event(self, ctx: CommandContext, *, event_id: uuid.UUID, reason: contract.CancelReason) -> None:
        self._check_open()
        cancelled = self.recorded_events.get(event_id)
        if cancelled is None:
            raise DomainRuleBroken(
                "L'événement à annuler n'existe pas dans ce dossier.", rule="cancelled-event-unknown"
            )
        if cancelled:
            raise DomainRuleBroken("Cet événement est déjà annulé.", rule="event-already-cancelled")
        payload = contract.DossierEventCancelled(jeune_id=self.id, cancelled_event_id=event_id, reason=reason)
        self.trigger_event(self.DossierEventCancelled, **ctx.metadata(None), payload=payload)

    def close(self, ctx: CommandContext, *, occurred_at: datetime | None, reason: contract.CloseReason) -> None:
        when = self._check_open_and_dated(ctx, occurred_at)
        payload = contract.DossierClosed(jeune_id=self.id, reason=reason)
        self.trigger_event(self.DossierClosed, **ctx.metadata(when), payload=payload)

    def reopen(self, ctx: CommandContext, *, occurred_at: datetime | None) -> None:
        if not self.closed:
            raise DomainRuleBroken("Ce dossier n'est pas clos.", rule="dossier-not-closed")
        if self.erased:
            raise DomainRuleBroken(
                "Les données personnelles de ce dossier sont effacées : un nouveau premier accueil "
                "ouvre un nouveau dossier.",
                rule="personal-data-erased",
            )
        when = occurred_at or ctx.now
        self._check_dated(ctx, when)
        payload = contract.DossierReopened(jeune_id=self.id)
        self.trigger_event(self.DossierReopened, **ctx.metadata(when), payload=payload)

    def erase_personal_data(self, ctx: CommandContext, *, reason: str) -> None:
        """Right to erasure (RGPD art. 17) or the end of the retention period: on a closed dossier,
        once. The pseudonymous events stay, so every published figure stays true."""
        if not self.closed:
            raise DomainRuleBroken(
                "Clore le dossier avant d'effacer les données personnelles du jeune.", rule="dossier-not-closed"
            )
        if self.erased:
            raise DomainRuleBroken(
                "Les données personnelles de ce dossier sont déjà effacées.", rule="personal-data-already-erased"
            )
        self.trigger_event(self.PersonalDataErased, **ctx.metadata(None), reason=reason)

    # --- rules ----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.closed:
            raise DomainRuleBroken("Ce dossier est clos : seule sa réouverture est possible.", rule="dossier-closed")

    def _check_dated(self, ctx: CommandContext, when: datetime) -> None:
        _not_in_future(when, ctx)
        if self.welcomed_at is not None and when < self.welcomed_at:
            raise DomainRuleBroken(
                "La date de l'événement précède le premier accueil du jeune.",
                rule="occurred-before-first-welcome",
            )

    def _check_open_and_dated(self, ctx: CommandContext, occurred_at: datetime | None) -> datetime:
        self._check_open()
        when = occurred_at or ctx.now
        self._check_dated(ctx, when)
        return when


def _not_in_future(when: datetime, ctx: CommandContext) -> None:
    if when > ctx.now + CLOCK_TOLERANCE:
        raise DomainRuleBroken("La date de l'événement est dans le futur.", rule="occurred-in-future")
