"""The intake API contract, every error path included (memory event store, no Kafka)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from relais_intake.bootstrap import create_app
from support.http import bearer, in_process, offline

COUNSELOR = bearer()
WELCOME = {
    "first_name": "Éloïse",
    "last_name": "Dupont-Lefèvre",
    "birth_date": "2005-03-12",
    "email": "eloise@example.org",
    "phone": "06 12 34 56 78",
    "address": "3 rue des Lilas, Arcueil",
    "site": "ARCUEIL",
    "referral_source": "france_travail",
    "requests": ["employment"],
    "profile": {
        "sex": "F",
        "commune_insee": "94003",
        "qpv": True,
        "zrr": False,
        "education_level": 3,
        "diploma": False,
        "rqth": False,
        "housing": "parents",
        "driving_licence": False,
        "has_car": False,
        "children": 0,
        "nationality_zone": "fr",
        "france_travail_registered": True,
        "neet": True,
    },
    "occurred_at": "2024-05-02T09:00:00+02:00",
}
INTERVIEW = {"nature": "individual_interview", "mode": "on_site", "themes": ["employment"], "duration_minutes": 45}


@pytest.fixture
def client():
    return in_process(create_app(offline()))


def welcome(client, body=WELCOME, headers=COUNSELOR, ml_id="ML-A"):
    return client.post(f"/v1/{ml_id}/youths", json=body, headers=headers)


def test_a_first_welcome_creates_a_dossier_with_its_timeline(client):
    r = welcome(client)
    assert r.status_code == 201
    jeune = r.json()["id"]
    assert r.json()["stream_position"] == 1
    e = client.post(f"/v1/ML-A/youths/{jeune}/events", json=INTERVIEW, headers=COUNSELOR)
    assert e.status_code == 201 and e.json()["stream_position"] == 2
    dossier = client.get(f"/v1/ML-A/youths/{jeune}", headers=COUNSELOR).json()
    assert dossier["personal_data"]["last_name"] == "Dupont-Lefèvre"
    assert dossier["profile"]["birth_month"] == "2005-03"
    assert [t["event_type"] for t in dossier["timeline"]] == [
        "intake.FirstWelcomeRecorded",
        "intake.DossierEventRecorded",
    ]
    assert dossier["timeline"][1]["event_id"] == e.json()["event_id"] == e.json()["id"]
    assert dossier["timeline"][0]["actor_id"] == "counselor-1"
    assert dossier["timeline"][0]["payload"]["nature"] == "individual_interview"  # v2.md, E1: by default
    assert "Dupont" not in str(dossier["timeline"])


def test_cancel_close_reopen(client):
    jeune = welcome(client).json()["id"]
    event_id = client.post(f"/v1/ML-A/youths/{jeune}/events", json=INTERVIEW, headers=COUNSELOR).json()["event_id"]
    r = client.post(
        f"/v1/ML-A/youths/{jeune}/events/{event_id}/cancel", json={"reason": "duplicate"}, headers=COUNSELOR
    )
    assert r.status_code == 201
    again = client.post(
        f"/v1/ML-A/youths/{jeune}/events/{event_id}/cancel", json={"reason": "duplicate"}, headers=COUNSELOR
    )
    assert again.status_code == 422 and again.json()["type"].endswith("/event-already-cancelled")
    assert client.post(f"/v1/ML-A/youths/{jeune}/close", json={"reason": "moved"}, headers=COUNSELOR).status_code == 201
    closed = client.post(f"/v1/ML-A/youths/{jeune}/events", json=INTERVIEW, headers=COUNSELOR)
    assert closed.status_code == 422 and closed.json()["type"].endswith("/dossier-closed")
    assert client.post(f"/v1/ML-A/youths/{jeune}/reopen", headers=COUNSELOR).status_code == 201
    dossier = client.get(f"/v1/ML-A/youths/{jeune}", headers=COUNSELOR).json()
    assert dossier["status"] == "open"
    assert [t["cancelled"] for t in dossier["timeline"]][1] is True


def test_patch_updates_personal_data_and_publishes_only_coarse_changes(client):
    jeune = welcome(client).json()["id"]
    r = client.patch(
        f"/v1/ML-A/youths/{jeune}",
        json={"phone": "07 00 00 00 00", "birth_date": "2005-04-12", "profile": {"neet": False}},
        headers=COUNSELOR,
    )
    assert r.status_code == 200, r.text
    dossier = client.get(f"/v1/ML-A/youths/{jeune}", headers=COUNSELOR).json()
    assert dossier["personal_data"]["phone"] == "07 00 00 00 00"
    assert dossier["profile"]["birth_month"] == "2005-04" and dossier["profile"]["neet"] is False
    assert dossier["timeline"][-1]["payload"]["profile"] == {"birth_month": "2005-04", "neet": False}


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (lambda b: b.pop("last_name"), {"body.last_name"}),
        (lambda b: b["profile"].update(sex="Z"), {"body.profile.sex"}),
        (lambda b: b.update(birth_date="12/03/2005"), {"body.birth_date"}),
        (lambda b: b.update(email="not-an-email"), {"body.email"}),
        (lambda b: b.update(requests=[]), {"body.requests"}),
        (lambda b: b.update(notes="a free text note"), {"body.notes"}),
        (lambda b: b.update(occurred_at="2024-05-02T09:00:00"), {"body.occurred_at"}),
    ],
)
def test_invalid_input_is_422_naming_the_field_and_records_nothing(client, change, fields):
    body = {**WELCOME, "profile": dict(WELCOME["profile"])}
    change(body)
    r = welcome(client, body)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == fields
    assert client.get("/v1/ML-A/youths", params={"query": "Dupont"}, headers=COUNSELOR).json() == []


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"birth_date": "2010-01-01"}, "age-out-of-range"),
        ({"occurred_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "occurred-in-future"),
    ],
)
def test_broken_rules_are_422_with_the_rule_as_type(client, change, rule):
    r = welcome(client, {**WELCOME, **change})
    assert r.status_code == 422
    assert r.json()["type"] == f"https://relais.example/problems/{rule}"


def test_an_event_before_the_first_welcome_is_refused(client):
    jeune = welcome(client).json()["id"]
    r = client.post(
        f"/v1/ML-A/youths/{jeune}/events",
        json={**INTERVIEW, "occurred_at": "2024-05-01T09:00:00+02:00"},
        headers=COUNSELOR,
    )
    assert r.json()["type"].endswith("/occurred-before-first-welcome")


def test_unknown_things_are_404(client):
    jeune = welcome(client).json()["id"]
    assert client.get(f"/v1/ML-A/youths/{uuid.uuid4()}", headers=COUNSELOR).status_code == 404
    assert client.post(f"/v1/ML-A/youths/{uuid.uuid4()}/events", json=INTERVIEW, headers=COUNSELOR).status_code == 404
    cancel = client.post(
        f"/v1/ML-A/youths/{jeune}/events/{uuid.uuid4()}/cancel", json={"reason": "other"}, headers=COUNSELOR
    )
    assert cancel.status_code == 422 and cancel.json()["type"].endswith("/cancelled-event-unknown")


def test_tenants_are_walled(client):
    jeune = welcome(client).json()["id"]
    other_ml = bearer(ml_ids=("ML-B",))
    assert client.get(f"/v1/ML-A/youths/{jeune}", headers=other_ml).status_code == 403
    assert client.post(f"/v1/ML-A/youths/{jeune}/events", json=INTERVIEW, headers=other_ml).status_code == 403
    both = bearer(role="director", ml_ids=("ML-A", "ML-B"))
    # The dossier exists, but not in ML-B: through ML-B's path it is not found.
    assert client.get(f"/v1/ML-B/youths/{jeune}", headers=both).status_code == 404
    assert client.get("/v1/ML-B/youths", params={"query": "Dupont"}, headers=both).json() == []


def test_roles(client):
    jeune = welcome(client).json()["id"]
    auditor = client.get(f"/v1/ML-A/youths/{jeune}", headers=bearer("auditor"))
    assert auditor.status_code == 200 and auditor.json()["personal_data"] is None
    assert client.get(f"/v1/ML-A/youths/{jeune}", headers=bearer("network_analyst", ("*",))).status_code == 403
    assert (
        client.get("/v1/ML-A/youths", params={"query": "Du"}, headers=bearer("network_analyst", ("*",))).status_code
        == 403
    )
    assert client.get("/v1/ML-A/youths", params={"query": "Du"}, headers=bearer("auditor")).status_code == 403
    assert welcome(client, headers=bearer("auditor")).status_code == 403
    assert welcome(client, headers={}).status_code == 401


def test_idempotency_key_replays_the_first_answer_and_records_nothing_new(client):
    headers = {**COUNSELOR, "Idempotency-Key": "welcome-123"}
    first = welcome(client, headers=headers)
    second = welcome(client, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len(client.get("/v1/ML-A/youths", params={"query": "eloise"}, headers=COUNSELOR).json()) == 1
    other = welcome(client, {**WELCOME, "first_name": "Jeanne"}, headers=headers)
    assert other.status_code == 409 and other.json()["type"].endswith("/idempotency-key-reused")

    jeune = first.json()["id"]
    key = {**COUNSELOR, "Idempotency-Key": "interview-1"}
    a = client.post(f"/v1/ML-A/youths/{jeune}/events", json=INTERVIEW, headers=key)
    b = client.post(f"/v1/ML-A/youths/{jeune}/events", json=INTERVIEW, headers=key)
    assert a.json() == b.json()
    assert len(client.get(f"/v1/ML-A/youths/{jeune}", headers=COUNSELOR).json()["timeline"]) == 2
    c = client.post(f"/v1/ML-A/youths/{jeune}/events", json={**INTERVIEW, "nature": "phone"}, headers=key)
    assert c.status_code == 409


def test_search_by_name_prefix_ignores_case_and_accents(client):
    welcome(client)
    welcome(client, {**WELCOME, "first_name": "Jean", "last_name": "Martin"})
    hits = client.get("/v1/ML-A/youths", params={"query": "ELOI dupo"}, headers=COUNSELOR).json()
    assert [(h["first_name"], h["last_name"]) for h in hits] == [("Éloïse", "Dupont-Lefèvre")]
    assert (
        client.get("/v1/ML-A/youths", params={"query": "lefevre"}, headers=COUNSELOR).json()[0]["last_name"]
        == "Dupont-Lefèvre"
    )
    assert client.get("/v1/ML-A/youths", params={"query": "durand"}, headers=COUNSELOR).json() == []
    assert client.get("/v1/ML-A/youths", params={"query": "x"}, headers=COUNSELOR).status_code == 422


def test_a_common_surname_lists_the_first_twenty_by_name_with_their_dossiers_status(client):
    ids = {}
    for first in ["Zoé", "Adam", "Inès", *[f"Prénom{k:02d}" for k in range(22)]]:
        ids[first] = welcome(client, {**WELCOME, "first_name": first, "last_name": "Martin"}).json()["id"]
    welcome(
        client, {**WELCOME, "first_name": "Adam", "last_name": "Martin"}, ml_id="ML-B", headers=bearer(ml_ids=("ML-B",))
    )
    client.post(f"/v1/ML-A/youths/{ids['Inès']}/close", json={"reason": "moved"}, headers=COUNSELOR)
    hits = client.get("/v1/ML-A/youths", params={"query": "martin"}, headers=COUNSELOR).json()
    assert len(hits) == 20 and [h["first_name"] for h in hits[:3]] == ["Adam", "Inès", "Prénom00"]
    assert {h["jeune_id"] for h in hits} <= set(ids.values())  # the other Mission Locale's Adam is not here
    assert [h["status"] for h in hits[:2]] == ["open", "closed"]
    client.post(f"/v1/ML-A/youths/{ids['Inès']}/reopen", json={}, headers=COUNSELOR)
    hits = client.get("/v1/ML-A/youths", params={"query": "ines mar"}, headers=COUNSELOR).json()
    assert [(h["first_name"], h["status"]) for h in hits] == [("Inès", "open")]


def test_the_index_applies_a_batch_in_order_whatever_happened_between_two_searches(client):
    """The name index applies its batch in a few statements (#18): the latest name and status of
    each young person win, however many changes the batch holds."""
    jeune = welcome(client, {**WELCOME, "first_name": "Léa", "last_name": "Bernard"}).json()["id"]
    client.patch(f"/v1/ML-A/youths/{jeune}", json={"last_name": "Fontaine"}, headers=COUNSELOR)
    for step in ("close", "reopen", "close"):
        body = {"reason": "moved"} if step == "close" else {}
        assert client.post(f"/v1/ML-A/youths/{jeune}/{step}", json=body, headers=COUNSELOR).status_code == 201
    assert client.get("/v1/ML-A/youths", params={"query": "bernard"}, headers=COUNSELOR).json() == []
    hits = client.get("/v1/ML-A/youths", params={"query": "lea font"}, headers=COUNSELOR).json()
    assert [(h["last_name"], h["status"]) for h in hits] == [("Fontaine", "closed")]


DIRECTOR = bearer("director")


def test_erasing_personal_data_of_a_closed_dossier_leaves_the_dossier_and_its_figures(client):
    jeune = welcome(client).json()["id"]
    client.post(f"/v1/ML-A/youths/{jeune}/events", json=INTERVIEW, headers=COUNSELOR)
    erase = f"/v1/ML-A/youths/{jeune}/erase-personal-data"
    refused = client.post(erase, json={"reason": "youth_request"}, headers=DIRECTOR)
    assert refused.status_code == 422 and refused.json()["type"].endswith("/dossier-not-closed")
    assert (
        client.get(f"/v1/ML-A/youths/{jeune}", headers=COUNSELOR).json()["personal_data"]["last_name"]
        == "Dupont-Lefèvre"
    )

    client.post(f"/v1/ML-A/youths/{jeune}/close", json={"reason": "other"}, headers=COUNSELOR)
    assert (
        client.post(erase, json={"reason": "youth_request"}, headers=COUNSELOR).status_code == 403
    )  # directors decide
    done = client.post(erase, json={"reason": "youth_request"}, headers=DIRECTOR)
    assert done.status_code == 201, done.text

    dossier = client.get(f"/v1/ML-A/youths/{jeune}", headers=COUNSELOR).json()
    assert dossier["personal_data"] is None
    assert dossier["profile"]["commune_insee"] == "94003"  # the pseudonymous profile stays
    assert [t["event_type"] for t in dossier["timeline"]][-1] == "intake.PersonalDataErased"
    assert dossier["timeline"][-1]["payload"] == {"reason": "youth_request"}
    assert client.get("/v1/ML-A/youths", params={"query": "dupont"}, headers=COUNSELOR).json() == []
    again = client.post(erase, json={"reason": "youth_request"}, headers=DIRECTOR)
    assert again.status_code == 422 and again.json()["type"].endswith("/personal-data-already-erased")
    reopened = client.post(f"/v1/ML-A/youths/{jeune}/reopen", json={}, headers=COUNSELOR)
    assert reopened.status_code == 422 and reopened.json()["type"].endswith("/personal-data-erased")
    renamed = client.patch(f"/v1/ML-A/youths/{jeune}", json={"last_name": "Autre"}, headers=COUNSELOR)
    assert renamed.status_code == 422 and renamed.json()["type"].endswith("/personal-data-erased")  # as reopening


def test_the_erasure_stays_in_intake(client):
    from relais_runtime.kernel.events import to_envelope

    app = client.app.state.application
    jeune = welcome(client).json()["id"]
    client.post(f"/v1/ML-A/youths/{jeune}/close", json={"reason": "other"}, headers=COUNSELOR)
    client.post(
        f"/v1/ML-A/youths/{jeune}/erase-personal-data", json={"reason": "retention_period_expired"}, headers=DIRECTOR
    )
    stored = [app.mapper.to_domain_event(n) for n in app.notification_log.select(1, 10)]
    assert [type(e).__name__ for e in stored] == ["FirstWelcomeRecorded", "DossierClosed", "PersonalDataErased"]
    assert [to_envelope(e) is None for e in stored] == [False, False, True]  # the relay publishes the first two only


def test_the_idempotency_fingerprint_keeps_no_plain_hash_of_the_person(client):
    """An unsalted hash of the request would let anyone holding the events test a guessed name
    and birth date against it, erased or not: personal fields are keyed with the person's key."""
    from relais_intake.api import WelcomeRequest
    from relais_runtime.kernel.commands import fingerprint

    headers = {**COUNSELOR, "Idempotency-Key": "welcome-42"}
    first = welcome(client, headers=headers)
    assert first.status_code == 201
    dossier = client.app.state.application.dossier("ML-A", uuid.UUID(first.json()["id"]))
    stored = dossier.timeline[0].command_hash
    plain = fingerprint("POST", "/v1/ML-A/youths", WelcomeRequest.model_validate(WELCOME).model_dump(mode="json"))
    assert stored != plain

    assert welcome(client, headers=headers).json() == first.json()  # a retry gets the first answer
    other_person = welcome(client, body={**WELCOME, "first_name": "Inès"}, headers=headers)
    assert other_person.status_code == 409  # the key cannot be reused for someone else


def test_a_collective_welcome_by_the_mobile_office_says_so_and_a_made_up_nature_is_refused(client):
    r = welcome(client, body={**WELCOME, "nature": "group_information", "mode": "outreach"})
    dossier = client.get(f"/v1/ML-A/youths/{r.json()['id']}", headers=COUNSELOR).json()
    assert {k: dossier["timeline"][0]["payload"][k] for k in ("nature", "mode")} == {
        "nature": "group_information",
        "mode": "outreach",
    }
    refused = welcome(client, body={**WELCOME, "first_name": "Inès", "nature": "administrative"})
    assert refused.status_code == 422 and "nature" in str(refused.json()["errors"])
