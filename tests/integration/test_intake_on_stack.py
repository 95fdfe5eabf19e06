"""The intake service as a real process on the real stack: what reaches `relais.intake`, what a
kill between commit and publish does, and 50 commands racing on one dossier."""

import asyncio
import uuid

import httpx
import orjson
import pytest
from relais_cli.harness import ServiceProcess, welcome_body
from relais_contracts import decode
from support.http import bearer
from support.topics import read_all

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
TOPIC = "relais.intake"
HEADERS = bearer(ml_ids=("ML-STACK",))


def of(jeune: str, messages) -> list:
    return [m for m in messages if m.key == jeune.encode()]


async def test_commands_over_http_reach_the_topic_in_order_without_personal_data(stack):
    last_name = f"Zyxwa{uuid.uuid4().hex[:8]}"
    body = welcome_body(last_name)
    with ServiceProcess("intake", 18101) as service:
        async with httpx.AsyncClient(base_url=service.url + "/v1/ML-STACK", headers=HEADERS) as http:
            jeune = (await http.post("/youths", json=body)).json()["id"]
            natures = ["individual_interview", "workshop", "phone"]
            events = []
            for nature in natures:
                r = await http.post(
                    f"/youths/{jeune}/events", json={"nature": nature, "mode": "on_site", "themes": ["employment"]}
                )
                assert r.status_code == 201, r.text
                events.append(r.json()["event_id"])
            assert (
                await http.post(f"/youths/{jeune}/events/{events[1]}/cancel", json={"reason": "entry_error"})
            ).status_code == 201
            r = await http.patch(
                f"/youths/{jeune}", json={"address": f"4 rue {last_name}-Bis, Troyes", "profile": {"housing": "own"}}
            )
            assert r.status_code == 200, r.text

        messages = await read_all(stack.kafka_bootstrap, TOPIC, until=lambda ms: len(of(jeune, ms)) >= 6)

    mine = [decode(m.value) for m in of(jeune, messages)]
    assert [e.event_type for e in mine] == [
        "intake.FirstWelcomeRecorded",
        "intake.DossierEventRecorded",
        "intake.DossierEventRecorded",
        "intake.DossierEventRecorded",
        "intake.DossierEventCancelled",
        "intake.ProfileUpdated",
    ]
    assert [e.stream_position for e in mine] == [1, 2, 3, 4, 5, 6]
    assert [e.payload.nature for e in mine[1:4]] == natures
    assert mine[4].payload.cancelled_event_id == uuid.UUID(events[1])
    assert all(e.ml_id == "ML-STACK" and e.actor_id == "counselor-1" and e.correlation_id for e in mine)
    assert mine[0].recorded_at >= mine[0].occurred_at.replace(microsecond=0)

    personal_values = [
        last_name,
        last_name.lower(),
        "Maëlys",
        "Maëlys".encode("unicode_escape").decode(),
        "06 98 76 54 32",
        "2005-03-12",
        "impasse",
        "Bis, Troyes",
    ]
    for message in messages:  # every message on the topic, not only this test's
        text = message.value.decode()
        for value in personal_values:
            assert value not in text, f"personal data {value!r} on {TOPIC}"
        assert set(orjson.loads(message.value)["payload"]) <= {
            "jeune_id",
            "site",
            "referral_source",
            "requests",
            "profile",
            "nature",
            "mode",
            "themes",
            "session_id",
            "duration_minutes",
            "cancelled_event_id",
            "reason",
        }


async def test_an_event_committed_before_a_kill_is_published_after_restart(stack):
    # Kafka unreachable: the command commits, the relay cannot publish. Then the process dies.
    down = ServiceProcess("intake", 18102, RELAIS_KAFKA_BOOTSTRAP="127.0.0.1:1").start(wait_for="/healthz")
    r = httpx.post(down.url + "/v1/ML-STACK/youths", json=welcome_body(f"Kill{uuid.uuid4().hex[:6]}"), headers=HEADERS)
    assert r.status_code == 201, r.text
    jeune, event_id = r.json()["id"], r.json()["event_id"]
    assert down.kill() == -9
    assert of(jeune, await read_all(stack.kafka_bootstrap, TOPIC, timeout=2)) == []

    with ServiceProcess("intake", 18102):
        messages = await read_all(stack.kafka_bootstrap, TOPIC, until=lambda ms: len(of(jeune, ms)) >= 1)
    published = [decode(m.value) for m in of(jeune, messages)]
    assert [str(e.event_id) for e in published] == [event_id]


async def test_fifty_concurrent_commands_on_one_dossier_lose_no_update(stack):
    with ServiceProcess("intake", 18103) as service:
        async with httpx.AsyncClient(base_url=service.url + "/v1/ML-STACK", headers=HEADERS, timeout=60) as http:
            jeune = (await http.post("/youths", json=welcome_body(f"Race{uuid.uuid4().hex[:6]}"))).json()["id"]
            event = {"nature": "sms", "mode": "remote", "themes": []}
            answers = await asyncio.gather(*(http.post(f"/youths/{jeune}/events", json=event) for _ in range(50)))
            dossier = (await http.get(f"/youths/{jeune}")).json()

    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {201, 409}, statuses
    landed = [a.json() for a in answers if a.status_code == 201]
    recorded = [t for t in dossier["timeline"] if t["event_type"] == "intake.DossierEventRecorded"]
    assert len(recorded) == len(landed) >= 1
    assert sorted(a["event_id"] for a in landed) == sorted(t["event_id"] for t in recorded)
    assert sorted(a["stream_position"] for a in landed) == list(range(2, 2 + len(landed)))
    for conflict in (a for a in answers if a.status_code == 409):
        assert conflict.json()["type"].endswith("/concurrent-update")


async def test_an_erasure_is_not_published_and_the_relay_goes_on_past_it(stack):
    director = bearer("director", ("ML-STACK",))
    with ServiceProcess("intake", 18104) as service:
        async with httpx.AsyncClient(base_url=service.url + "/v1/ML-STACK", headers=HEADERS) as http:
            gone = (await http.post("/youths", json=welcome_body(f"Erase{uuid.uuid4().hex[:6]}"))).json()["id"]
            assert (await http.post(f"/youths/{gone}/close", json={"reason": "moved"})).status_code == 201
            r = await http.post(
                f"/youths/{gone}/erase-personal-data", json={"reason": "youth_request"}, headers=director
            )
            assert r.status_code == 201, r.text
            assert (await http.get(f"/youths/{gone}")).json()["personal_data"] is None
            after = (await http.post("/youths", json=welcome_body(f"After{uuid.uuid4().hex[:6]}"))).json()["id"]
        messages = await read_all(stack.kafka_bootstrap, TOPIC, until=lambda ms: len(of(after, ms)) >= 1)
    assert [decode(m.value).event_type for m in of(gone, messages)] == [
        "intake.FirstWelcomeRecorded",
        "intake.DossierClosed",
    ]
    assert [decode(m.value).event_type for m in of(after, messages)] == ["intake.FirstWelcomeRecorded"]
