"""The employment desk: employers, their offers and referrals, and every situation a young person
enters (contracts, PMSMP immersions, trainings, civic service) or ends.

Aggregates (eventsourcing, free of infrastructure): `Employer`, `Offer` (received → referrals →
closed), `Career` (the situations of one young person; its id is the `jeune_id`) and
`RecruitmentSession`.

Rules and their sources (each refusal is a `DomainRuleBroken` whose `rule` is the problem type):
- An offer belongs to a registered employer of the same Mission Locale (`employer-unknown`,
  checked by the application with every other reference to another aggregate) and
  offers at least one position; a referral needs an open offer (`offer-closed`), a young person
  known to the service (`youth-unknown`) and is made once (`already-referred`); an outcome needs
  a referral (`not-referred`) and is recorded once (`outcome-already-recorded`); hires never
  exceed the offer's positions (`positions-filled`).
- Contracts: the end is not before the start (`end-before-start`); a CDI has no end, other
  fixed-term contracts have one (`cdi-has-no-end`, `end-date-required`).
- Apprenticeship (Code du travail L6222-1, L6222-7-1): 16 to 29 at the start, no upper limit
  with an RQTH (`apprenticeship-age`); 6 months to 3 years (`apprenticeship-duration`), 4 years
  for a young person with an RQTH (R6222-46). Concluded for an indefinite period (no end date),
  the duration is that of its apprenticeship period (L6222-7-1), which is not recorded here.
- Professionalisation contract (L6325-1, L6325-11, L6325-12): from 16 (`professionalisation-age`);
  6 to 12 months, up to 24 by agreement (L6325-12), up to 36 for a young person of 16 to 25 without
  a qualification (L6325-11 and L6325-1-1) (`professionalisation-duration`). On a CDI (no end
  date), the professionalisation action at its start (L6325-3, L6325-11) is not recorded here.
- PMSMP (L5135-1, D5135-3): one month at most from date to date (`pmsmp-duration`); with the same
  host, over any twelve consecutive months, two objectives at most, each convention renewed once
  at most, and sixty days in all whatever the objectives, renewals included (`pmsmp-host-limit`).
- Ages are decided in the young person's favour within the birth month (`YouthFacts`).
- A situation ends once (`situation-already-ended`), not before it began (`end-before-start`),
  and must exist (`situation-unknown`).
"""

import uuid
from datetime import date, datetime
from typing import ClassVar, assert_never

from eventsourcing.domain import Aggregate
from relais_contracts import event_id_for
from relais_contracts.events import employment as contract
from relais_runtime.kernel.calendar import add_months, last_day_of
from relais_runtime.kernel.commands import CommandContext, RemembersCommands
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.kernel.events import CommandEvent
from relais_runtime.kernel.youth import YouthFacts

# What a situation's start records; a `SituationEnded` ends one of them.
SituationStart = (
    contract.ContractSigned | contract.ImmersionStarted | contract.TrainingEntered | contract.CivicServiceStarted
)
# Alternance contracts may also be concluded for an indefinite period (L6222-7-1, L6325-3): no end then.
FIXED_TERM_WITH_END = {"CDD", "INTERIM", "SEASONAL"}


def broken(message: str, rule: str) -> DomainRuleBroken:
    return DomainRuleBroken(message, rule=rule)


class Employer(Aggregate, RemembersCommands):
    def __init__(self) -> None:
        self.ml_id = ""
        self.name = ""

    class Registered(CommandEvent, Aggregate.Created):
        stream_field = "employer_id"
        payload: contract.EmployerRegistered

        def change(self, employer: "Employer") -> None:
            employer.ml_id, employer.name = self.ml_id, self.payload.name

    @classmethod
    def register(
        cls,
        employer_id: uuid.UUID,
        ctx: CommandContext,
        *,
        occurred_at: datetime | None,
        name: str,
        sector: contract.RomeDomain,
        size_band: contract.SizeBand,
        commune_insee: str,
    ) -> "Employer":
        payload = contract.EmployerRegistered(
            employer_id=employer_id, name=name, sector=sector, size_band=size_band, commune_insee=commune_insee
        )
        return cls._create(cls.Registered, id=employer_id, **ctx.metadata(occurred_at), payload=payload)


class Offer(Aggregate, RemembersCommands):
    class Event(CommandEvent):
        stream_field: ClassVar[str | None] = "offer_id"

    class Received(Event, Aggregate.Created):
        payload: contract.JobOfferReceived

        def change(self, offer: "Offer") -> None:
            offer.ml_id, offer.employer_id, offer.positions = (
                self.ml_id,
                self.payload.employer_id,
                self.payload.positions,
            )

    class Referred(Event):
        payload: contract.CandidateReferred

        def change(self, offer: "Offer") -> None:
            offer.referrals[self.payload.jeune_id] = None
            offer.entries[self.payload.jeune_id] = [event_id_for("employment", offer.id, self.originator_version)]

    class OutcomeRecorded(Event):
        payload: contract.ReferralOutcomeRecorded

        def change(self, offer: "Offer") -> None:
            offer.referrals[self.payload.jeune_id] = self.payload.outcome
            offer.entries[self.payload.jeune_id].append(event_id_for("employment", offer.id, self.originator_version))

    class EntryCancelled(Event):
        """v2.md, E2: a referral or its outcome recorded by mistake (the latest first)."""

        stream_field = None  # its payload names the young person, not the offer
        payload: contract.EntryCancelled
        cancelled_outcome: str | None  # what the cancelled outcome was (internal); None: the referral

        def change(self, offer: "Offer") -> None:
            jeune = self.payload.jeune_id
            offer.entries[jeune].pop()
            if self.cancelled_outcome is None:
                del offer.referrals[jeune], offer.entries[jeune]
            else:
                offer.referrals[jeune] = None

    class Closed(Event):
        payload: contract.JobOfferClosed

        def change(self, offer: "Offer") -> None:
            offer.closed_as = self.payload.outcome

    def __init__(self) -> None:
        self.ml_id = ""
        self.employer_id: uuid.UUID | None = None
        self.positions = 0
        self.referrals: dict[uuid.UUID, str | None] = {}
        # Per young person: the event ids of the referral and, once recorded, of its outcome.
        self.entries: dict[uuid.UUID, list[uuid.UUID]] = {}
        self.closed_as: str | None = None

    @property
    def hires(self) -> int:
        return sum(1 for outcome in self.referrals.values() if outcome == "hired")

    @classmethod
    def receive(
        cls,
        offer_id: uuid.UUID,
        ctx: CommandContext,
        employer_id: uuid.UUID,
        *,
        occurred_at: datetime | None,
        sector: contract.RomeDomain,
        contract_type: contract.ContractType,
        positions: int,
        commune_insee: str,
    ) -> "Offer":
        """`employer_id`: an employer of this Mission Locale (the application checks it exists)."""
        payload = contract.JobOfferReceived(
            offer_id=offer_id,
            employer_id=employer_id,
            sector=sector,
            contract_type=contract_type,
            positions=positions,
            commune_insee=commune_insee,
        )
        return cls._create(cls.Received, id=offer_id, **ctx.metadata(occurred_at), payload=payload)

    def refer(self, ctx: CommandContext, youth: YouthFacts, *, occurred_at: datetime | None) -> None:
        if self.closed_as is not None:
            raise broken("Cette offre est close : plus de mise en relation possible.", "offer-closed")
        if youth.jeune_id in self.referrals:
            raise broken("Ce jeune a déjà été mis en relation sur cette offre.", "already-referred")
        payload = contract.CandidateReferred(offer_id=self.id, jeune_id=youth.jeune_id)
        self.trigger_event(self.Referred, **ctx.metadata(occurred_at), payload=payload)

    def record_outcome(
        self,
        ctx: CommandContext,
        jeune_id: uuid.UUID,
        *,
        outcome: contract.ReferralOutcome,
        occurred_at: datetime | None,
    ) -> None:
        if jeune_id not in self.referrals:
            raise broken("Ce jeune n'a pas été mis en relation sur cette offre.", "not-referred")
        if self.referrals[jeune_id] is not None:
            raise broken("Le résultat de cette mise en relation est déjà enregistré.", "outcome-already-recorded")
        if outcome == "hired" and self.hires >= self.positions:
            raise broken(f"Les {self.positions} poste(s) de cette offre sont déjà pourvus.", "positions-filled")
        payload = contract.ReferralOutcomeRecorded(offer_id=self.id, jeune_id=jeune_id, outcome=outcome)
        self.trigger_event(self.OutcomeRecorded, **ctx.metadata(occurred_at), payload=payload)

    def cancel_latest(
        self, ctx: CommandContext, jeune_id: uuid.UUID, *, reason: contract.CancelReason, occurred_at: datetime | None
    ) -> None:
        """Cancel the latest entry about this young person: the outcome if there is one, else the
        referral (a referral is cancelled only once its outcome is)."""
        if jeune_id not in self.entries:
            raise broken("Ce jeune n'a pas été mis en relation sur cette offre.", "not-referred")
        latest = self.entries[jeune_id][-1]
        payload = contract.EntryCancelled(jeune_id=jeune_id, cancelled_event_id=latest, reason=reason)
        outcome = self.referrals[jeune_id]
        self.trigger_event(self.EntryCancelled, **ctx.metadata(occurred_at), payload=payload, cancelled_outcome=outcome)

    def close(self, ctx: CommandContext, *, outcome: contract.OfferOutcome, occurred_at: datetime | None) -> None:
        if self.closed_as is not None:
            raise broken("Cette offre est déjà close.", "offer-closed")
        payload = contract.JobOfferClosed(offer_id=self.id, outcome=outcome)
        self.trigger_event(self.Closed, **ctx.metadata(occurred_at), payload=payload)


class Career(Aggregate, RemembersCommands):
    """The situations of one young person (id = `jeune_id`)."""

    # Not named `Event`: eventsourcing would make `Opened` one of them too.
    class Recorded(CommandEvent):
        stream_field = "jeune_id"

    class SituationStarted(Recorded):
        """A contract, an immersion, a training or a civic service: what a `SituationEnded` ends."""

        payload: SituationStart

        def apply(self, career: "Career") -> None:
            super().apply(career)
            career.situations[event_id_for("employment", career.id, self.originator_version)] = self.payload

    class Opened(Aggregate.Created):
        """Internal: the aggregate exists before its first situation (not published)."""

        ml_id: str

        def apply(self, career: "Career") -> None:
            career.ml_id = self.ml_id

    class ContractSigned(SituationStarted):
        payload: contract.ContractSigned

    class ImmersionStarted(SituationStarted):
        payload: contract.ImmersionStarted

    class TrainingEntered(SituationStarted):
        payload: contract.TrainingEntered

    class CivicServiceStarted(SituationStarted):
        payload: contract.CivicServiceStarted

    class SituationEnded(Recorded):
        payload: contract.SituationEnded

        def change(self, career: "Career") -> None:
            career.ended[self.payload.situation_event_id] = self.payload.end_date

    class EntryCancelled(Recorded):
        """v2.md, E2: a situation start recorded by mistake; it counts nowhere, nor its end."""

        payload: contract.EntryCancelled

        def change(self, career: "Career") -> None:
            del career.situations[self.payload.cancelled_event_id]
            career.ended.pop(self.payload.cancelled_event_id, None)

    def __init__(self) -> None:
        self.ml_id = ""
        self.situations: dict[uuid.UUID, SituationStart] = {}
        self.ended: dict[uuid.UUID, date] = {}

    @classmethod
    def open(cls, jeune_id: uuid.UUID, ml_id: str) -> "Career":
        return cls._create(cls.Opened, id=jeune_id, ml_id=ml_id)

    def begin(
        self, ctx: CommandContext, youth: YouthFacts, started: SituationStart, *, occurred_at: datetime | None
    ) -> None:
        """A contract, an immersion, a training or a civic service begins (`started.jeune_id` is
        this career's); each kind's rules are checked, then its event records `started`."""
        if started.end_date is not None and started.end_date < started.start_date:
            raise broken("La date de fin précède la date de début.", "end-before-start")
        match started:
            case contract.ContractSigned():
                _check_contract(started, youth)
                self.trigger_event(self.ContractSigned, **ctx.metadata(occurred_at), payload=started)
            case contract.ImmersionStarted():
                self._check_immersion(started)
                self.trigger_event(self.ImmersionStarted, **ctx.metadata(occurred_at), payload=started)
            case contract.TrainingEntered():
                self.trigger_event(self.TrainingEntered, **ctx.metadata(occurred_at), payload=started)
            case contract.CivicServiceStarted():
                self.trigger_event(self.CivicServiceStarted, **ctx.metadata(occurred_at), payload=started)
            case _:
                assert_never(started)

    def _check_immersion(self, started: contract.ImmersionStarted) -> None:
        if started.end_date > last_day_of(started.start_date, 1):
            raise broken("Une PMSMP dure au plus un mois.", "pmsmp-duration")
        same_host = [
            s
            for s in self.situations.values()
            if isinstance(s, contract.ImmersionStarted) and s.employer_id == started.employer_id
        ]
        if not _within_pmsmp_host_limits([*same_host, started]):
            raise broken(
                "Avec une même structure d'accueil, sur douze mois consécutifs : deux objectifs au plus, un seul "
                "renouvellement par convention et soixante jours en tout (Code du travail, D5135-3).",
                "pmsmp-host-limit",
            )

    def end_situation(
        self,
        ctx: CommandContext,
        situation_event_id: uuid.UUID,
        *,
        end_date: date,
        reason: contract.EndReason,
        occurred_at: datetime | None,
    ) -> None:
        began = self.situations.get(situation_event_id)
        if began is None:
            raise broken("Cette situation n'existe pas pour ce jeune.", "situation-unknown")
        if situation_event_id in self.ended:
            raise broken("Cette situation est déjà terminée.", "situation-already-ended")
        if end_date < began.start_date:
            raise broken("La fin de la situation précède son début.", "end-before-start")
        payload = contract.SituationEnded(
            jeune_id=self.id, situation_event_id=situation_event_id, end_date=end_date, reason=reason
        )
        self.trigger_event(self.SituationEnded, **ctx.metadata(occurred_at), payload=payload)

    def cancel_situation(
        self,
        ctx: CommandContext,
        situation_event_id: uuid.UUID,
        *,
        reason: contract.CancelReason,
        occurred_at: datetime | None,
    ) -> None:
        """v2.md, E2: a contract, immersion, training or civic service recorded by mistake."""
        if situation_event_id not in self.situations:
            raise broken("Cette situation n'existe pas pour ce jeune (ou elle est déjà annulée).", "situation-unknown")
        payload = contract.EntryCancelled(jeune_id=self.id, cancelled_event_id=situation_event_id, reason=reason)
        self.trigger_event(self.EntryCancelled, **ctx.metadata(occurred_at), payload=payload)


PMSMP_OBJECTIVES_PER_HOST, PMSMP_DAYS_PER_HOST = 2, 60


def _within_pmsmp_host_limits(immersions: list[contract.ImmersionStarted]) -> bool:
    """D5135-3, over any twelve consecutive months with one host: two conventions at most, of
    different objectives, each renewable once for the same objective, and sixty days in all,
    renewals included. The busiest twelve months begin on one of the immersions' starts, so those
    windows are the only ones to check; an immersion counts in the window where it starts."""
    for window_start in (i.start_date for i in immersions):
        window_end = add_months(window_start, 12)
        inside = [i for i in immersions if window_start <= i.start_date < window_end]
        objectives = [i.objective for i in inside]
        days = sum((i.end_date - i.start_date).days + 1 for i in inside)
        if (
            len(set(objectives)) > PMSMP_OBJECTIVES_PER_HOST
            or any(objectives.count(o) > 2 for o in objectives)  # the convention and its one renewal
            or days > PMSMP_DAYS_PER_HOST
        ):
            return False
    return True


def _check_contract(signed: contract.ContractSigned, youth: YouthFacts) -> None:
    contract_type, start_date, end_date = signed.contract_type, signed.start_date, signed.end_date
    if contract_type == "CDI" and end_date is not None:
        raise broken("Un CDI n'a pas de date de fin.", "cdi-has-no-end")
    if contract_type in FIXED_TERM_WITH_END and end_date is None:
        raise broken("Ce contrat à durée déterminée doit avoir une date de fin.", "end-date-required")
    if contract_type == "APPRENTICESHIP":
        too_old = not youth.rqth and youth.youngest_age_on(start_date) > 29
        if youth.oldest_age_on(start_date) < 16 or too_old:
            raise broken(
                "L'apprentissage est ouvert de 16 à 29 ans révolus (sans limite avec une RQTH).",
                "apprenticeship-age",
            )
        longest = 48 if youth.rqth else 36
        if end_date is not None and not last_day_of(start_date, 6) <= end_date <= last_day_of(start_date, longest):
            raise broken(
                "Un contrat d'apprentissage dure de six mois à trois ans (quatre avec une RQTH).",
                "apprenticeship-duration",
            )
    if contract_type == "PROFESSIONALISATION":
        if youth.oldest_age_on(start_date) < 16:
            raise broken("Le contrat de professionnalisation est ouvert dès 16 ans.", "professionalisation-age")
        unqualified_youth = youth.without_qualification and youth.youngest_age_on(start_date) <= 25
        longest = 36 if unqualified_youth else 24
        if end_date is not None and not last_day_of(start_date, 6) <= end_date <= last_day_of(start_date, longest):
            raise broken(
                "Un contrat de professionnalisation dure de 6 à 12 mois, 24 au plus par accord, 36 pour un jeune de "
                "16 à 25 ans sans qualification.",
                "professionalisation-duration",
            )


class RecruitmentSession(Aggregate, RemembersCommands):
    def __init__(self) -> None:
        self.ml_id = ""

    class Held(CommandEvent, Aggregate.Created):
        stream_field = "session_id"
        payload: contract.RecruitmentSessionHeld

        def change(self, session: "RecruitmentSession") -> None:
            session.ml_id = self.ml_id

    @classmethod
    def hold(
        cls,
        session_id: uuid.UUID,
        ctx: CommandContext,
        *,
        occurred_at: datetime | None,
        employer_ids: list[uuid.UUID],
        sector: contract.RomeDomain,
        date: date,
        participants: list[uuid.UUID],
    ) -> "RecruitmentSession":
        payload = contract.RecruitmentSessionHeld(
            session_id=session_id, employer_ids=employer_ids, sector=sector, date=date, participants=participants
        )
        return cls._create(cls.Held, id=session_id, **ctx.metadata(occurred_at), payload=payload)
