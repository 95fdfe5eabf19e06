"""The collective sessions a counselor picks an attendee's session from (`GET /sessions`): the
ids the dossier events share, counted without the entries cancelled, per Mission Locale."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from relais_intake.bootstrap import create_app
from support.http import bearer, in_process, offline
from unit.intake.test_api import COUNSELOR, welcome


@pytest.fixture
def client():
    return in_process(create_app(offline()))


def attend(client, jeune, session_id, nature="workshop", themes=("employment",), occurred_at=None, ml_id="ML-A"):
    body = {"nature": nature, "mode": "on_site", "themes": list(themes), "session_id": str(session_id)}
    if occurred_at:
        body["occurred_at"] = occurred_at.isoformat()
    r = client.post(f"/v1/{ml_id}/youths/{jeune}/events", json=body, headers=COUNSELOR)
    assert r.status_code == 201, r.text
    return r.json()["event_id"]


def sessions(client, ml_id="ML-A", headers=COUNSELOR, **params):
    r = client.get(f"/v1/{ml_id}/sessions", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_attendees_of_one_session_are_counted_together_latest_session_first(client):
    youths = [welcome(client).json()["id"] for _ in range(3)]
    cv, info = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    for jeune in youths[:2]:
        attend(client, jeune, cv, themes=("employment",), occurred_at=now - timedelta(days=2))
    attend(
        client, youths[2], info, nature="group_information", themes=("training",), occurred_at=now - timedelta(hours=1)
    )
    interview = {"nature": "individual_interview", "mode": "on_site", "themes": ["employment"]}
    client.post(f"/v1/ML-A/youths/{youths[0]}/events", json=interview, headers=COUNSELOR)

    listed = sessions(client)
    assert [(s["session_id"], s["nature"], s["themes"], s["attendees"]) for s in listed] == [
        (str(info), "group_information", ["training"], 1),
        (str(cv), "workshop", ["employment"], 2),
    ]
    assert abs(datetime.fromisoformat(listed[1]["first_at"]) - (now - timedelta(days=2))) < timedelta(seconds=1)


def test_a_cancelled_attendance_leaves_its_session_and_the_last_one_takes_the_session_away(client):
    a, b = welcome(client).json()["id"], welcome(client).json()["id"]
    session = uuid.uuid4()
    first = attend(client, a, session)
    second = attend(client, b, session)
    cancel = {"reason": "entry_error"}
    assert client.post(f"/v1/ML-A/youths/{a}/events/{first}/cancel", json=cancel, headers=COUNSELOR).status_code == 201
    assert [s["attendees"] for s in sessions(client)] == [1]
    assert client.post(f"/v1/ML-A/youths/{b}/events/{second}/cancel", json=cancel, headers=COUNSELOR).status_code == 201
    assert sessions(client) == []


def test_only_sessions_attended_within_the_days_asked(client):
    jeune = welcome(client).json()["id"]
    old, recent = uuid.uuid4(), uuid.uuid4()
    attend(client, jeune, old, occurred_at=datetime.now(UTC) - timedelta(days=45))
    attend(client, jeune, recent)
    assert [s["session_id"] for s in sessions(client)] == [str(recent)]  # 30 days by default
    assert [s["session_id"] for s in sessions(client, days=60)] == [str(recent), str(old)]


def test_each_mission_locale_sees_its_own_sessions_only(client):
    session = uuid.uuid4()
    attend(client, welcome(client).json()["id"], session)
    other = bearer(ml_ids=("ML-B",))
    welcome(client, headers=other, ml_id="ML-B")
    assert sessions(client, ml_id="ML-B", headers=other) == []
    assert client.get("/v1/ML-A/sessions", headers=other).status_code == 403
    assert client.get("/v1/ML-A/sessions").status_code == 401


@pytest.mark.parametrize("days", ["0", "367", "-1", "trente", "1e9"])
def test_a_period_out_of_bounds_is_422_naming_days(client, days):
    r = client.get("/v1/ML-A/sessions", params={"days": days}, headers=COUNSELOR)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["query.days"]


def test_a_session_s_attendance_sheet_names_who_came_for_the_roles_that_see_names(client):
    from unit.intake.test_api import WELCOME

    people = {}
    for first in ("Inès", "Hugo", "Léa"):
        r = welcome(client, body={**WELCOME, "first_name": first, "last_name": "Atelier"})
        people[first] = r.json()["id"]
    session = uuid.uuid4()
    events = {first: attend(client, jeune, session) for first, jeune in people.items()}
    cancel = {"reason": "did_not_happen"}
    hugo = f"/v1/ML-A/youths/{people['Hugo']}/events/{events['Hugo']}/cancel"
    assert client.post(hugo, json=cancel, headers=COUNSELOR).status_code == 201

    sheet = client.get(f"/v1/ML-A/sessions/{session}", headers=COUNSELOR)
    assert sheet.status_code == 200, sheet.text
    body = sheet.json()
    assert (body["nature"], body["mode"], body["attendees"]) == ("workshop", "on_site", 2)
    assert [(a["first_name"], a["last_name"], a["event_id"]) for a in body["attendees_list"]] == [
        ("Inès", "Atelier", events["Inès"]),
        ("Léa", "Atelier", events["Léa"]),
    ]
    # Erased, a young person stays on the sheet (the attendance counts) without a name.
    director = bearer(role="director")
    client.post(f"/v1/ML-A/youths/{people['Léa']}/close", json={"reason": "other"}, headers=COUNSELOR)
    erase = f"/v1/ML-A/youths/{people['Léa']}/erase-personal-data"
    assert client.post(erase, json={"reason": "youth_request"}, headers=director).status_code == 201
    after = client.get(f"/v1/ML-A/sessions/{session}", headers=COUNSELOR).json()["attendees_list"]
    assert [(a["first_name"], a["last_name"], a["birth_date"]) for a in after][1] == (None, None, None)
    # Names are personal data: an auditor gets no sheet; another Mission Locale finds no session.
    assert client.get(f"/v1/ML-A/sessions/{session}", headers=bearer("auditor")).status_code == 403
    both = bearer(role="director", ml_ids=("ML-A", "ML-B"))
    assert client.get(f"/v1/ML-B/sessions/{session}", headers=both).status_code == 404
    assert client.get(f"/v1/ML-A/sessions/{uuid.uuid4()}", headers=COUNSELOR).status_code == 404
    assert client.get("/v1/ML-A/sessions/not-an-id", headers=COUNSELOR).status_code == 422
