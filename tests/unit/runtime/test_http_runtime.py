"""The app factory every service uses: health, problems, auth, tenants, metrics."""

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel
from relais_runtime.app import ServiceParts, create_app
from relais_runtime.auth import Principal, Role, issue_token, require
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.settings import Settings, get_settings

SETTINGS = get_settings()


class Body(BaseModel):
    name: str
    age: int


router = APIRouter()


WRITE = require(Role.COUNSELOR, Role.DIRECTOR)


@router.post("/v1/{ml_id}/things", status_code=201)
def create_thing(ml_id: str, body: Body, who: Principal = Depends(WRITE)):
    if body.age > 25:
        raise DomainRuleBroken("Le jeune doit avoir entre 16 et 25 ans.", rule="age-out-of-range")
    return {"ml_id": ml_id, "by": who.sub}


@router.get("/boom")
def boom():
    raise RuntimeError("secret internals")


@router.get("/database-away")
def database_away():
    from sqlalchemy import create_engine, text

    with create_engine("postgresql+psycopg://relais:relais@127.0.0.1:9/relais").connect() as conn:  # nothing listens
        conn.execute(text("select 1"))


async def failing_check():
    raise ConnectionError("no route to 127.0.0.1:19092")


def client(readiness=None) -> TestClient:
    parts = ServiceParts(name="test", title="t", routers=[router], readiness=readiness or {})
    return TestClient(create_app(parts), raise_server_exceptions=False)


def auth(role=Role.COUNSELOR, ml_ids=("ML-A",)) -> dict[str, str]:
    token = issue_token(SETTINGS, sub="u1", role=role, ml_ids=list(ml_ids))
    return {"Authorization": f"Bearer {token}"}


def test_health_and_metrics():
    c = client()
    assert c.get("/healthz").json()["status"] == "ok"
    assert c.get("/readyz").status_code == 200
    c.get("/healthz")
    assert "relais_http_requests_total" in c.get("/metrics").text


def test_readyz_is_503_and_says_what_is_unreachable():
    r = client({"kafka": failing_check}).get("/readyz")
    assert r.status_code == 503
    assert "no route" in r.json()["checks"]["kafka"]


def test_a_counselor_writes_in_their_own_mission_locale():
    r = client().post("/v1/ML-A/things", json={"name": "x", "age": 20}, headers=auth())
    assert r.status_code == 201
    assert r.json() == {"ml_id": "ML-A", "by": "u1"}


@pytest.mark.parametrize(
    ("headers", "status", "rule"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer not.a.jwt"}, 401, "unauthorized"),
        (
            {
                "Authorization": "Bearer "
                + issue_token(
                    Settings(jwt_secret="another-secret-that-is-long-enough-32b"),
                    sub="u",
                    role=Role.COUNSELOR,
                    ml_ids=["ML-A"],
                )
            },
            401,
            "unauthorized",
        ),
        (auth(ml_ids=("ML-B",)), 403, "forbidden"),
        (auth(role=Role.NETWORK_ANALYST, ml_ids=("*",)), 403, "forbidden"),
        (auth(role=Role.AUDITOR), 403, "forbidden"),
    ],
)
def test_auth_failures_are_problem_documents(headers, status, rule):
    r = client().post("/v1/ML-A/things", json={"name": "x", "age": 20}, headers=headers)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/" + rule)


def test_wildcard_token_reaches_every_mission_locale():
    r = client().post("/v1/ML-Z/things", json={"name": "x", "age": 20}, headers=auth(role=Role.DIRECTOR, ml_ids=("*",)))
    assert r.status_code == 201


def test_invalid_body_is_422_naming_each_field():
    r = client().post("/v1/ML-A/things", json={"age": "old"}, headers=auth())
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"body.name", "body.age"}
    assert r.json()["title"] == "Données invalides"


def test_broken_domain_rule_is_422_with_the_rule_as_type():
    r = client().post("/v1/ML-A/things", json={"name": "x", "age": 30}, headers=auth())
    assert r.status_code == 422
    assert r.json()["type"].endswith("/age-out-of-range")
    assert "16 et 25" in r.json()["detail"]


def test_unexpected_error_is_500_without_internals():
    r = client().get("/boom")
    assert r.status_code == 500
    assert "secret" not in r.text and "Traceback" not in r.text


def test_a_database_that_does_not_answer_is_503_with_retry_after_not_a_500():
    r = client().get("/database-away")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "5"
    assert r.json()["type"].endswith("/database-unavailable") and "Réessayez" in r.json()["detail"]
    assert "127.0.0.1:9" not in r.text and "Traceback" not in r.text


def test_correlation_id_is_echoed_or_created():
    c = client()
    given = "2f1e8e0e-7b53-4a5e-9a8a-1c2d3e4f5a6b"
    assert c.get("/healthz", headers={"X-Correlation-ID": given}).headers["x-correlation-id"] == given
    assert len(c.get("/healthz").headers["x-correlation-id"]) == 36
