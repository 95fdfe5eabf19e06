"""The employment application: employers, offers, referrals, situations, recruitment sessions."""

import uuid
from typing import Any, assert_never

from eventsourcing.application import AggregateNotFoundError
from relais_contracts.events import employment as contract
from relais_runtime.eventstore import Answer, RelaisApplication
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.projection import SqlView
from relais_runtime.settings import Settings
from relais_runtime.sql import engine_for
from relais_runtime.youth_facts import YouthDirectory
from sqlalchemy import select

from relais_employment.commands import (
    CancelRequest,
    CivicServiceRequest,
    CloseOfferRequest,
    ContractRequest,
    EmployerRequest,
    EndRequest,
    ImmersionRequest,
    OfferRequest,
    OutcomeRequest,
    ReferralRequest,
    SessionRequest,
    SituationCommand,
    TrainingRequest,
)
from relais_employment.domain import Career, Employer, Offer, RecruitmentSession, SituationStart
from relais_employment.query_tables import (
    MAX_EMPLOYERS,
    EmployerList,
    OfferList,
    create_query_tables,
    employer_list,
    offer_list,
)


class EmploymentApplication(RelaisApplication):
    def __init__(self, settings: Settings):
        super().__init__(settings, service="employment")
        self.tables = engine_for(settings, "employment")
        self.youths = YouthDirectory(self.tables, self.service)
        create_query_tables(self.tables)
        self.offer_index = self.follow(OfferList(SqlView(self.tables, OfferList.name)))
        self.employer_index = self.follow(EmployerList(SqlView(self.tables, EmployerList.name)))

    # --- employers and offers ---------------------------------------------------------------

    def register_employer(self, ctx: CommandContext, command: EmployerRequest) -> Answer:
        return self.create(
            ctx,
            "employer",
            lambda i: [
                Employer.register(
                    i,
                    ctx,
                    occurred_at=command.occurred_at,
                    name=command.name,
                    sector=command.sector,
                    size_band=command.size_band,
                    commune_insee=command.commune_insee,
                )
            ],
        )

    def receive_offer(self, ctx: CommandContext, command: OfferRequest) -> Answer:
        self._employer_here(ctx.ml_id, command.employer_id)
        return self.create(
            ctx,
            "offer",
            lambda i: [
                Offer.receive(
                    i,
                    ctx,
                    command.employer_id,
                    occurred_at=command.occurred_at,
                    sector=command.sector,
                    contract_type=command.contract_type,
                    positions=command.positions,
                    commune_insee=command.commune_insee,
                )
            ],
        )

    def close_offer(self, ctx: CommandContext, offer_id: uuid.UUID, command: CloseOfferRequest) -> Answer:
        offer = self.offer(ctx.ml_id, offer_id)
        return self.execute(
            ctx, offer, lambda: offer.close(ctx, outcome=command.outcome, occurred_at=command.occurred_at)
        )

    def refer(self, ctx: CommandContext, offer_id: uuid.UUID, command: ReferralRequest) -> Answer:
        offer = self.offer(ctx.ml_id, offer_id)
        youth = self.youths.known(ctx.ml_id, command.jeune_id)
        return self.execute(
            ctx, offer, lambda: offer.refer(ctx, youth, occurred_at=command.occurred_at), answer_event=True
        )

    def record_outcome(
        self, ctx: CommandContext, offer_id: uuid.UUID, jeune_id: uuid.UUID, command: OutcomeRequest
    ) -> Answer:
        offer = self.offer(ctx.ml_id, offer_id)
        return self.execute(
            ctx,
            offer,
            lambda: offer.record_outcome(ctx, jeune_id, outcome=command.outcome, occurred_at=command.occurred_at),
            answer_event=True,
        )

    def cancel_latest_about(
        self, ctx: CommandContext, offer_id: uuid.UUID, jeune_id: uuid.UUID, command: CancelRequest
    ) -> Answer:
        """v2.md, E2: the outcome of a young person's referral, or the referral itself, was a mistake."""
        offer = self.offer(ctx.ml_id, offer_id)
        cancel = lambda: offer.cancel_latest(ctx, jeune_id, reason=command.reason, occurred_at=command.occurred_at)  # noqa: E731
        return self.execute(ctx, offer, cancel, answer_event=True)

    def hold_session(self, ctx: CommandContext, command: SessionRequest) -> Answer:
        for employer_id in command.employer_ids:
            self._employer_here(ctx.ml_id, employer_id)
        for jeune_id in command.participants:
            self.youths.known(ctx.ml_id, jeune_id)
        return self.create(
            ctx,
            "session",
            lambda i: [
                RecruitmentSession.hold(
                    i,
                    ctx,
                    occurred_at=command.occurred_at,
                    employer_ids=command.employer_ids,
                    sector=command.sector,
                    date=command.date,
                    participants=command.participants,
                )
            ],
        )

    # --- situations -------------------------------------------------------------------------

    def begin_situation(self, ctx: CommandContext, jeune_id: uuid.UUID, command: SituationCommand) -> Answer:
        """A contract, an immersion, a training or a civic service. Answers the situation's event id."""
        youth = self.youths.known(ctx.ml_id, jeune_id)
        career = self._career(ctx, jeune_id)
        employer_id = getattr(command, "employer_id", None)  # a contract's employer, a PMSMP's host
        if employer_id is not None:
            self._employer_here(ctx.ml_id, employer_id)
        if isinstance(command, ContractRequest) and command.offer_id is not None:
            self._offer_here(ctx.ml_id, command.offer_id)
        return self.execute(
            ctx,
            career,
            # The payload is built inside the action: one its contract refuses is a 422 (execute).
            lambda: career.begin(ctx, youth, _started(jeune_id, command), occurred_at=command.occurred_at),
            answer_event=True,
        )

    def end_situation(
        self, ctx: CommandContext, jeune_id: uuid.UUID, situation_id: uuid.UUID, command: EndRequest
    ) -> Answer:
        career = self.load(jeune_id, ctx.ml_id, Career, "Situations du jeune")
        return self.execute(
            ctx,
            career,
            lambda: career.end_situation(
                ctx, situation_id, end_date=command.end_date, reason=command.reason, occurred_at=command.occurred_at
            ),
            answer_event=True,
        )

    def cancel_situation(
        self, ctx: CommandContext, jeune_id: uuid.UUID, situation_id: uuid.UUID, command: CancelRequest
    ) -> Answer:
        career = self.load(jeune_id, ctx.ml_id, Career, "Situations du jeune")
        return self.execute(
            ctx,
            career,
            lambda: career.cancel_situation(ctx, situation_id, reason=command.reason, occurred_at=command.occurred_at),
            answer_event=True,
        )

    # --- queries -----------------------------------------------------------------------------

    def offer(self, ml_id: str, offer_id: uuid.UUID) -> Offer:
        return self.load(offer_id, ml_id, Offer, "Offre d'emploi")

    def offers(self, ml_id: str, status: str | None = None) -> list[dict[str, Any]]:
        self.offer_index.catch_up()
        query = select(offer_list).where(offer_list.c.ml_id == ml_id)
        if status:
            query = query.where(offer_list.c.status == status)
        with self.tables.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(offer_list.c.offer_id))]

    def employers(self, ml_id: str) -> list[dict[str, Any]]:
        """This Mission Locale's employers by name (at most `MAX_EMPLOYERS`)."""
        self.employer_index.catch_up()
        query = (
            select(employer_list)
            .where(employer_list.c.ml_id == ml_id)
            .order_by(employer_list.c.name, employer_list.c.employer_id)
            .limit(MAX_EMPLOYERS)
        )
        with self.tables.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def situations(self, ml_id: str, jeune_id: uuid.UUID) -> Career | None:
        try:
            career: Career = self.repository.get(jeune_id)
        except AggregateNotFoundError:
            return None
        return career if career.ml_id == ml_id else None

    # --- helpers -----------------------------------------------------------------------------

    def _career(self, ctx: CommandContext, jeune_id: uuid.UUID) -> Career:
        try:
            return self.repository.get(jeune_id)
        except AggregateNotFoundError:
            return Career.open(jeune_id, ctx.ml_id)

    def _employer_or_none(self, employer_id: uuid.UUID) -> Employer | None:
        try:
            found = self.repository.get(employer_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Employer) else None

    def _employer_here(self, ml_id: str, employer_id: uuid.UUID) -> Employer:
        """The employer, registered in this Mission Locale: another's is as unknown as none."""
        employer = self._employer_or_none(employer_id)
        if employer is None or employer.ml_id != ml_id:
            raise DomainRuleBroken(
                "Cet employeur n'est pas enregistré dans cette Mission Locale.",
                rule="employer-unknown",
                errors=[{"field": "employer_id", "message": "unknown"}],
            )
        return employer

    def _offer_here(self, ml_id: str, offer_id: uuid.UUID) -> None:
        try:
            found = self.repository.get(offer_id)
        except AggregateNotFoundError:
            found = None
        if not isinstance(found, Offer) or found.ml_id != ml_id:
            raise DomainRuleBroken(
                "Cette offre n'est pas enregistrée dans cette Mission Locale.",
                rule="offer-unknown",
                errors=[{"field": "offer_id", "message": "unknown"}],
            )


def _started(jeune_id: uuid.UUID, command: SituationCommand) -> SituationStart:
    """What the situation a command names records when it begins."""
    started: SituationStart
    match command:
        case ContractRequest():
            started = contract.ContractSigned(
                jeune_id=jeune_id,
                contract_type=command.contract_type,
                start_date=command.start_date,
                end_date=command.end_date,
                weekly_hours=command.weekly_hours,
                sector=command.sector,
                employer_id=command.employer_id,
                offer_id=command.offer_id,
            )
        case ImmersionRequest():
            started = contract.ImmersionStarted(
                jeune_id=jeune_id,
                employer_id=command.employer_id,
                start_date=command.start_date,
                end_date=command.end_date,
                objective=command.objective,
            )
        case TrainingRequest():
            started = contract.TrainingEntered(
                jeune_id=jeune_id,
                start_date=command.start_date,
                end_date=command.end_date,
                training_type=command.training_type,
                funder=command.funder,
                regional_plan=command.regional_plan,
            )
        case CivicServiceRequest():
            started = contract.CivicServiceStarted(
                jeune_id=jeune_id, start_date=command.start_date, end_date=command.end_date
            )
        case _:
            assert_never(command)
    return started
