"""The dispositifs HTTP API (shared/spec/api.md, "dispositifs")."""

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from relais_runtime.auth import DIRECT, READ, WRITE, Principal
from relais_runtime.http import CommandAnswer, command_context, command_errors, counted

from relais_dispositifs.application import DispositifsApplication
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
from relais_dispositifs.domain import Enrolment, FinancialAid, SocialReferral


class EnrolmentView(BaseModel):
    id: uuid.UUID
    jeune_id: uuid.UUID
    programme: str
    status: str = Field(description="active, suspended or exited")
    start_date: date
    planned_end_date: date | None
    exit_date: date | None
    allowances: list[dict[str, Any]]


ERRORS = command_errors(
    "Introuvable dans cette Mission Locale", "Données invalides, jeune inconnu, ou règle du programme enfreinte"
)


_answer = CommandAnswer.of


def _view(e: Enrolment) -> EnrolmentView:
    return EnrolmentView(
        id=e.id,
        jeune_id=e.jeune_id,
        programme=e.programme,
        status=e.status,
        start_date=e.start_date,
        planned_end_date=e.planned_end_date,
        exit_date=e.exit_date,
        allowances=[
            {"allowance_id": str(i), "month": m, "amount_cents": a, "paid": i in e.paid}
            for i, (m, a) in e.requests.items()
        ],
    )


def build_router(app: DispositifsApplication) -> APIRouter:
    r = APIRouter(prefix="/v1/{ml_id}", tags=["dispositifs"], responses=ERRORS)

    @r.post("/youths/{jeune_id}/programmes", status_code=201, summary="Entrée dans un programme")
    def enter(
        ml_id: str, jeune_id: uuid.UUID, body: EnterRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "enter"):
            return _answer(app.enter(command_context(request, who, body), jeune_id, body))

    @r.post("/enrolments/{enrolment_id}/suspend", status_code=201, summary="Suspendre")
    def suspend(
        ml_id: str, enrolment_id: uuid.UUID, body: DatedReason, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "suspend"):
            return _answer(app.suspend(command_context(request, who, body), enrolment_id, body))

    @r.post("/enrolments/{enrolment_id}/resume", status_code=201, summary="Reprendre")
    def resume(
        ml_id: str, enrolment_id: uuid.UUID, body: DatedReason, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "resume"):
            return _answer(app.resume(command_context(request, who, body), enrolment_id, body))

    @r.post("/enrolments/{enrolment_id}/extend", status_code=201, summary="Prolonger")
    def extend(
        ml_id: str, enrolment_id: uuid.UUID, body: ExtendRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "extend"):
            return _answer(app.extend(command_context(request, who, body), enrolment_id, body))

    @r.post("/enrolments/{enrolment_id}/exit", status_code=201, summary="Sortie du programme")
    def exit_(
        ml_id: str, enrolment_id: uuid.UUID, body: ExitRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "exit"):
            return _answer(app.exit(command_context(request, who, body), enrolment_id, body))

    @r.post("/enrolments/{enrolment_id}/allowances", status_code=201, summary="Demander l'allocation d'un mois")
    def request_allowance(
        ml_id: str, enrolment_id: uuid.UUID, body: AllowanceRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "request_allowance"):
            return _answer(app.request_allowance(command_context(request, who, body), enrolment_id, body))

    @r.post("/allowances/{allowance_id}/payment", status_code=201, summary="Enregistrer le versement d'une allocation")
    def pay(
        ml_id: str, allowance_id: uuid.UUID, body: PaymentRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "pay_allowance"):
            return _answer(app.pay_allowance(command_context(request, who, body), allowance_id, body))

    @r.post("/enrolments/{enrolment_id}/cancel", status_code=201, summary="Annuler une entrée saisie par erreur")
    def cancel_enrolment(
        ml_id: str, enrolment_id: uuid.UUID, body: CancelRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "cancel_enrolment"):
            return _answer(app.cancel_enrolment(command_context(request, who, body), enrolment_id, body))

    @r.post("/allowances/{allowance_id}/cancel", status_code=201, summary="Annuler une demande d'allocation erronée")
    def cancel_allowance(
        ml_id: str, allowance_id: uuid.UUID, body: CancelRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "cancel_allowance"):
            return _answer(app.cancel_allowance(command_context(request, who, body), allowance_id, body))

    @r.post("/aids/{aid_id}/cancel", status_code=201, summary="Annuler une aide saisie par erreur")
    def cancel_aid(
        ml_id: str, aid_id: uuid.UUID, body: CancelRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "cancel_aid"):
            return _answer(app.cancel_fact(command_context(request, who, body), FinancialAid, aid_id, body))

    @r.post("/referrals/{referral_id}/cancel", status_code=201, summary="Annuler une orientation saisie par erreur")
    def cancel_referral(
        ml_id: str, referral_id: uuid.UUID, body: CancelRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "cancel_referral"):
            return _answer(app.cancel_fact(command_context(request, who, body), SocialReferral, referral_id, body))

    @r.post("/objectives", status_code=201, summary="Fixer l'objectif d'entrées de l'année dans un programme")
    def objective(
        ml_id: str, body: ObjectiveRequest, request: Request, who: Principal = Depends(DIRECT)
    ) -> CommandAnswer:
        with counted("dispositifs", "set_objective"):
            return _answer(app.set_objective(command_context(request, who, body), body))

    @r.post("/youths/{jeune_id}/aids", status_code=201, summary="Accorder une aide financière")
    def aid(
        ml_id: str, jeune_id: uuid.UUID, body: AidRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "grant_aid"):
            return _answer(app.grant_aid(command_context(request, who, body), jeune_id, body))

    @r.post("/youths/{jeune_id}/referrals", status_code=201, summary="Orienter vers un partenaire social")
    def referral(
        ml_id: str, jeune_id: uuid.UUID, body: ReferralRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("dispositifs", "refer"):
            return _answer(app.refer(command_context(request, who, body), jeune_id, body))

    @r.get("/youths/{jeune_id}/programmes", summary="Les programmes d'un jeune")
    def programmes(ml_id: str, jeune_id: uuid.UUID, who: Principal = Depends(READ)) -> list[EnrolmentView]:
        return [_view(e) for e in app.enrolments_of(ml_id, jeune_id)]

    @r.get("/enrolments/{enrolment_id}", summary="Une inscription")
    def enrolment(ml_id: str, enrolment_id: uuid.UUID, who: Principal = Depends(READ)) -> EnrolmentView:
        return _view(app.enrolment(ml_id, enrolment_id))

    return r
