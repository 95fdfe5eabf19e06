"""The dispositifs application: programme entries and their life, allowances, aids, referrals.

It knows young people through `youth_facts`, fed by its consumer of `relais.intake`.
"""

import uuid

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from relais_contracts import event_id_for
from relais_contracts.events import dispositifs as contract
from relais_runtime.eventstore import Answer, RelaisApplication
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.errors import NotFound
from relais_runtime.projection import SqlView
from relais_runtime.settings import Settings
from relais_runtime.sql import engine_for
from relais_runtime.youth_facts import YouthDirectory
from sqlalchemy import Column, MetaData, String, Table, Uuid, insert, select

from relais_dispositifs.commands import (
    AidRequest,
    AllowanceRequest,
    CancelRequest,
    DatedReason,
    EnterRequest,
    ExitRequest,
    ExtendRequest,
    ObjectiveRequest,
    PaymentRequest,
    ReferralRequest,
)
from relais_dispositifs.domain import (
    ALLOWANCE_PROGRAMMES,
    CEJ_FAMILY,
    Enrolment,
    FinancialAid,
    Objective,
    Requested,
    SocialReferral,
    YouthEnrolments,
)

metadata = MetaData()
# Which enrolment an allowance request belongs to (api.md pays allowances by their own id).
allowance_requests = Table(
    "allowance_requests",
    metadata,
    Column("allowance_id", Uuid, primary_key=True),
    Column("enrolment_id", Uuid, nullable=False),
    Column("ml_id", String(64), nullable=False),
)


class DispositifsApplication(RelaisApplication):
    def __init__(self, settings: Settings):
        super().__init__(settings, service="dispositifs")
        self.tables = engine_for(settings, "dispositifs")
        self.youths = YouthDirectory(self.tables, self.service)
        metadata.create_all(self.tables)
        self.allowance_index = self.follow(AllowanceRequests(SqlView(self.tables, AllowanceRequests.name)))

    # --- programmes -------------------------------------------------------------------------

    def enter(self, ctx: CommandContext, jeune_id: uuid.UUID, command: EnterRequest) -> Answer:
        youth = self.youths.known(ctx.ml_id, jeune_id)
        registry = self._registry(jeune_id)
        cej_exits = [e.exit_date for e in self._others(registry) if e.programme in CEJ_FAMILY and e.exit_date]
        last_cej_exit = max(cej_exits, default=None)

        def build(enrolment_id: uuid.UUID) -> list:
            entered = contract.ProgrammeEntered(
                jeune_id=jeune_id,
                programme=command.programme,
                start_date=command.start_date,
                planned_end_date=command.planned_end_date,
                partner=command.partner,
                weekly_hours=command.weekly_hours,
            )
            enrolment = Enrolment.enter(
                enrolment_id, ctx, youth, entered, last_cej_exit=last_cej_exit, occurred_at=command.occurred_at
            )
            registry.activate(enrolment.programme, enrolment.id)
            return [enrolment, registry]

        return self.create(ctx, "enrolment", build)

    def suspend(self, ctx: CommandContext, enrolment_id: uuid.UUID, command: DatedReason) -> Answer:
        e = self.enrolment(ctx.ml_id, enrolment_id)
        return self.execute(
            ctx, e, lambda: e.suspend(ctx, on=command.date, reason=command.reason, occurred_at=command.occurred_at)
        )

    def resume(self, ctx: CommandContext, enrolment_id: uuid.UUID, command: DatedReason) -> Answer:
        e = self.enrolment(ctx.ml_id, enrolment_id)
        return self.execute(
            ctx, e, lambda: e.resume(ctx, on=command.date, reason=command.reason, occurred_at=command.occurred_at)
        )

    def extend(self, ctx: CommandContext, enrolment_id: uuid.UUID, command: ExtendRequest) -> Answer:
        e = self.enrolment(ctx.ml_id, enrolment_id)
        return self.execute(
            ctx,
            e,
            lambda: e.extend(ctx, new_planned_end_date=command.new_planned_end_date, occurred_at=command.occurred_at),
        )

    def exit(self, ctx: CommandContext, enrolment_id: uuid.UUID, command: ExitRequest) -> Answer:
        e = self.enrolment(ctx.ml_id, enrolment_id)
        registry = self._registry(e.jeune_id)

        def action() -> None:
            e.exit(
                ctx,
                exit_date=command.exit_date,
                reason=command.reason,
                exit_situation=command.exit_situation,
                occurred_at=command.occurred_at,
            )
            registry.release(e.programme, e.id)

        return self.execute(ctx, e, action, registry)

    # --- allowances -------------------------------------------------------------------------

    def request_allowance(self, ctx: CommandContext, enrolment_id: uuid.UUID, command: AllowanceRequest) -> Answer:
        e = self.enrolment(ctx.ml_id, enrolment_id)
        youth = self.youths.known(ctx.ml_id, e.jeune_id)
        elsewhere = [
            Requested(ALLOWANCE_PROGRAMMES[other.programme], month, amount)
            for other in self._others(self._registry(e.jeune_id), but=e.id)
            if other.programme in ALLOWANCE_PROGRAMMES
            for month, amount in other.months.items()
        ]
        answer = self.execute(
            ctx,
            e,
            lambda: e.request_allowance(
                ctx,
                youth,
                month=command.month,
                amount_cents=command.amount_cents,
                elsewhere=elsewhere,
                occurred_at=command.occurred_at,
            ),
            answer_event=True,
        )
        return answer

    def pay_allowance(self, ctx: CommandContext, allowance_id: uuid.UUID, command: PaymentRequest) -> Answer:
        e = self._enrolment_of_allowance(ctx.ml_id, allowance_id)
        return self.execute(
            ctx,
            e,
            lambda: e.pay_allowance(
                ctx, request_event_id=allowance_id, amount_cents=command.amount_cents, occurred_at=command.occurred_at
            ),
            answer_event=True,
        )

    def _enrolment_of_allowance(self, ml_id: str, allowance_id: uuid.UUID) -> Enrolment:
        self.allowance_index.catch_up()
        with self.tables.connect() as conn:
            row = conn.execute(
                select(allowance_requests).where(allowance_requests.c.allowance_id == allowance_id)
            ).first()
        if row is None or row.ml_id != ml_id:
            raise NotFound("Demande d'allocation introuvable dans cette Mission Locale.")
        return self.enrolment(ml_id, row.enrolment_id)

    # --- corrections (v2.md, E2) --------------------------------------------------------------

    def cancel_enrolment(self, ctx: CommandContext, enrolment_id: uuid.UUID, command: CancelRequest) -> Answer:
        """The entry was a mistake: the enrolment counts nowhere, and the young person may enter
        the programme again."""
        e = self.enrolment(ctx.ml_id, enrolment_id)
        registry = self._registry(e.jeune_id)

        def action() -> None:
            e.cancel_entry(ctx, e.entry_event_id, reason=command.reason, occurred_at=command.occurred_at)
            registry.release(e.programme, e.id)

        return self.execute(ctx, e, action, registry, answer_event=True)

    def cancel_allowance(self, ctx: CommandContext, allowance_id: uuid.UUID, command: CancelRequest) -> Answer:
        e = self._enrolment_of_allowance(ctx.ml_id, allowance_id)
        return self.execute(
            ctx,
            e,
            lambda: e.cancel_entry(ctx, allowance_id, reason=command.reason, occurred_at=command.occurred_at),
            answer_event=True,
        )

    def cancel_fact(
        self,
        ctx: CommandContext,
        kind: type[FinancialAid] | type[SocialReferral],
        fact_id: uuid.UUID,
        command: CancelRequest,
    ) -> Answer:
        """An aid or a social referral recorded by mistake."""
        what = "Aide financière" if kind is FinancialAid else "Orientation"
        fact = self.load(fact_id, ctx.ml_id, kind, what)
        return self.execute(
            ctx,
            fact,
            lambda: fact.cancel(ctx, reason=command.reason, occurred_at=command.occurred_at),
            answer_event=True,
        )

    # --- objectives (v2.md, E3) ---------------------------------------------------------------

    def set_objective(self, ctx: CommandContext, command: ObjectiveRequest) -> Answer:
        """Set or revise this Mission Locale's objective for a programme and a year."""
        objective = contract.ObjectiveSet(programme=command.programme, year=command.year, target=command.target)
        stream = Objective.id_for(ctx.ml_id, command.programme, command.year)
        try:
            existing: Objective = self.repository.get(stream)
        except AggregateNotFoundError:
            return self.create(
                ctx, "objective", lambda _: [Objective.set(ctx, objective, occurred_at=command.occurred_at)]
            )
        return self.execute(ctx, existing, lambda: existing.revise(ctx, objective, occurred_at=command.occurred_at))

    # --- aids and referrals -----------------------------------------------------------------

    def grant_aid(self, ctx: CommandContext, jeune_id: uuid.UUID, command: AidRequest) -> Answer:
        youth = self.youths.known(ctx.ml_id, jeune_id)
        return self.create(
            ctx,
            "aid",
            lambda aid_id: [
                FinancialAid.grant(
                    aid_id,
                    ctx,
                    contract.FinancialAidGranted(
                        jeune_id=youth.jeune_id,
                        kind=command.kind,
                        amount_cents=command.amount_cents,
                        funder=command.funder,
                    ),
                    occurred_at=command.occurred_at,
                )
            ],
        )

    def refer(self, ctx: CommandContext, jeune_id: uuid.UUID, command: ReferralRequest) -> Answer:
        youth = self.youths.known(ctx.ml_id, jeune_id)
        return self.create(
            ctx,
            "referral",
            lambda ref_id: [
                SocialReferral.make(
                    ref_id,
                    ctx,
                    contract.SocialReferralMade(
                        jeune_id=youth.jeune_id, domain=command.domain, partner=command.partner
                    ),
                    occurred_at=command.occurred_at,
                )
            ],
        )

    # --- queries ------------------------------------------------------------------------------

    def enrolment(self, ml_id: str, enrolment_id: uuid.UUID) -> Enrolment:
        return self.load(enrolment_id, ml_id, Enrolment, "Inscription à un programme")

    def enrolments_of(self, ml_id: str, jeune_id: uuid.UUID) -> list[Enrolment]:
        try:
            registry: YouthEnrolments = self.repository.get(YouthEnrolments.id_for(jeune_id))
        except AggregateNotFoundError:
            return []
        enrolments = [self.repository.get(i) for i in registry.enrolments]
        return [e for e in enrolments if e.ml_id == ml_id]

    def _others(self, registry: YouthEnrolments, but: uuid.UUID | None = None) -> list[Enrolment]:
        """The young person's enrolments (in any Mission Locale: the rules are the person's), but
        `but` and those cancelled."""
        enrolments = [self.repository.get(i) for i in registry.enrolments if i != but]
        return [e for e in enrolments if not e.cancelled]

    def _registry(self, jeune_id: uuid.UUID) -> YouthEnrolments:
        try:
            return self.repository.get(YouthEnrolments.id_for(jeune_id))
        except AggregateNotFoundError:
            return YouthEnrolments.open(jeune_id)


class AllowanceRequests(Projection[SqlView]):
    """`allowance_requests`: the enrolment each allowance request belongs to."""

    name = "allowance-requests"

    @singledispatchmethod
    def process_event(self, event: object, tracking: Tracking) -> None:
        """Only allowance requests are listed."""

    @process_event.register
    def _requested(self, event: Enrolment.AllowanceRequested, tracking: Tracking) -> None:
        allowance_id = event_id_for("dispositifs", event.originator_id, event.originator_version)
        row = dict(allowance_id=allowance_id, enrolment_id=event.originator_id, ml_id=event.ml_id)
        self.view.connection.execute(insert(allowance_requests).values(**row))
