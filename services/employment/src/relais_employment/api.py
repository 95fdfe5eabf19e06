"""The employment HTTP API (shared/spec/api.md, "employment")."""

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from relais_runtime.auth import READ, WRITE, Principal
from relais_runtime.http import CommandAnswer, command_context, command_errors, counted

from relais_employment.application import EmploymentApplication
from relais_employment.commands import (
    CancelRequest,
    CivicServiceRequest,
    CloseOfferRequest,
    Command,
    ContractRequest,
    EmployerRequest,
    EndRequest,
    ImmersionRequest,
    OfferRequest,
    OutcomeRequest,
    ReferralRequest,
    SessionRequest,
    TrainingRequest,
)


class OfferView(BaseModel):
    offer_id: uuid.UUID
    employer_id: uuid.UUID
    sector: str
    contract_type: str
    positions: int
    commune_insee: str
    referrals: int
    hires: int
    status: str = Field(description="open, filled, cancelled or expired")


class EmployerView(BaseModel):
    employer_id: uuid.UUID
    name: str
    sector: str
    size_band: str
    commune_insee: str


class SituationView(BaseModel):
    situation_id: uuid.UUID = Field(description="The event id that began it")
    kind: str
    start_date: date
    end_date: date | None
    ended_on: date | None
    details: dict[str, Any]


ERRORS = command_errors(
    "Introuvable dans cette Mission Locale", "Données invalides, jeune ou employeur inconnu, ou règle enfreinte"
)
SITUATION_KINDS = {
    "contracts": "contract",
    "immersions": "immersion",
    "trainings": "training",
    "civic-services": "civic_service",
}


_answer = CommandAnswer.of


def build_router(app: EmploymentApplication) -> APIRouter:
    r = APIRouter(prefix="/v1/{ml_id}", tags=["employment"], responses=ERRORS)

    @r.post("/employers", status_code=201, summary="Enregistrer un employeur partenaire")
    def employer(ml_id: str, body: EmployerRequest, request: Request, who: Principal = Depends(WRITE)) -> CommandAnswer:
        with counted("employment", "register_employer"):
            return _answer(app.register_employer(command_context(request, who, body), body))

    @r.post("/offers", status_code=201, summary="Recevoir une offre d'emploi")
    def offer(ml_id: str, body: OfferRequest, request: Request, who: Principal = Depends(WRITE)) -> CommandAnswer:
        with counted("employment", "receive_offer"):
            return _answer(app.receive_offer(command_context(request, who, body), body))

    @r.post("/offers/{offer_id}/close", status_code=201, summary="Clore une offre")
    def close(
        ml_id: str, offer_id: uuid.UUID, body: CloseOfferRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("employment", "close_offer"):
            return _answer(app.close_offer(command_context(request, who, body), offer_id, body))

    @r.post("/offers/{offer_id}/referrals", status_code=201, summary="Mettre un jeune en relation avec l'offre")
    def refer(
        ml_id: str, offer_id: uuid.UUID, body: ReferralRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("employment", "refer"):
            return _answer(app.refer(command_context(request, who, body), offer_id, body))

    @r.post(
        "/offers/{offer_id}/referrals/{jeune_id}/outcome", status_code=201, summary="Résultat d'une mise en relation"
    )
    def outcome(
        ml_id: str,
        offer_id: uuid.UUID,
        jeune_id: uuid.UUID,
        body: OutcomeRequest,
        request: Request,
        who: Principal = Depends(WRITE),
    ) -> CommandAnswer:
        with counted("employment", "record_outcome"):
            return _answer(app.record_outcome(command_context(request, who, body), offer_id, jeune_id, body))

    @r.post(
        "/offers/{offer_id}/referrals/{jeune_id}/cancel",
        status_code=201,
        summary="Annuler la dernière saisie d'une mise en relation (son résultat, sinon elle-même)",
    )
    def cancel_referral(
        ml_id: str,
        offer_id: uuid.UUID,
        jeune_id: uuid.UUID,
        body: CancelRequest,
        request: Request,
        who: Principal = Depends(WRITE),
    ) -> CommandAnswer:
        with counted("employment", "cancel_referral"):
            return _answer(app.cancel_latest_about(command_context(request, who, body), offer_id, jeune_id, body))

    def situation_route(path: str, model: type[Command]) -> None:
        kind = SITUATION_KINDS[path]

        def begin(
            ml_id: str, jeune_id: uuid.UUID, body: model, request: Request, who: Principal = Depends(WRITE)
        ) -> CommandAnswer:  # type: ignore[valid-type]
            with counted("employment", f"begin_{kind}"):
                return _answer(app.begin_situation(command_context(request, who, body), jeune_id, body))

        r.add_api_route(
            f"/youths/{{jeune_id}}/{path}",
            begin,
            methods=["POST"],
            status_code=201,
            summary=f"Début de situation : {path}",
            name=f"begin_{kind}",
            response_model=CommandAnswer,
        )

    for path, model in (
        ("contracts", ContractRequest),
        ("immersions", ImmersionRequest),
        ("trainings", TrainingRequest),
        ("civic-services", CivicServiceRequest),
    ):
        situation_route(path, model)

    @r.post("/youths/{jeune_id}/situations/{situation_id}/end", status_code=201, summary="Fin d'une situation")
    def end(
        ml_id: str,
        jeune_id: uuid.UUID,
        situation_id: uuid.UUID,
        body: EndRequest,
        request: Request,
        who: Principal = Depends(WRITE),
    ) -> CommandAnswer:
        with counted("employment", "end_situation"):
            return _answer(app.end_situation(command_context(request, who, body), jeune_id, situation_id, body))

    @r.post(
        "/youths/{jeune_id}/situations/{situation_id}/cancel",
        status_code=201,
        summary="Annuler une situation saisie par erreur",
    )
    def cancel(
        ml_id: str,
        jeune_id: uuid.UUID,
        situation_id: uuid.UUID,
        body: CancelRequest,
        request: Request,
        who: Principal = Depends(WRITE),
    ) -> CommandAnswer:
        with counted("employment", "cancel_situation"):
            return _answer(app.cancel_situation(command_context(request, who, body), jeune_id, situation_id, body))

    @r.post("/recruitment-sessions", status_code=201, summary="Session de recrutement collectif")
    def session(ml_id: str, body: SessionRequest, request: Request, who: Principal = Depends(WRITE)) -> CommandAnswer:
        with counted("employment", "hold_session"):
            return _answer(app.hold_session(command_context(request, who, body), body))

    @r.get("/offers", summary="Les offres de la Mission Locale")
    def offers(
        ml_id: str,
        status: Annotated[str | None, Query(pattern="^(open|filled|cancelled|expired)$")] = None,
        who: Principal = Depends(READ),
    ) -> list[OfferView]:
        return [OfferView(**row) for row in app.offers(ml_id, status)]

    @r.get("/employers", summary="Les employeurs de la Mission Locale, par nom")
    def employers(ml_id: str, who: Principal = Depends(READ)) -> list[EmployerView]:
        return [EmployerView(**row) for row in app.employers(ml_id)]

    @r.get("/youths/{jeune_id}/situations", summary="Les situations d'un jeune")
    def situations(ml_id: str, jeune_id: uuid.UUID, who: Principal = Depends(READ)) -> list[SituationView]:
        career = app.situations(ml_id, jeune_id)
        if career is None:
            return []
        return [
            SituationView(
                situation_id=sid,
                kind=type(started).__name__,
                start_date=started.start_date,
                end_date=started.end_date,
                ended_on=career.ended.get(sid),
                details=started.model_dump(mode="json"),
            )
            for sid, started in career.situations.items()
        ]

    return r
