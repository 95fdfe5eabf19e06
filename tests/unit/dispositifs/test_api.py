"""The dispositifs API contract (memory event store, youth facts seeded, no Kafka)."""

import uuid

import pytest
from relais_dispositifs.bootstrap import create_app
from support.http import bearer, in_process, offline
from support.youths import welcomed

H = bearer()
CEJ = {"programme": "CEJ", "start_date": "2024-02-01", "planned_end_date": "2025-01-31", "weekly_hours": 15}


@pytest.fixture
def app():
    return create_app(offline())


@pytest.fixture
def client(app):
    return in_process(app)


@pytest.fixture
def jeune(app):
    return welcomed(app.state.application.tables)


def test_a_cej_life_over_http(client, jeune):
    r = client.post(f"/v1/ML-A/youths/{jeune}/programmes", json=CEJ, headers=H)
    assert r.status_code == 201, r.text
    enrolment = r.json()["id"]
    a1 = client.post(
        f"/v1/ML-A/enrolments/{enrolment}/allowances", json={"month": "2024-04", "amount_cents": 52_800}, headers=H
    )
    a2 = client.post(
        f"/v1/ML-A/enrolments/{enrolment}/allowances", json={"month": "2024-05", "amount_cents": 52_800}, headers=H
    )
    assert a1.status_code == a2.status_code == 201
    assert a1.json()["id"] == a1.json()["event_id"]
    paid = client.post(f"/v1/ML-A/allowances/{a1.json()['id']}/payment", json={}, headers=H)
    assert paid.status_code == 201, paid.text
    for path, body in [
        ("suspend", {"date": "2024-06-01", "reason": "health"}),
        ("resume", {"date": "2024-07-01", "reason": "recovered"}),
        ("extend", {"new_planned_end_date": "2025-06-30"}),
        ("exit", {"exit_date": "2024-12-15", "reason": "employment", "exit_situation": "employment"}),
    ]:
        assert client.post(f"/v1/ML-A/enrolments/{enrolment}/{path}", json=body, headers=H).status_code == 201, path
    view = client.get(f"/v1/ML-A/enrolments/{enrolment}", headers=H).json()
    assert view["status"] == "exited" and view["planned_end_date"] == "2025-06-30"
    assert [(a["month"], a["paid"]) for a in view["allowances"]] == [("2024-04", True), ("2024-05", False)]
    assert [e["id"] for e in client.get(f"/v1/ML-A/youths/{jeune}/programmes", headers=H).json()] == [enrolment]

    # Exited on 15 December: a new CEJ may begin six months later, not before.
    def again(start: str, end: str):
        body = {**CEJ, "start_date": start, "planned_end_date": end}
        return client.post(f"/v1/ML-A/youths/{jeune}/programmes", json=body, headers=H)

    too_soon = again("2025-06-14", "2025-12-31")
    assert too_soon.status_code == 422 and too_soon.json()["type"].endswith("/cej-too-soon")
    assert again("2025-06-15", "2025-12-31").status_code == 201


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({**CEJ, "weekly_hours": 10}, "cej-weekly-hours"),
        ({**CEJ, "planned_end_date": "2025-03-01"}, "cej-duration"),
        ({"programme": "TRAINING_OBLIGATION", "start_date": "2024-02-01"}, "training-obligation-age"),
    ],
)
def test_each_rule_is_refused_with_its_own_type(client, jeune, body, rule):
    r = client.post(f"/v1/ML-A/youths/{jeune}/programmes", json=body, headers=H)
    assert r.status_code == 422
    assert r.json()["type"] == f"https://relais.example/problems/{rule}"


def test_a_second_active_cej_is_refused(client, jeune):
    assert client.post(f"/v1/ML-A/youths/{jeune}/programmes", json=CEJ, headers=H).status_code == 201
    r = client.post(f"/v1/ML-A/youths/{jeune}/programmes", json={**CEJ, "programme": "CEJ_JR"}, headers=H)
    assert r.status_code == 422 and r.json()["type"].endswith("/already-enrolled")


def test_unknown_or_closed_young_people_are_refused(client, app):
    unknown = client.post(f"/v1/ML-A/youths/{uuid.uuid4()}/programmes", json=CEJ, headers=H)
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("/youth-unknown")
    other_ml = welcomed(app.state.application.tables, ml_id="ML-B")
    assert (
        client.post(f"/v1/ML-A/youths/{other_ml}/programmes", json=CEJ, headers=H)
        .json()["type"]
        .endswith("/youth-unknown")
    )
    closed = welcomed(app.state.application.tables, closed=True)
    assert (
        client.post(
            f"/v1/ML-A/youths/{closed}/aids", json={"kind": "faj", "amount_cents": 100, "funder": "CD10"}, headers=H
        )
        .json()["type"]
        .endswith("/dossier-closed")
    )


def test_allowance_errors(client, jeune):
    enrolment = client.post(f"/v1/ML-A/youths/{jeune}/programmes", json=CEJ, headers=H).json()["id"]
    twice = [
        client.post(
            f"/v1/ML-A/enrolments/{enrolment}/allowances", json={"month": "2024-04", "amount_cents": 100}, headers=H
        )
        for _ in range(2)
    ]
    assert twice[1].json()["type"].endswith("/allowance-month-already-requested")
    bad = client.post(
        f"/v1/ML-A/enrolments/{enrolment}/allowances", json={"month": "2024-13", "amount_cents": 1.5}, headers=H
    )
    assert {e["field"] for e in bad.json()["errors"]} == {"body.month", "body.amount_cents"}
    assert client.post(f"/v1/ML-A/allowances/{uuid.uuid4()}/payment", json={}, headers=H).status_code == 404
    assert (
        client.post(
            f"/v1/ML-A/enrolments/{uuid.uuid4()}/suspend", json={"date": "2024-03-01", "reason": "x"}, headers=H
        ).status_code
        == 404
    )


def test_aids_referrals_idempotency_and_roles(client, jeune):
    key = {**H, "Idempotency-Key": "aid-1"}
    body = {"kind": "mobility_voucher", "amount_cents": 5000, "funder": "region"}
    first = client.post(f"/v1/ML-A/youths/{jeune}/aids", json=body, headers=key)
    again = client.post(f"/v1/ML-A/youths/{jeune}/aids", json=body, headers=key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert (
        client.post(f"/v1/ML-A/youths/{jeune}/aids", json={**body, "amount_cents": 1}, headers=key).status_code == 409
    )
    assert (
        client.post(
            f"/v1/ML-A/youths/{jeune}/referrals", json={"domain": "housing", "partner": "CLLAJ"}, headers=H
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/v1/ML-A/youths/{jeune}/referrals",
            json={"domain": "housing", "partner": "CLLAJ"},
            headers=bearer("auditor"),
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/v1/ML-A/youths/{jeune}/referrals",
            json={"domain": "housing", "partner": "CLLAJ"},
            headers=bearer(ml_ids=("ML-B",)),
        ).status_code
        == 403
    )
    assert client.get(f"/v1/ML-A/youths/{jeune}/programmes", headers={}).status_code == 401


def test_corrections_over_http_free_the_young_person_for_a_new_entry(client, jeune):
    """v2.md, E2: the mistaken CEJ is cancelled, and the young person may enter one again."""
    enrolment = client.post(f"/v1/ML-A/youths/{jeune}/programmes", json=CEJ, headers=H).json()["id"]
    bad = client.post(f"/v1/ML-A/enrolments/{enrolment}/cancel", json={"reason": "oops"}, headers=H)
    assert bad.status_code == 422 and "reason" in str(bad.json()["errors"])
    r = client.post(f"/v1/ML-A/enrolments/{enrolment}/cancel", json={"reason": "duplicate"}, headers=H)
    assert r.status_code == 201
    assert client.post(f"/v1/ML-A/youths/{jeune}/programmes", json=CEJ, headers=H).status_code == 201
    gone = client.post(
        f"/v1/ML-A/enrolments/{enrolment}/suspend", json={"date": "2024-03-01", "reason": "x"}, headers=H
    )
    assert gone.status_code == 422 and gone.json()["type"].endswith("/enrolment-cancelled")
    aid = client.post(
        f"/v1/ML-A/youths/{jeune}/aids", json={"kind": "faj", "amount_cents": 5000, "funder": "CD"}, headers=H
    ).json()["id"]
    assert client.post(f"/v1/ML-A/aids/{aid}/cancel", json={"reason": "entry_error"}, headers=H).status_code == 201
    assert (
        client.post(
            f"/v1/ML-B/aids/{aid}/cancel", json={"reason": "entry_error"}, headers=bearer(ml_ids=("ML-B",))
        ).status_code
        == 404
    )


def test_a_director_sets_the_objective_of_the_year_and_revises_it(client):
    """v2.md, E3: the director's decision, not a counselor's; one stream per programme and year."""
    body = {"programme": "CEJ", "year": 2024, "target": 243}
    refused = client.post("/v1/ML-A/objectives", json=body, headers=H)
    assert refused.status_code == 403
    director = bearer("director")
    first = client.post("/v1/ML-A/objectives", json=body, headers=director)
    revised = client.post("/v1/ML-A/objectives", json={**body, "target": 260}, headers=director)
    assert first.status_code == revised.status_code == 201
    assert revised.json()["id"] == first.json()["id"] and revised.json()["stream_position"] == 2
    too_far = client.post("/v1/ML-A/objectives", json={**body, "year": 1999}, headers=director)
    assert too_far.status_code == 422 and "year" in str(too_far.json()["errors"])


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"planned_end_date": None}, "planned_end_date", "six à douze mois"),
        ({"weekly_hours": 35}, "weekly_hours", "15 à 20 heures"),
    ],
)
def test_a_broken_programme_rule_names_the_field_to_correct(client, jeune, change, field, words):
    """The desk shows a rule's words beside the field the counselor corrects (#18)."""
    r = client.post(f"/v1/ML-A/youths/{jeune}/programmes", json={**CEJ, **change}, headers=H)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": field, "message": r.json()["detail"]}]
    assert words in r.json()["detail"]
