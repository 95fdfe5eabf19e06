"""Reporting on the real stack: the live figures equal the auditor's CLI over the services'
exports, and a consumer killed in the middle of its work loses and doubles nothing."""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import date

import httpx
import psycopg
import pytest
from aiokafka import AIOKafkaProducer
from relais_cli.harness import ServiceProcess, caught_up, welcome_body
from relais_contracts import encode, topic_of
from relais_reporting.spreadsheet import flatten
from relais_runtime.settings import PROJECT_ROOT
from support.histories import random_history
from support.http import bearer
from support.reporting import document

from .test_dispositifs_on_stack import post_when_known

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
ANALYST = bearer("network_analyst", ("*",))


def live_document(url: str, ml_id: str, start: str, end: str) -> dict:
    r = httpx.get(
        url + "/v1/indicators", params={"ml_id": ml_id, "from": start, "to": end}, headers=ANALYST, timeout=30
    )
    assert r.status_code == 200, r.text
    return r.json()


def wait_for(predicate, timeout: float = 60, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def test_cli_over_the_services_exports_gives_the_live_document(stack, tmp_path):
    ml = f"ML-E{uuid.uuid4().hex[:6].upper()}"
    headers = bearer(ml_ids=(ml,))
    year = date.today().year
    start, end = f"{year}-01-01", f"{year}-12-31"
    with (
        ServiceProcess("intake", 18141) as intake,
        ServiceProcess("dispositifs", 18142) as dispositifs,
        ServiceProcess("employment", 18143) as employment,
        ServiceProcess("reporting", 18140) as reporting,
    ):
        youths = [  # v2.md, R9: the first welcome in an interview counts as one, by phone it does not
            httpx.post(
                f"{intake.url}/v1/{ml}/youths",
                json={**welcome_body(f"Rep{uuid.uuid4().hex[:6]}"), "nature": welcome},
                headers=headers,
            ).json()["id"]
            for welcome in ("individual_interview", "phone", "phone")
        ]
        events = [
            httpx.post(
                f"{intake.url}/v1/{ml}/youths/{j}/events",
                json={"nature": n, "mode": "on_site", "themes": []},
                headers=headers,
            ).json()["event_id"]
            for j, n in zip(youths, ["individual_interview", "workshop", "phone"], strict=True)
        ]
        httpx.post(
            f"{intake.url}/v1/{ml}/youths/{youths[1]}/events/{events[1]}/cancel",
            json={"reason": "duplicate"},
            headers=headers,
        )
        today = date.today()
        pacea = post_when_known(
            f"{dispositifs.url}/v1/{ml}/youths/{youths[0]}/programmes",
            {"programme": "PACEA", "start_date": today.isoformat()},
            headers=headers,
        )
        assert pacea.status_code == 201, pacea.text
        employer = httpx.post(
            f"{employment.url}/v1/{ml}/employers",
            json={"name": "Atelier Roux", "sector": "H", "size_band": "10-49", "commune_insee": "10387"},
            headers=headers,
        ).json()["id"]
        offer = httpx.post(
            f"{employment.url}/v1/{ml}/offers",
            json={
                "employer_id": employer,
                "sector": "H",
                "contract_type": "CDI",
                "positions": 1,
                "commune_insee": "10387",
            },
            headers=headers,
        ).json()["id"]
        r = post_when_known(
            f"{employment.url}/v1/{ml}/offers/{offer}/referrals", {"jeune_id": youths[0]}, headers=headers
        )
        assert r.status_code == 201, r.text
        httpx.post(
            f"{employment.url}/v1/{ml}/offers/{offer}/referrals/{youths[0]}/outcome",
            json={"outcome": "hired"},
            headers=headers,
        )
        r = httpx.post(
            f"{employment.url}/v1/{ml}/youths/{youths[0]}/contracts",
            headers=headers,
            json={
                "contract_type": "CDI",
                "start_date": today.isoformat(),
                "weekly_hours": 35,
                "sector": "H",
                "employer_id": employer,
                "offer_id": offer,
            },
        )
        assert r.status_code == 201, r.text

        def folded():
            doc = live_document(reporting.url, ml, start, end)
            f = doc["indicators"]
            return (
                doc
                if (
                    f["first_welcomes"],
                    f["employment_contracts"],
                    f["offers"]["hires"],
                    f["programmes"]["PACEA"]["entries"],
                )
                == (3, 1, 1, 1)
                else None
            )

        live = wait_for(folded)
        assert live, "the reporting service did not fold the session's events in time"
        time.sleep(1)  # the cancellation and the last events, if still in flight
        live = live_document(reporting.url, ml, start, end)

    export = tmp_path / "export.jsonl"
    env = {**os.environ, "RELAIS_PERSISTENCE": "postgres"}
    with export.open("wb") as out:
        for service in ("employment", "intake", "dispositifs"):
            done = subprocess.run(
                [sys.executable, "-m", "relais_cli.main", "export", "--service", service],
                capture_output=True,
                env=env,
                cwd=PROJECT_ROOT,
            )
            assert done.returncode == 0, done.stderr.decode()
            out.write(done.stdout)
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "relais_cli.main",
            "indicators",
            "--events",
            str(export),
            "--from",
            start,
            "--to",
            end,
            "--ml-id",
            ml,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == live
    f = live["indicators"]
    assert (f["accompanied"], f["in_contact"], f["individual_interviews"], f["workshop_participations"]) == (1, 3, 2, 0)


async def produce(bootstrap: str, events) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=20)
    await producer.start()
    try:
        futures = [await producer.send(topic_of(e.event_type), encode(e), key=e.key, headers=e.headers) for e in events]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def test_killing_the_projection_mid_way_leaves_every_figure_exact(stack):
    ml = f"ML-K{uuid.uuid4().hex[:6].upper()}"
    events = random_history(2024, youths=3000, mls=(ml,))
    expected = document(events, ml_id=ml)
    total = expected["events_considered"]
    assert total > 10_000

    service = ServiceProcess("reporting", 18150).start()
    # Produced while the service folds, and killed at its first sign of progress: mid-way.
    producing = threading.Thread(target=lambda: asyncio.run(produce(stack.kafka_bootstrap, events + events[:500])))
    producing.start()  # some sent twice, as a relay would
    try:

        def progress() -> int:
            return live_document(service.url, ml, "2023-01-01", "2023-12-31")["events_considered"]

        assert wait_for(lambda: progress() > 0, timeout=60, interval=0.05), "nothing folded"
        assert service.kill() == -9
    finally:
        if service.proc.poll() is None:
            service.kill()
        producing.join()
    with ServiceProcess("reporting", 18150) as restarted:
        seen_at_restart = progress_of(restarted.url, ml)
        assert seen_at_restart < total, "killed too late to prove anything: the fold had finished"
        wait_for(lambda: progress_of(restarted.url, ml) >= total, timeout=120)
        live = live_document(restarted.url, ml, "2023-01-01", "2023-12-31")
    differences = [(k, v, flatten(expected).get(k)) for k, v in flatten(live).items() if flatten(expected).get(k) != v]
    assert differences == [], "figures differ after the restart (figure, live, expected)"


def progress_of(url: str, ml: str) -> int:
    return live_document(url, ml, "2023-01-01", "2023-12-31")["events_considered"]


def test_relais_replay_rebuilds_the_read_models_from_the_topics_and_finds_every_figure_equal(stack, tmp_path):
    from relais_reporting.bootstrap import PROJECTION_GROUP
    from relais_runtime.consumer import TransactionalConsumer
    from relais_runtime.sql import engine_for

    offsets = TransactionalConsumer(
        engine_for(stack.model_copy(update={"persistence": "postgres"}), "reporting"),
        PROJECTION_GROUP,
        lambda conn, batch: None,
    )
    with ServiceProcess("reporting", 18170):
        assert caught_up(offsets, stack), "the live projection did not catch up with the topics"
    env = {**os.environ, "RELAIS_PERSISTENCE": "postgres"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "relais_cli.main",
            "replay",
            "--from",
            "2023-01-01",
            "--to",
            "2023-12-31",
            "--into",
            str(tmp_path / "replay.sqlite3"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Tous les chiffres concordent." in done.stdout
    compared = [line for line in done.stdout.splitlines() if line.startswith(("✓", "✗"))]
    assert len(compared) > 100 and all(line.startswith("✓") for line in compared)
    assert any(line.startswith("✓ first_welcomes: live=") and not line.endswith("=0") for line in compared)


def test_a_replay_from_the_topics_decoding_aside_finds_the_live_figures(stack, tmp_path, monkeypatch):
    """The topics read a few batches ahead by a thread, decoded in a second process from the first
    batch: the same figures as the live read models."""
    from relais_cli import audit
    from relais_reporting.bootstrap import PROJECTION_GROUP
    from relais_runtime.consumer import TransactionalConsumer
    from relais_runtime.sql import engine_for

    live = engine_for(stack.model_copy(update={"persistence": "postgres"}), "reporting")
    offsets = TransactionalConsumer(live, PROJECTION_GROUP, lambda conn, batch: None)
    ml = f"ML-D{uuid.uuid4().hex[:6].upper()}"
    asyncio.run(produce(stack.kafka_bootstrap, random_history(32, youths=40, mls=(ml,))))
    with ServiceProcess("reporting", 18171):
        assert caught_up(offsets, stack), "the live projection did not catch up with the topics"
    monkeypatch.setattr(audit, "BATCH", 500)
    monkeypatch.setattr(audit, "REPLAY_DECODED_ASIDE_AFTER", 0)
    target = audit.scratch_engine(tmp_path / "replay.sqlite3")
    replayed, live_doc, folded = audit.replay(stack, [], target, (date(2023, 1, 1), date(2023, 12, 31)), None, live)
    assert folded.events > 2 * audit.BATCH
    assert live_doc is not None and live_doc["indicators"]["first_welcomes"] > 0
    assert [c for c in audit.compare(replayed, live_doc) if c[1] != c[2]] == []


def test_a_new_or_restored_read_model_database_folds_from_its_own_offsets(stack):
    """The consumer group's offsets in Kafka are past these events; a reporting service given an
    empty database (a restore, a new replica set) must still fold them: it starts from the
    offsets in its own database, here none, so from the beginning of every partition."""
    from relais_reporting.bootstrap import projection_consumer
    from relais_runtime.sql import engine_for

    ml = f"ML-N{uuid.uuid4().hex[:6].upper()}"
    events = random_history(31, youths=30, mls=(ml,))
    expected = document(events, ml_id=ml)
    with ServiceProcess("reporting", 18175) as live:
        asyncio.run(produce(stack.kafka_bootstrap, events))
        assert wait_for(lambda: progress_of(live.url, ml) >= expected["events_considered"]), (
            "the live service did not fold"
        )

    empty = stack.model_copy(update={"pg_db_prefix": f"t{uuid.uuid4().hex[:10]}_", "persistence": "postgres"})
    with psycopg.connect(stack.pg_dsn("intake").rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{empty.database("reporting")}"')
    with ServiceProcess("reporting", 18176, RELAIS_PG_DB_PREFIX=empty.pg_db_prefix) as restored:
        assert caught_up(projection_consumer(engine_for(empty, "reporting")), stack), (
            "the new database did not catch up"
        )
        assert live_document(restored.url, ml, "2023-01-01", "2023-12-31") == expected


async def test_two_replicas_share_the_fold_and_count_each_event_once(pg_store, new_topic):
    """Two reporting processes of one consumer group fold the partitions of a topic into one
    database; one of them stops halfway and its partitions go to the other, which starts from
    the offsets in the database. Each event counts once: the document is a single fold's."""
    from faststream.kafka import KafkaBroker
    from relais_reporting.bootstrap import projection_consumer
    from relais_reporting.indicators import Query, compute
    from relais_runtime.consumer import subscribe
    from relais_runtime.sql import engine_for

    settings = pg_store.settings
    events = random_history(7, youths=300, mls=("ML-R1", "ML-R2", "ML-R3"))
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    await asyncio.gather(*[await producer.send(new_topic, encode(e), key=e.key) for e in events])
    await producer.stop()

    engine = engine_for(settings, pg_store.service)
    group = f"replicas-{uuid.uuid4().hex[:6]}"
    folded = {"first": 0, "second": 0}
    brokers = {}
    for name in folded:
        replica = projection_consumer(engine, group_id=group)
        apply = replica.apply

        def counting(conn, batch, apply=apply, name=name) -> None:
            folded[name] += len(batch)
            apply(conn, batch)
            time.sleep(0.05)  # slow enough for the second replica to join before the first is done

        replica.apply = counting
        brokers[name] = KafkaBroker(settings.kafka_bootstrap, logger=None)
        subscribe(brokers[name], replica, [new_topic], max_records=25)
    position = projection_consumer(engine, group_id=group)

    def handled() -> int:
        return sum(position.stored_offsets().values())

    async with brokers["first"], brokers["second"]:
        await brokers["first"].start()
        await brokers["second"].start()
        for _ in range(600):
            if handled() >= len(events) // 2:
                break
            await asyncio.sleep(0.05)
        await brokers["first"].stop()  # one replica goes away halfway
        for _ in range(1200):
            if handled() >= len(events):
                break
            await asyncio.sleep(0.1)

    assert handled() == len(events)
    assert folded["first"] > 0 and folded["second"] > 0  # both folded a share
    assert folded["first"] + folded["second"] >= len(events)
    with engine.connect() as conn:
        shared = compute(conn, Query(date(2023, 1, 1), date(2023, 12, 31)))
    assert shared == document(events, ml_id=None)


def test_the_live_cache_brought_up_to_date_by_postgresql_commits_answers_as_computed_again(pg_store):
    """What PostgreSQL says a commit inserted (`RETURNING`) and the change tokens it replaced
    (rows locked) are what the live cache adds to its figures: after each commit, equal."""
    from relais_reporting.readmodel import metadata
    from relais_runtime.sql import engine_for
    from unit.reporting.test_live_deltas import QUERIES, fold_in_commits

    engine = engine_for(pg_store.settings, pg_store.service)
    metadata.create_all(engine)
    *answers, cache = fold_in_commits(random_history(5, youths=20), 5, QUERIES, engine)
    for commit, pairs in enumerate(answers):
        for live, fresh in pairs:
            assert live == fresh, f"commit {commit}"
    assert 3 < cache.recomputed < len(answers) * 2
    engine.dispose()
