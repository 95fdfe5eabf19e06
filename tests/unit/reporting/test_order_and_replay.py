"""The answer does not depend on the order of events nor on copies of them (hypothesis), a
replay gives identical read models, and the live API and the CLI give the same document."""

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relais_cli.audit import scratch_engine
from relais_contracts import encode
from relais_reporting.bootstrap import create_app
from relais_reporting.projection import apply
from relais_reporting.readmodel import READ_MODEL_TABLES
from sqlalchemy import select
from support.histories import random_history
from support.http import bearer, in_process, offline
from support.reporting import document


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10_000), data=st.data())
def test_permuting_and_duplicating_events_never_changes_the_answer(seed, data):
    events = random_history(seed)
    shuffled = data.draw(st.permutations(events))
    copies = data.draw(st.lists(st.sampled_from(events), max_size=15))
    mixed = list(shuffled) + copies
    data.draw(st.randoms()).shuffle(mixed)
    for ml_id in ("ML-A", None):
        assert document(mixed, ml_id=ml_id) == document(events, ml_id=ml_id)


def rows_of(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t.name: sorted(tuple(map(str, r)) for r in conn.execute(select(t))) for t in READ_MODEL_TABLES}


def test_a_replay_after_dropping_the_read_models_gives_identical_read_models():
    events = random_history(7, youths=20)
    live = scratch_engine()
    for i in range(0, len(events), 17):  # folded as it arrived, batch by batch
        with live.begin() as conn:
            apply(conn, events[i : i + 17])
    replayed = scratch_engine()
    again = events[::-1] + events[:10]
    with replayed.begin() as conn:
        apply(conn, again)
    assert rows_of(replayed) == rows_of(live)


@pytest.mark.parametrize("ml_id", ["ML-B", None])
def test_the_live_api_and_the_cli_give_the_same_document(tmp_path, ml_id):
    events = random_history(11, youths=10)
    app = create_app(offline())
    with app.state.engine.begin() as conn:
        apply(conn, events)
    params = {"from": "2023-01-01", "to": "2023-12-31", **({"ml_id": ml_id} if ml_id else {})}
    live = in_process(app).get("/v1/indicators", params=params, headers=bearer("network_analyst", ("*",)))
    assert live.status_code == 200, live.text

    export = tmp_path / "events.jsonl"
    export.write_bytes(b"".join(encode(e) + b"\n" for e in reversed(events)))
    args = ["--events", str(export), "--from", "2023-01-01", "--to", "2023-12-31"] + (
        ["--ml-id", ml_id] if ml_id else []
    )
    cli = subprocess.run([sys.executable, "-m", "relais_cli.main", "indicators", *args], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == live.json()
    assert live.json()["indicators"]["first_welcomes"] == (10 if ml_id else 20)


@pytest.mark.parametrize(
    ("headers", "params", "status"),
    [
        (bearer("director", ("ML-A",)), {"ml_id": "ML-A"}, 200),
        (bearer("director", ("ML-A",)), {"ml_id": "ML-B"}, 403),
        (bearer("director", ("ML-A",)), {}, 403),  # the network needs every Mission Locale
        (bearer("network_analyst", ("*",)), {}, 200),
        (bearer("auditor", ("*",)), {"ml_id": "ML-B", "as_of": "2023-06-01T00:00:00+02:00"}, 200),
        (bearer("network_analyst", ("*",)), {"from": "2023-12-31", "to": "2023-01-01"}, 422),
        (bearer("network_analyst", ("*",)), {"as_of": "2023-06-01T00:00:00"}, 422),  # an instant needs its offset
        ({}, {}, 401),
    ],
)
def test_who_may_read_which_indicators(headers, params, status):
    app = create_app(offline())
    r = in_process(app).get("/v1/indicators", params=params, headers=headers)
    assert r.status_code == status, r.text


def test_timelines_are_for_the_counselors_auditors_and_directors_of_the_mission_locale():
    events = random_history(3, youths=2)
    app = create_app(offline())
    with app.state.engine.begin() as conn:
        apply(conn, events)
    jeune = events[0].payload.jeune_id
    client = in_process(app)
    path = f"/v1/ML-A/youths/{jeune}/timeline"
    timeline = client.get(path, headers=bearer("auditor", ("ML-A",))).json()
    assert "intake.FirstWelcomeRecorded" in {t["event_type"] for t in timeline} and timeline[0]["actor_id"] == "c1"
    assert [t["occurred_at"] for t in timeline] == sorted(t["occurred_at"] for t in timeline)
    assert len(timeline) == sum(getattr(e.payload, "jeune_id", None) == jeune for e in events)
    # Each entry names its aggregate (an aid, a referral…): what the desk cancels it by.
    streams = {str(e.event_id): str(e.stream_id) for e in events}
    assert all(t["stream_id"] == streams[t["event_id"]] for t in timeline)
    assert client.get(path, headers=bearer("counselor", ("ML-A",))).json() == timeline  # the desk's dossier page
    assert client.get(path, headers=bearer("network_analyst", ("*",))).status_code == 403
    assert client.get(path, headers=bearer("director", ("ML-B",))).status_code == 403
    assert client.get(f"/v1/ML-B/youths/{jeune}/timeline", headers=bearer("director", ("ML-B",))).status_code == 404
