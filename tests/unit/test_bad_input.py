"""Bad input gets a clear error and changes nothing: each reproduction of a careless client or an
attacker (issue 12) against the three write APIs, in process. Every answer is a 4xx problem that
names what is wrong, and the event store holds nothing new."""

import copy
import time
import uuid

import jwt
import pytest
from relais_runtime.auth import Role, issue_token
from relais_runtime.settings import get_settings
from support.http import bearer, in_process, offline
from support.youths import welcomed
from unit.intake.test_api import WELCOME


def app_of(service: str):
    import importlib

    return importlib.import_module(f"relais_{service}.bootstrap").create_app(offline())


@pytest.fixture(params=["intake", "dispositifs", "employment"])
def any_service(request):
    return app_of(request.param)


def recorded(app) -> int:
    return app.state.application.recorder.max_notification_id() or 0


def refused(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert "application/problem+json" in response.headers["content-type"]
    problem = response.json()
    if field is not None:
        assert field in [e["field"] for e in problem.get("errors", [])], problem
    return problem


@pytest.fixture
def intake():
    app = app_of("intake")
    return app, in_process(app)


def welcome_with(**changes):
    body = copy.deepcopy(WELCOME)
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"profile__children": 10**30}, "body.profile.children"),
        ({"profile__children": 21}, "body.profile.children"),
        ({"requests": ["employment"] * 5}, "body.requests"),
        ({"occurred_at": "0001-01-01T00:30:00+01:00"}, "body.occurred_at"),
        ({"occurred_at": "9999-12-31T23:30:00-01:00"}, "body.occurred_at"),
        ({"birth_date": "1850-01-01"}, "body.birth_date"),
        ({"site": "x" * 65}, "body.site"),
    ],
)
def test_a_first_welcome_out_of_bounds_is_refused_naming_the_field(intake, change, field):
    app, client = intake
    refused(client.post("/v1/ML-A/youths", json=welcome_with(**change), headers=bearer()), 422, field)
    assert recorded(app) == 0


def test_an_overlong_theme_list_is_refused_before_anything_is_read(intake):
    app, client = intake
    jeune = client.post("/v1/ML-A/youths", json=WELCOME, headers=bearer()).json()["id"]
    before = recorded(app)
    body = {"nature": "individual_interview", "mode": "on_site", "themes": ["employment"] * 120_000}
    refused(client.post(f"/v1/ML-A/youths/{jeune}/events", json=body, headers=bearer()), 413)
    body["themes"] = ["employment", "employment"]
    refused(client.post(f"/v1/ML-A/youths/{jeune}/events", json=body, headers=bearer()), 422, "body.themes")
    assert recorded(app) == before


def test_a_body_over_the_limit_is_refused_whether_announced_or_streamed(intake):
    app, client = intake
    big = b'{"first_name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    refused(client.post("/v1/ML-A/youths", content=big, headers={**bearer(), "content-type": "application/json"}), 413)

    def chunks():  # no Content-Length: the middleware counts what it reads
        for _ in range(40):
            yield b"x" * 4096

    refused(
        client.post("/v1/ML-A/youths", content=chunks(), headers={**bearer(), "content-type": "application/json"}), 413
    )
    assert recorded(app) == 0


@pytest.mark.parametrize("sub", ["", " ", "x" * 129, "line\nbreak"])
def test_a_token_whose_subject_no_event_could_carry_is_refused(intake, sub):
    app, client = intake
    token = issue_token(get_settings(), sub=sub, role=Role.COUNSELOR, ml_ids=["ML-A"])
    refused(client.post("/v1/ML-A/youths", json=WELCOME, headers={"Authorization": f"Bearer {token}"}), 401)
    assert recorded(app) == 0


@pytest.mark.parametrize("ml_id", ["ML A", "ML-A*", "x" * 65, "-ML"])
def test_a_mission_locale_code_outside_the_contract_is_refused_even_for_a_star_token(intake, ml_id):
    app, client = intake
    refused(client.post(f"/v1/{ml_id}/youths", json=WELCOME, headers=bearer("admin", ("*",))), 422, "path.ml_id")
    assert recorded(app) == 0


def test_an_idempotency_key_over_200_characters_is_refused_not_cut(intake):
    app, client = intake
    long_key = "k" * 200
    first = client.post("/v1/ML-A/youths", json=WELCOME, headers={**bearer(), "Idempotency-Key": long_key})
    assert first.status_code == 201
    refused(
        client.post("/v1/ML-A/youths", json=WELCOME, headers={**bearer(), "Idempotency-Key": long_key + "2"}),
        422,
        "header.Idempotency-Key",
    )
    assert recorded(app) == 1


@pytest.mark.parametrize("field", ["first_name", "last_name", "birth_date"])
def test_a_patch_that_nulls_a_name_or_birth_date_is_refused(intake, field):
    app, client = intake
    jeune = client.post("/v1/ML-A/youths", json=WELCOME, headers=bearer()).json()["id"]
    refused(client.patch(f"/v1/ML-A/youths/{jeune}", json={field: None}, headers=bearer()), 422, f"body.{field}")
    assert recorded(app) == 1


def test_dispositifs_amounts_and_dates_out_of_bounds_are_refused():
    app = app_of("dispositifs")
    client = in_process(app)
    jeune = welcomed(app.state.application.tables)
    refused(
        client.post(
            f"/v1/ML-A/youths/{jeune}/aids",
            headers=bearer(),
            json={"kind": "faj", "amount_cents": 10**19, "funder": "CD"},
        ),
        422,
        "body.amount_cents",
    )
    refused(
        client.post(
            f"/v1/ML-A/youths/{jeune}/programmes",
            headers=bearer(),
            json={"programme": "PACEA", "start_date": "9999-07-01"},
        ),
        422,
        "body.start_date",
    )
    assert recorded(app) == 0


@pytest.fixture
def employment():
    app = app_of("employment")
    return app, in_process(app)


def employer_of(client, ml_id: str) -> str:
    answer = client.post(
        f"/v1/{ml_id}/employers",
        headers=bearer(ml_ids=(ml_id,)),
        json={"name": "Boulangerie Lenoir", "sector": "D", "size_band": "0-9", "commune_insee": "10387"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_situations_far_in_the_future_are_refused(employment):
    app, client = employment
    jeune = welcomed(app.state.application.tables)
    host = employer_of(client, "ML-A")
    before = recorded(app)
    refused(
        client.post(
            f"/v1/ML-A/youths/{jeune}/immersions",
            headers=bearer(),
            json={"employer_id": host, "start_date": "9999-12-15", "end_date": "9999-12-31", "objective": "discover"},
        ),
        422,
        "body.start_date",
    )
    refused(
        client.post(
            f"/v1/ML-A/youths/{jeune}/contracts",
            headers=bearer(),
            json={
                "contract_type": "CDD",
                "start_date": "9999-07-01",
                "end_date": "9999-12-31",
                "weekly_hours": 35,
                "sector": "D",
            },
        ),
        422,
        "body.start_date",
    )
    assert recorded(app) == before


def test_offers_immersions_and_contracts_name_only_employers_and_offers_of_their_mission_locale(employment):
    app, client = employment
    jeune = welcomed(app.state.application.tables)
    elsewhere = employer_of(client, "ML-B")
    before = recorded(app)
    immersion = {
        "employer_id": elsewhere,
        "start_date": "2024-03-04",
        "end_date": "2024-03-15",
        "objective": "discover",
    }
    assert refused(client.post(f"/v1/ML-A/youths/{jeune}/immersions", json=immersion, headers=bearer()), 422)[
        "type"
    ].endswith("/employer-unknown")
    offer = {"employer_id": elsewhere, "sector": "I", "contract_type": "CDD", "positions": 1, "commune_insee": "10387"}
    assert refused(client.post("/v1/ML-A/offers", json=offer, headers=bearer()), 422)["type"].endswith(
        "/employer-unknown"
    )
    contract = {
        "contract_type": "CDD",
        "start_date": "2024-04-02",
        "end_date": "2024-10-01",
        "weekly_hours": 35,
        "sector": "D",
    }
    assert refused(
        client.post(
            f"/v1/ML-A/youths/{jeune}/contracts", json={**contract, "employer_id": elsewhere}, headers=bearer()
        ),
        422,
    )["type"].endswith("/employer-unknown")
    assert refused(
        client.post(
            f"/v1/ML-A/youths/{jeune}/contracts", json={**contract, "offer_id": str(uuid.uuid4())}, headers=bearer()
        ),
        422,
    )["type"].endswith("/offer-unknown")
    assert recorded(app) == before


def test_a_token_without_expiry_or_living_too_long_is_refused(intake):
    _, client = intake
    settings = get_settings()
    base = {"sub": "c1", "role": "counselor", "ml_ids": ["ML-A"], "iss": settings.jwt_issuer, "iat": 1_900_000_000}
    no_expiry = jwt.encode(base, settings.jwt_secret, algorithm="HS256")
    refused(client.get("/v1/ML-A/youths?query=du", headers={"Authorization": f"Bearer {no_expiry}"}), 401)
    forever = issue_token(settings, sub="c1", role=Role.COUNSELOR, ml_ids=["ML-A"], ttl_seconds=365 * 86400)
    problem = refused(client.get("/v1/ML-A/youths?query=du", headers={"Authorization": f"Bearer {forever}"}), 401)
    assert "durée de vie" in problem["detail"]


def test_an_expired_token_is_said_expired_in_words(intake):
    _, client = intake
    settings = get_settings()
    now = int(time.time())
    claims = {"sub": "c1", "role": "counselor", "ml_ids": ["ML-A"], "iss": settings.jwt_issuer}
    expired = jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, settings.jwt_secret, algorithm="HS256")
    problem = refused(client.get("/v1/ML-A/youths?query=du", headers={"Authorization": f"Bearer {expired}"}), 401)
    assert problem["detail"] == "Jeton expiré : reconnectez-vous pour en obtenir un nouveau."


def test_a_query_string_token_is_not_accepted_by_the_write_apis(intake):
    _, client = intake
    token = bearer()["Authorization"].split()[1]
    refused(client.get(f"/v1/ML-A/youths?query=du&access_token={token}"), 401)


def test_no_answer_to_bad_input_is_a_server_error(any_service):
    client = in_process(any_service)
    for method, path in [
        ("post", "/v1/ML-A/youths"),
        ("post", "/v1/ML-A/employers"),
        ("patch", f"/v1/ML-A/youths/{uuid.uuid4()}"),
    ]:
        for body in [b"[]", b"null", b'{"occurred_at": "0001-01-01T00:30:00+01:00"}', b"\xff\xfe", b"{" * 10_000]:
            r = client.request(method, path, content=body, headers={**bearer(), "content-type": "application/json"})
            assert r.status_code < 500, (method, path, body[:20], r.text)


@pytest.mark.parametrize(
    ("service", "path", "body", "field"),
    [
        ("intake", "/youths", {**WELCOME, "site": "Antenne de Mme Dupont"}, "body.site"),
        (
            "dispositifs",
            "/youths/{jeune}/referrals",
            {"domain": "health", "partner": "Dr Martin, psychiatre"},
            "body.partner",
        ),
        (
            "dispositifs",
            "/youths/{jeune}/aids",
            {"kind": "faj", "amount_cents": 5000, "funder": "voir note"},
            "body.funder",
        ),
    ],
)
def test_codes_that_travel_on_kafka_cannot_carry_a_sentence(service, path, body, field):
    app = app_of(service)
    client = in_process(app)
    jeune = welcomed(app.state.application.tables) if service != "intake" else None
    refused(client.post(f"/v1/ML-A{path.format(jeune=jeune)}", json=body, headers=bearer()), 422, field)
    assert recorded(app) == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"last_name": "x" * 101}, "body.last_name", "Trop long : au plus 100 caractères."),
        ({"first_name": ""}, "body.first_name", "Trop court : au moins 1 caractère(s)."),
        ({"referral_source": "a friend"}, "body.referral_source", "Valeur non prévue : choisissez dans la liste."),
        ({"birth_date": "12/03/2005"}, "body.birth_date", "Date invalide (aaaa-mm-jj)."),
    ],
)
def test_a_refused_field_is_explained_in_french_beside_its_name(intake, changes, field, message):
    """The desk shows these words next to the field (#18); `type` keeps pydantic's code."""
    app, client = intake
    problem = refused(client.post("/v1/ML-A/youths", json=welcome_with(**changes), headers=bearer()), 422, field)
    assert {"field": field, "message": message} in [{k: e[k] for k in ("field", "message")} for e in problem["errors"]]


def test_a_missing_field_is_said_to_be_required(intake):
    app, client = intake
    body = copy.deepcopy(WELCOME)
    del body["site"]
    problem = refused(client.post("/v1/ML-A/youths", json=body, headers=bearer()), 422, "body.site")
    assert problem["errors"][0]["message"] == "Champ obligatoire." and problem["errors"][0]["type"] == "missing"
