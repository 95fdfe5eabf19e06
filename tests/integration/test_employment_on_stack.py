"""Employment on the real stack: the desk's day, over HTTP, reaches `relais.employment`."""

import uuid

import httpx
import pytest
from relais_cli.harness import ServiceProcess, welcome_body
from relais_contracts import decode
from support.http import bearer
from support.topics import read_all

from .test_dispositifs_on_stack import post_when_known

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
HEADERS = bearer(ml_ids=("ML-STACK",))


async def test_employer_offer_referrals_contract_pmsmp_training_and_an_end(stack):
    with ServiceProcess("intake", 18121) as intake, ServiceProcess("employment", 18123) as employment:
        youths = [
            httpx.post(
                intake.url + "/v1/ML-STACK/youths", json=welcome_body(f"Emp{uuid.uuid4().hex[:6]}"), headers=HEADERS
            ).json()["id"]
            for _ in range(4)
        ]
        hired, rejected, immersed, trained = youths
        base = employment.url + "/v1/ML-STACK"

        def post(path: str, body: dict) -> dict:
            r = post_when_known(base + path, body)
            assert r.status_code == 201, (path, r.text)
            return r.json()

        employer = post(
            "/employers", {"name": "Menuiserie Arnaud", "sector": "F", "size_band": "10-49", "commune_insee": "10387"}
        )["id"]
        offer = post(
            "/offers",
            {
                "employer_id": employer,
                "sector": "F",
                "contract_type": "APPRENTICESHIP",
                "positions": 1,
                "commune_insee": "10387",
            },
        )["id"]
        post(f"/offers/{offer}/referrals", {"jeune_id": hired})
        post(f"/offers/{offer}/referrals", {"jeune_id": rejected})
        post(f"/offers/{offer}/referrals/{hired}/outcome", {"outcome": "hired"})
        post(f"/offers/{offer}/referrals/{rejected}/outcome", {"outcome": "rejected"})
        contract = post(
            f"/youths/{hired}/contracts",
            {
                "contract_type": "APPRENTICESHIP",
                "start_date": "2024-09-02",
                "end_date": "2026-08-31",
                "weekly_hours": 35,
                "sector": "F",
                "employer_id": employer,
                "offer_id": offer,
            },
        )
        post(
            f"/youths/{immersed}/immersions",
            {"employer_id": employer, "start_date": "2024-05-13", "end_date": "2024-05-24", "objective": "discover"},
        )
        post(
            f"/youths/{trained}/trainings",
            {
                "training_type": "qualifying",
                "funder": "region",
                "regional_plan": True,
                "start_date": "2024-09-09",
                "end_date": "2025-06-27",
            },
        )
        post(
            f"/youths/{hired}/situations/{contract['id']}/end",
            {"end_date": "2024-12-20", "reason": "early_termination"},
        )

        expected = 10
        ids = {employer, offer, *youths}
        messages = await read_all(
            stack.kafka_bootstrap,
            "relais.employment",
            until=lambda ms: sum(m.key.decode() in ids for m in ms) >= expected,
        )

    mine = [decode(m.value) for m in messages if m.key.decode() in ids]
    kinds = [e.event_type.split(".")[1] for e in mine]
    assert sorted(kinds) == sorted(
        [
            "EmployerRegistered",
            "JobOfferReceived",
            "CandidateReferred",
            "CandidateReferred",
            "ReferralOutcomeRecorded",
            "ReferralOutcomeRecorded",
            "ContractSigned",
            "ImmersionStarted",
            "TrainingEntered",
            "SituationEnded",
        ]
    )
    assert len(mine) == expected
    by_key = {}
    for m in messages:
        if m.key.decode() in ids:
            by_key.setdefault(m.key.decode(), []).append(decode(m.value).event_type.split(".")[1])
    assert by_key[offer] == ["JobOfferReceived"]
    assert by_key[hired] == ["CandidateReferred", "ReferralOutcomeRecorded", "ContractSigned", "SituationEnded"]
    ended = next(e for e in mine if e.event_type == "employment.SituationEnded")
    assert str(ended.payload.situation_event_id) == contract["id"]
