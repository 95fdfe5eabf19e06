"""The employment API contract (memory event store, youth facts seeded, no Kafka)."""

import uuid

import pytest
from relais_employment.bootstrap import create_app
from support.http import bearer, in_process, offline
from support.youths import welcomed

H = bearer()


@pytest.fixture
def app():
    return create_app(offline())


@pytest.fixture
def client(app):
    return in_process(app)


def post(client, path, body, headers=H):
    return client.post(f"/v1/ML-A{path}", json=body, headers=headers)


def test_employer_offer_referrals_and_the_contract_that_follows(client, app):
    hired, rejected = welcomed(app.state.application.tables), welcomed(app.state.application.tables)
    employer = post(
        client,
        "/employers",
        {"name": "Boulangerie Lenoir", "sector": "D", "size_band": "0-9", "commune_insee": "10387"},
    ).json()["id"]
    offer = post(
        client,
        "/offers",
        {"employer_id": employer, "sector": "D", "contract_type": "CDD", "positions": 1, "commune_insee": "10387"},
    )
    assert offer.status_code == 201, offer.text
    offer_id = offer.json()["id"]
    for jeune in (hired, rejected):
        assert post(client, f"/offers/{offer_id}/referrals", {"jeune_id": str(jeune)}).status_code == 201
    assert post(client, f"/offers/{offer_id}/referrals/{hired}/outcome", {"outcome": "hired"}).status_code == 201
    assert post(client, f"/offers/{offer_id}/referrals/{rejected}/outcome", {"outcome": "rejected"}).status_code == 201
    signed = post(
        client,
        f"/youths/{hired}/contracts",
        {
            "contract_type": "CDD",
            "start_date": "2024-04-02",
            "end_date": "2024-10-01",
            "weekly_hours": 35,
            "sector": "D",
            "employer_id": employer,
            "offer_id": offer_id,
        },
    )
    assert signed.status_code == 201, signed.text
    assert post(client, f"/offers/{offer_id}/close", {"outcome": "filled"}).status_code == 201
    [listed] = client.get("/v1/ML-A/offers", headers=H).json()
    assert (listed["referrals"], listed["hires"], listed["status"]) == (2, 1, "filled")
    ended = post(
        client,
        f"/youths/{hired}/situations/{signed.json()['id']}/end",
        {"end_date": "2024-08-31", "reason": "resignation"},
    )
    assert ended.status_code == 201
    [situation] = client.get(f"/v1/ML-A/youths/{hired}/situations", headers=H).json()
    assert (situation["kind"], situation["ended_on"]) == ("ContractSigned", "2024-08-31")
    # v2.md, E2: recorded for the wrong young person, the contract is cancelled with its end.
    cancelled = post(client, f"/youths/{hired}/situations/{signed.json()['id']}/cancel", {"reason": "wrong_youth"})
    assert cancelled.status_code == 201
    assert client.get(f"/v1/ML-A/youths/{hired}/situations", headers=H).json() == []


def test_each_rule_has_its_own_problem_type(client, app):
    jeune = welcomed(app.state.application.tables)
    employer = post(
        client, "/employers", {"name": "SARL Dupuis", "sector": "I", "size_band": "10-49", "commune_insee": "10387"}
    ).json()["id"]
    cases = [
        (
            f"/youths/{jeune}/contracts",
            {
                "contract_type": "CDI",
                "start_date": "2024-01-01",
                "end_date": "2024-06-30",
                "weekly_hours": 35,
                "sector": "I",
            },
            "cdi-has-no-end",
        ),
        (
            f"/youths/{jeune}/immersions",
            {"employer_id": employer, "start_date": "2024-03-01", "end_date": "2024-04-15", "objective": "confirm"},
            "pmsmp-duration",
        ),
        (
            f"/youths/{jeune}/immersions",
            {
                "employer_id": str(uuid.uuid4()),
                "start_date": "2024-03-01",
                "end_date": "2024-03-15",
                "objective": "confirm",
            },
            "employer-unknown",
        ),
        (
            f"/youths/{uuid.uuid4()}/trainings",
            {
                "training_type": "e2c",
                "funder": "region",
                "regional_plan": True,
                "start_date": "2024-01-01",
                "end_date": "2024-06-30",
            },
            "youth-unknown",
        ),
        (
            "/offers",
            {
                "employer_id": str(uuid.uuid4()),
                "sector": "I",
                "contract_type": "CDD",
                "positions": 1,
                "commune_insee": "10387",
            },
            "employer-unknown",
        ),
        (f"/youths/{jeune}/civic-services", {"start_date": "2024-05-01", "end_date": "2024-04-01"}, "end-before-start"),
    ]
    for path, body, rule in cases:
        r = post(client, path, body)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["type"] == f"https://relais.example/problems/{rule}", path


def test_validation_not_found_roles_and_idempotency(client, app):
    jeune = welcomed(app.state.application.tables)
    bad = post(
        client,
        "/offers",
        {"employer_id": "x", "sector": "Z", "contract_type": "CDD", "positions": 0, "commune_insee": "10387"},
    )
    assert {e["field"] for e in bad.json()["errors"]} == {"body.employer_id", "body.sector", "body.positions"}
    assert post(client, f"/offers/{uuid.uuid4()}/close", {"outcome": "filled"}).status_code == 404
    assert (
        post(
            client, f"/youths/{jeune}/situations/{uuid.uuid4()}/end", {"end_date": "2024-01-01", "reason": "other"}
        ).status_code
        == 404
    )
    body = {"start_date": "2024-05-01", "end_date": "2025-04-30"}
    key = {**H, "Idempotency-Key": "civic-1"}
    assert (
        post(client, f"/youths/{jeune}/civic-services", body, key).json()
        == post(client, f"/youths/{jeune}/civic-services", body, key).json()
    )
    assert len(client.get(f"/v1/ML-A/youths/{jeune}/situations", headers=H).json()) == 1
    assert (
        post(
            client,
            "/employers",
            {"name": "X", "sector": "I", "size_band": "0-9", "commune_insee": "10387"},
            bearer("network_analyst", ("*",)),
        ).status_code
        == 403
    )
    assert client.get("/v1/ML-B/offers", headers=H).status_code == 403


def test_a_mistaken_outcome_then_a_mistaken_referral_are_cancelled_and_the_list_follows(client, app):
    """v2.md, E2: each cancel removes the latest entry about the young person on that offer."""
    jeune = welcomed(app.state.application.tables)
    employer = post(
        client, "/employers", {"name": "Garage Roux", "sector": "I", "size_band": "0-9", "commune_insee": "10387"}
    ).json()["id"]
    body = {"employer_id": employer, "sector": "I", "contract_type": "CDD", "positions": 1, "commune_insee": "10387"}
    offer_id = post(client, "/offers", body).json()["id"]
    post(client, f"/offers/{offer_id}/referrals", {"jeune_id": str(jeune)})
    post(client, f"/offers/{offer_id}/referrals/{jeune}/outcome", {"outcome": "hired"})

    def counts() -> tuple[int, int]:
        [listed] = client.get("/v1/ML-A/offers", headers=H).json()
        return listed["referrals"], listed["hires"]

    cancel = lambda: post(client, f"/offers/{offer_id}/referrals/{jeune}/cancel", {"reason": "entry_error"})  # noqa: E731
    assert counts() == (1, 1)
    assert cancel().status_code == 201 and counts() == (1, 0)  # the outcome
    assert cancel().status_code == 201 and counts() == (0, 0)  # then the referral
    refused = cancel()
    assert refused.status_code == 422 and refused.json()["type"].endswith("/not-referred")
    assert post(client, f"/offers/{offer_id}/referrals", {"jeune_id": str(jeune)}).status_code == 201  # again


def test_the_employers_a_counselor_picks_from_are_this_mission_locales_by_name(client):
    for name in ("Transports Zénith", "Atelier Bois Vert", "Boulangerie Lenoir"):
        body = {"name": name, "sector": "N", "size_band": "10-49", "commune_insee": "10387"}
        assert post(client, "/employers", body).status_code == 201
    other = bearer(ml_ids=("ML-B",))
    body = {"name": "Ailleurs SA", "sector": "N", "size_band": "250+", "commune_insee": "94003"}
    assert client.post("/v1/ML-B/employers", json=body, headers=other).status_code == 201

    listed = client.get("/v1/ML-A/employers", headers=H).json()
    assert [e["name"] for e in listed] == ["Atelier Bois Vert", "Boulangerie Lenoir", "Transports Zénith"]
    assert set(listed[0]) == {"employer_id", "name", "sector", "size_band", "commune_insee"}
    assert [e["name"] for e in client.get("/v1/ML-B/employers", headers=other).json()] == ["Ailleurs SA"]
    assert client.get("/v1/ML-A/employers", headers=other).status_code == 403
    assert client.get("/v1/ML-A/employers", headers=bearer("auditor")).status_code == 200
    assert client.get("/v1/ML-A/employers").status_code == 401
