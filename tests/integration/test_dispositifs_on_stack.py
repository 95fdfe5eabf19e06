"""Dispositifs on the real stack: it learns young people from `relais.intake`, and a CEJ's life
entered over HTTP reaches `relais.dispositifs` as valid envelopes, in order."""

import time
import uuid

import httpx
import pytest
from relais_cli.harness import ServiceProcess, welcome_body
from relais_contracts import decode
from support.http import bearer
from support.topics import read_all

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
HEADERS = bearer(ml_ids=("ML-STACK",))


def post_when_known(url: str, body: dict, timeout: float = 30, headers: dict | None = None) -> httpx.Response:
    """Post until the young person is known: intake's event travels through Kafka first."""
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.post(url, json=body, headers=headers or HEADERS, timeout=10)
        if not (r.status_code == 422 and r.json()["type"].endswith("/youth-unknown")) or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


async def test_a_cej_for_a_young_person_welcomed_through_intake(stack):
    with ServiceProcess("intake", 18111) as intake, ServiceProcess("dispositifs", 18112) as dispositifs:
        jeune = httpx.post(
            intake.url + "/v1/ML-STACK/youths", json=welcome_body(f"Cej{uuid.uuid4().hex[:6]}"), headers=HEADERS
        ).json()["id"]
        base = dispositifs.url + "/v1/ML-STACK"
        entered = post_when_known(
            f"{base}/youths/{jeune}/programmes",
            {"programme": "CEJ", "start_date": "2024-01-08", "planned_end_date": "2025-01-07", "weekly_hours": 18},
        )
        assert entered.status_code == 201, entered.text
        enrolment = entered.json()["id"]
        steps = [
            ("allowances", {"month": "2024-01", "amount_cents": 50_000}),
            ("allowances", {"month": "2024-02", "amount_cents": 50_000}),
            ("suspend", {"date": "2024-03-01", "reason": "hospital"}),
            ("resume", {"date": "2024-03-15", "reason": "back"}),
            ("exit", {"exit_date": "2024-09-30", "reason": "employment", "exit_situation": "employment"}),
        ]
        for path, body in steps:
            r = httpx.post(f"{base}/enrolments/{enrolment}/{path}", json=body, headers=HEADERS)
            assert r.status_code == 201, (path, r.text)
        unknown = httpx.post(
            f"{base}/youths/{uuid.uuid4()}/programmes",
            json={"programme": "PACEA", "start_date": "2024-01-08"},
            headers=HEADERS,
        )
        assert unknown.status_code == 422 and unknown.json()["type"].endswith("/youth-unknown")

        messages = await read_all(
            stack.kafka_bootstrap, "relais.dispositifs", until=lambda ms: sum(m.key == jeune.encode() for m in ms) >= 6
        )
    mine = [decode(m.value) for m in messages if m.key == jeune.encode()]
    assert [e.event_type.split(".")[1] for e in mine] == [
        "ProgrammeEntered",
        "AllowanceRequested",
        "AllowanceRequested",
        "ProgrammeSuspended",
        "ProgrammeResumed",
        "ProgrammeExited",
    ]
    assert all(e.stream_id == uuid.UUID(enrolment) and e.payload.jeune_id == uuid.UUID(jeune) for e in mine)
    assert [e.stream_position for e in mine] == [1, 2, 3, 4, 5, 6]
    assert mine[0].payload.weekly_hours == 18 and mine[-1].payload.exit_situation == "employment"


async def test_an_entry_recorded_by_mistake_is_cancelled_on_the_topic_and_the_young_person_enters_again(stack):
    """v2.md, E2: the correction travels on the enrolment's own stream and names the entry."""
    with ServiceProcess("intake", 18113) as intake, ServiceProcess("dispositifs", 18114) as dispositifs:
        jeune = httpx.post(
            intake.url + "/v1/ML-STACK/youths", json=welcome_body(f"Err{uuid.uuid4().hex[:6]}"), headers=HEADERS
        ).json()["id"]
        base = dispositifs.url + "/v1/ML-STACK"
        entered = post_when_known(
            f"{base}/youths/{jeune}/programmes", {"programme": "PACEA", "start_date": "2024-01-08"}
        )
        assert entered.status_code == 201, entered.text
        enrolment = entered.json()["id"]
        cancelled = httpx.post(f"{base}/enrolments/{enrolment}/cancel", json={"reason": "duplicate"}, headers=HEADERS)
        assert cancelled.status_code == 201, cancelled.text
        again = httpx.post(
            f"{base}/youths/{jeune}/programmes",
            json={"programme": "PACEA", "start_date": "2024-01-09"},
            headers=HEADERS,
        )
        assert again.status_code == 201, again.text
        messages = await read_all(
            stack.kafka_bootstrap, "relais.dispositifs", until=lambda ms: sum(m.key == jeune.encode() for m in ms) >= 3
        )
    first, correction, second = [decode(m.value) for m in messages if m.key == jeune.encode()]
    assert correction.event_type == "dispositifs.EntryCancelled"
    assert correction.stream_id == first.stream_id and correction.payload.cancelled_event_id == first.event_id
    assert second.event_type == "dispositifs.ProgrammeEntered" and second.stream_id != first.stream_id
