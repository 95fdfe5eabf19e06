"""Relais benchmarks: one command runs them all, on the real local stack, and writes
bench/results/<name>.json (with the machine's description). Benchmarks, never timed tests.

    .venv/bin/python bench/run.py [--only NAME ...] [--quick]

- ingest: commands/s, p50/p99 latency, relay lag and CPU per command of each write service's HTTP API
  (PostgreSQL + relay to Kafka), one replica and two, beside the database's bare commit rate;
- desk: the counselor's desk in Chromium behind the proxy, each screen until usable, at 5 000 young
  people, beside the same answers asked of the services directly;
- end_to_end: from a command's 201 to the new figure on the SSE stream, p50/p99, at a stated rate;
- fold: events/s of the reporting projection replaying a topic from offset 0, and in the same run
  a bare aiokafka consumer reading the same topic (the ratio is the figure);
- query: GET /v1/indicators p50/p95 for one Mission Locale and for the network of a region;
- replay: `relais replay` of the service topics into fresh read models, beside a bare consumer;
- scale: `relais indicators` over a simulated year of 40 then 436 Missions Locales: time, peak memory,
  beside a naive pass of plain Python and DuckDB computing one figure from the same file.
"""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from loadgen import CpuAccount, KafkaArrivals, RawClient, kafka_pids, postgres_pids
from relais_cli.harness import ServiceProcess, bearer, caught_up
from relais_cli.simulation.generator import MissionLocaleYear
from relais_cli.simulation.profiles import PROFILES
from relais_contracts import ALL_TOPICS, encode
from relais_runtime.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SETTINGS = get_settings()


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "commit": commit,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write(name: str, result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": name, "machine": machine(), **result}
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(
        f"[bench] {name}: {json.dumps({k: v for k, v in result.items() if k not in ('machine', 'benchmark')})}",
        flush=True,
    )


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 2)


def simulated(mls: int, scale: float, year: int = 2023, prefix: str = "ML-BENCH", until=None):
    profiles = [PROFILES["innovam"], PROFILES["nord-ouest-aubeois"]]
    for i in range(mls):
        yield from MissionLocaleYear(profiles[i % 2], f"{prefix}-{i + 1:03d}", year, 1, scale, until).generate()


def fresh_database(name: str) -> None:
    s = SETTINGS
    with psycopg.connect(
        f"host={s.pg_host} port={s.pg_port} user={s.pg_user} password={s.pg_password} dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- ingest ---------------------------------------------------------------------------------------

CLIENTS = 32  # concurrent HTTP clients of the ingest benchmark (--clients; #17's target condition)
NATIONAL = False  # the scale benchmark's nation at full size (--national)


def _commit_bound(seconds: float, clients: int) -> dict:
    """The physical bound of a write service: how many transactions PostgreSQL commits on this
    disk. `pg_test_fsync` (the disk's syncs per second, for the WAL's sync method), and a bare
    loop of one-row `INSERT … COMMIT` through the services' own driver (psycopg), from one
    connection and from as many as the benchmark's clients (PostgreSQL then writes several
    commits with one sync)."""
    from relais_cli.stack.postgres import bin_dir

    fresh_database("bench_bound")
    s = SETTINGS
    dsn = f"host={s.pg_host} port={s.pg_port} user={s.pg_user} password={s.pg_password} dbname=bench_bound"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id uuid PRIMARY KEY, body text NOT NULL)")

    def loop(counts: list[int], stop: float) -> None:
        with psycopg.connect(dsn) as conn:
            while time.perf_counter() < stop:
                conn.execute("INSERT INTO t VALUES (%s, %s)", (uuid.uuid4(), "x" * 500))
                conn.commit()
                counts.append(1)

    rates = {}
    for n in (1, clients):
        counts: list[int] = []
        stop = time.perf_counter() + seconds
        threads = [threading.Thread(target=loop, args=(counts, stop)) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rates[n] = round(len(counts) / seconds, 1)
    scratch = SETTINGS.data_dir / "pg_test_fsync.tmp"
    done = subprocess.run(
        [str(bin_dir(install=False) / "pg_test_fsync"), "-s", "2", "-f", str(scratch)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    scratch.unlink(missing_ok=True)
    syncs: dict[str, float] = {}
    for line in done.stdout.splitlines():  # the first table: one 8 kB write, per sync method
        words = line.split()
        if len(words) == 5 and words[2] == "ops/sec" and words[0] in ("open_datasync", "fdatasync", "fsync"):
            syncs.setdefault(words[0], float(words[1]))
    return {
        "bare_insert_commit_per_s_1_connection": rates[1],
        f"bare_insert_commit_per_s_{clients}_connections": rates[clients],
        "pg_test_fsync_ops_per_s": syncs,
    }


def _ingest_run(ports: list[int], headers: dict, total: int, command) -> dict:
    """`total` commands from `CLIENTS` simulated counselors, spread evenly over the replicas'
    ports (as a load balancer would), with the CPU each process spent and each event's delay
    from its command's 201 to Kafka."""
    latencies: list[float] = []
    answered: dict[str, float] = {}  # event_id → when its 201 arrived
    failures: list[str] = []
    queue: asyncio.Queue = asyncio.Queue()
    for k in range(total):
        queue.put_nowait(k)

    async def worker(client: RawClient) -> None:
        state: dict = {}
        while not queue.empty():
            k = queue.get_nowait()
            path, body = command(k, state)
            started = time.perf_counter()
            status, payload = await client.post(path, body)
            latencies.append(time.perf_counter() - started)
            if status != 201:
                failures.append(f"{status} {payload[:200]!r}")
                continue
            answer = json.loads(payload)
            answered[answer["event_id"]] = time.perf_counter()
            state[path.rsplit("/", 1)[-1]] = answer["id"]  # the last id of each kind: youths, employers...
        await client.close()

    async def load() -> float:
        clients = [RawClient("127.0.0.1", ports[i % len(ports)], headers) for i in range(CLIENTS)]
        started = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in clients))
        return time.perf_counter() - started

    return {"latencies": latencies, "answered": answered, "failures": failures, "load": load}


def _ingest_measure(service: str, replicas: list[ServiceProcess], headers: dict, total: int, command) -> dict:
    from relais_contracts import topic

    run = _ingest_run([r.port for r in replicas], headers, total, command)
    arrivals = KafkaArrivals(SETTINGS.kafka_servers, [topic(service)])
    arrivals.start()
    cpu = CpuAccount({"service": [r.proc.pid for r in replicas], "postgres": postgres_pids(), "kafka": kafka_pids()})
    cpu.start()
    load_cpu = time.thread_time()  # the load generator: this thread's event loop
    elapsed = asyncio.run(run["load"]())
    load_cpu = time.thread_time() - load_cpu
    cpu.stop(refresh={"postgres": postgres_pids()})
    answered = run["answered"]
    arrivals.wait_for(list(answered))
    arrivals.stop()
    lags = [arrivals.seen[e] - t for e, t in answered.items() if e in arrivals.seen]
    done = len(answered)
    spent = {**cpu.spent, "load_generator": load_cpu}
    return {
        "replicas": len(replicas),
        "commands_per_s": round(total / elapsed, 1),
        "p50_ms": pct(run["latencies"], 0.5),
        "p99_ms": pct(run["latencies"], 0.99),
        "failures": len(run["failures"]),
        "first_failures": run["failures"][:3],
        # Negative: the relay had published the event before the 201 reached the client.
        "relay_lag_ms": {
            "p50": pct(lags, 0.5) if lags else None,
            "p99": pct(lags, 0.99) if lags else None,
            "max": round(max(lags) * 1000, 1) if lags else None,
        },
        "events_not_on_kafka": done - len(lags),
        "cpu_ms_per_command": {name: round(seconds / max(1, done) * 1000, 2) for name, seconds in spent.items()},
        "machine_busy": round(sum(spent.values()) / elapsed / (os.cpu_count() or 1), 3),
    }


def bench_ingest(quick: bool) -> None:
    """Each write service behind its own HTTP API, as one replica and as two sharing the database
    (the relay led by one of them), at `CLIENTS` concurrent counselors."""
    total = 300 if quick else 3000
    ml = f"ML-I{uuid.uuid4().hex[:6].upper()}"
    headers = bearer(ml_ids=(ml,))
    from relais_cli.harness import welcome_body

    def intake_command(k: int, state: dict):
        if "youths" not in state or k % 4 == 0:
            return f"/v1/{ml}/youths", welcome_body(f"Bench{k}")
        return f"/v1/{ml}/youths/{state['youths']}/events", {
            "nature": "individual_interview",
            "mode": "on_site",
            "themes": [],
        }

    def employment_command(k: int, state: dict):
        if "employers" not in state:
            return f"/v1/{ml}/employers", {
                "name": f"Entreprise {k}",
                "sector": "G",
                "size_band": "0-9",
                "commune_insee": "94076",
            }
        return f"/v1/{ml}/offers", {
            "employer_id": state["employers"],
            "sector": "G",
            "contract_type": "CDD",
            "positions": 1,
            "commune_insee": "94076",
        }

    def measured(service: str, base_port: int, command) -> dict:
        found = {}
        with ServiceProcess(service, base_port) as first:
            found["1_replica"] = _ingest_measure(service, [first], headers, total, command)
            with ServiceProcess(service, base_port + 10) as second:
                found["2_replicas"] = _ingest_measure(service, [first, second], headers, total, command)
        return found

    results = {"intake": measured("intake", 18201, intake_command)}
    with ServiceProcess("intake", 18201) as intake, ServiceProcess("dispositifs", 18202) as dispositifs:
        # dispositifs needs young people it knows (through relais.intake): welcome some first.
        youths = [
            httpx.post(f"{intake.url}/v1/{ml}/youths", json=welcome_body(f"Disp{k}"), headers=headers).json()["id"]
            for k in range(40)
        ]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # dispositifs may first catch up with relais.intake
            try:
                r = httpx.post(
                    f"{dispositifs.url}/v1/{ml}/youths/{youths[-1]}/referrals",
                    json={"domain": "housing", "partner": "CLLAJ"},
                    headers=headers,
                    timeout=30,
                )
                if r.status_code == 201:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)

    def dispositifs_command(k: int, state: dict):
        jeune = youths[k % len(youths)]
        if k % 2:
            return f"/v1/{ml}/youths/{jeune}/aids", {
                "kind": "mobility_voucher",
                "amount_cents": 3000,
                "funder": "region",
            }
        return f"/v1/{ml}/youths/{jeune}/referrals", {"domain": "health", "partner": "CPAM"}

    results["dispositifs"] = measured("dispositifs", 18202, dispositifs_command)
    results["employment"] = measured("employment", 18203, employment_command)
    bound = _commit_bound(2.0 if quick else 10.0, CLIENTS)
    bare = bound[f"bare_insert_commit_per_s_{CLIENTS}_connections"]
    for runs in results.values():
        for run in runs.values():
            run["ratio_to_bare_commits"] = round(run["commands_per_s"] / bare, 3) if bare else None
    write(
        "ingest",
        {
            "commands_per_run": total,
            "concurrency": CLIENTS,
            "storage": "PostgreSQL event store, relay to Kafka in the service's process (in one replica: the leader)",
            "mixes": {
                "intake": "1 first welcome for 3 dossier events",
                "dispositifs": "financial aids and social referrals, half each, over 40 young people",
                "employment": "job offers (and an employer per client)",
            },
            "load_generator": (
                "bench/loadgen.py: one keep-alive HTTP/1.1 connection per client, spread evenly over the replicas"
            ),
            "services": results,
            "bound": bound,
        },
    )


# --- end to end -------------------------------------------------------------------------------------


def _welcome_at_rate(intake: str, mls: list[str], rate: float, count: int, on_201: Callable[[int, dict], None]) -> None:
    """Welcome `count` young people at `rate`/s through intake, in `mls` in turn; `on_201(k,
    answer)` is called as each is answered 201. Open loop: each command leaves at its time,
    whatever the previous ones' latency (clients enough that a slow answer never holds the next
    command back)."""
    from relais_cli.harness import welcome_body

    with (
        httpx.Client(base_url=intake, headers=bearer(ml_ids=tuple(mls)), timeout=30) as client,
        ThreadPoolExecutor(32) as senders,
    ):

        def send(k: int) -> None:
            r = client.post(f"/v1/{mls[k % len(mls)]}/youths", json=welcome_body(f"Bench{k}"))
            if r.status_code == 201:
                on_201(k, r.json())

        started = time.perf_counter()
        for k in range(1, count + 1):
            time.sleep(max(0, started + (k - 1) / rate - time.perf_counter()))
            senders.submit(send, k)


def _stream_latencies(
    reporting: str, intake: str, mls: list[str], network: bool, rate: float, count: int
) -> list[float]:
    """Welcome `count` young people at `rate`/s through intake, in `mls` in turn (one of them
    unless `network`); for each, the time from its 201 to the first SSE document (of that
    Mission Locale, or of the network) that counts it."""
    mls = mls if network else mls[:1]
    ml = mls[0]

    seen: dict[int, float] = {}
    ready = threading.Event()
    baseline: list[int] = []

    def listen() -> None:
        params = {
            "access_token": bearer("network_analyst", ("*",))["Authorization"].split()[1],
            **({} if network else {"ml_id": ml}),
        }
        with httpx.stream("GET", reporting + "/v1/indicators/stream", params=params, timeout=None) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    doc = json.loads(line[6:])
                    if network:
                        by_ml = doc["by_ml"] or {}
                        welcomed = sum(
                            by_ml.get(m, {"indicators": {"first_welcomes": 0}})["indicators"]["first_welcomes"]
                            for m in mls
                        )
                    else:
                        welcomed = doc["indicators"]["first_welcomes"]
                    if not baseline:
                        baseline.append(welcomed)
                    n = welcomed - baseline[0]
                    now = time.perf_counter()
                    for k in range(n + 1):  # one document may carry several new welcomes
                        seen.setdefault(k, now)
                    ready.set()
                    if n >= count:
                        return

    threading.Thread(target=listen, daemon=True).start()
    if not ready.wait(120):
        raise SystemExit("end_to_end: the stream sent no first document")
    sent: dict[int, float] = {}
    _welcome_at_rate(intake, mls, rate, count, lambda k, answer: sent.__setitem__(k, time.perf_counter()))
    deadline = time.perf_counter() + 30
    while len([k for k in sent if k in seen]) < len(sent) and time.perf_counter() < deadline:
        time.sleep(0.1)
    return [max(0.0, seen[k] - sent[k]) for k in sent if k in seen]


def _kafka_latencies(intake: str, mls: list[str], rate: float, count: int) -> list[float]:
    """The peer of the end-to-end path: the same commands at the same rate, each timed from its
    201 to its event read from Kafka by a bare consumer (intake's commit, the relay and Kafka:
    what reporting's fold and stream add to comes on top)."""
    from relais_contracts import topic_of

    arrivals = KafkaArrivals(SETTINGS.kafka_servers, [topic_of("intake.FirstWelcomeRecorded")])
    arrivals.start()
    sent: dict[str, float] = {}
    _welcome_at_rate(
        intake, mls, rate, count, lambda k, answer: sent.__setitem__(answer["event_id"], time.perf_counter())
    )
    arrivals.wait_for(list(sent))
    arrivals.stop()
    return [max(0.0, arrivals.seen[e] - sent[e]) for e in sent if e in arrivals.seen]


def _latencies(latencies: list[float], rate: float, commands: int) -> dict:
    return {
        "rate_per_s": rate,
        "commands": commands,
        "observed": len(latencies),
        "p50_ms": pct(latencies, 0.5) if latencies else None,
        "p99_ms": pct(latencies, 0.99) if latencies else None,
        "within_1s": round(sum(lat <= 1.0 for lat in latencies) / max(1, len(latencies)), 3),
        "within_500ms": round(sum(lat <= 0.5 for lat in latencies) / max(1, len(latencies)), 3),
    }


def bench_end_to_end(quick: bool) -> None:
    """The dashboard's promise: a command's figure on the page within a second. Measured for one
    Mission Locale's stream and for the network's, over a region of 40 Missions Locales
    (this year up to today) already in the read models."""
    from relais_reporting.bootstrap import projection_consumer
    from relais_reporting.projection import apply
    from relais_reporting.readmodel import metadata
    from relais_runtime.sql import engine_for

    rate, count, scale = (2.0, 10, 0.02) if quick else (5.0, 60, 1.0)  # the region at full size
    live = (10.0, 50) if quick else (50.0, 1500)  # #15's live target: 50 commands/s sustained
    for db in ("bench_reporting", "bench_intake", "bench_intake_vault"):
        fresh_database(db)
    settings = SETTINGS.model_copy(update={"pg_db_prefix": "bench_", "persistence": "postgres"})
    engine = engine_for(settings, "reporting")
    metadata.create_all(engine)
    region = list(simulated(40, scale, year=datetime.now().year, prefix="ML-REGION", until=datetime.now().date()))
    for i in range(0, len(region), 5000):
        with engine.begin() as conn:
            apply(conn, region[i : i + 5000])
    results = {}
    env = {"RELAIS_PG_DB_PREFIX": "bench_"}
    with ServiceProcess("reporting", 18210, **env) as reporting, ServiceProcess("intake", 18211, **env) as intake:
        # What earlier runs left on the topics is folded before anything is timed.
        if not caught_up(projection_consumer(engine), SETTINGS, timeout=300):
            raise SystemExit("end_to_end: the projection did not catch up with the topics")
        engine.dispose()
        peak = [0]

        def sample() -> None:
            while reporting.proc is not None and reporting.proc.poll() is None:
                peak[0] = max(peak[0], _tree_rss_kib(reporting.proc.pid))
                time.sleep(0.5)

        threading.Thread(target=sample, daemon=True).start()
        region_mls = sorted({e.ml_id for e in region})
        scopes = (("one_ml", False, rate, count), ("network", True, rate, count), ("network_live", True, *live))
        for scope, network, at, n in scopes:
            latencies = _stream_latencies(reporting.url, intake.url, region_mls, network, at, n)
            results[scope] = _latencies(latencies, at, n)
        # The peer: the same first welcomes at the same rates, to Kafka only (the write path's
        # own share; reporting's fold and stream come on top of it).
        for scope, at, n in (("peer_to_kafka", rate, count), ("peer_to_kafka_live", *live)):
            results[scope] = _latencies(_kafka_latencies(intake.url, region_mls, at, n), at, n)
        for peer_scope, scope in (("peer_to_kafka", "network"), ("peer_to_kafka_live", "network_live")):
            if results[peer_scope]["p50_ms"] and results[scope]["p50_ms"]:
                ratio = results[peer_scope]["p50_ms"] / results[scope]["p50_ms"]
                results[f"ratio_{peer_scope}_to_{scope}_p50"] = round(ratio, 3)
        results["reporting_peak_memory_mib"] = round(peak[0] / 1024, 1)
    write(
        "end_to_end",
        {
            "rate_per_s": rate,
            "commands_per_scope": count,
            "read_models": f"40 Missions Locales, this year up to today, scale {scale}: {len(region)} events",
            **results,
            "path": "POST first welcome (intake, PostgreSQL) → relay → Kafka → projection (PostgreSQL) → SSE document",
        },
    )


# --- fold -------------------------------------------------------------------------------------------


def _producer() -> AIOKafkaProducer:
    """A producer for loading history fast: large batches, acknowledged by every replica."""
    return AIOKafkaProducer(bootstrap_servers=SETTINGS.kafka_servers, linger_ms=50, max_batch_size=1 << 20, acks="all")


async def _produce(topic: str, events) -> int:
    producer = _producer()
    await producer.start()
    n = 0
    try:
        futures = []
        for e in events:
            futures.append(await producer.send(topic, encode(e), key=e.key))
            n += 1
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return n


async def _bare_read(topics: list[str], total: int) -> float:
    """The peer: a bare aiokafka consumer reading these topics from offset 0, doing nothing else."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=SETTINGS.kafka_servers,
        auto_offset_reset="earliest",
        group_id=f"bench-bare-{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
        max_poll_records=2000,
    )
    await consumer.start()
    started = time.perf_counter()
    n = 0
    try:
        while n < total:
            batch = await consumer.getmany(timeout_ms=1000, max_records=2000)
            n += sum(len(v) for v in batch.values())
    finally:
        await consumer.stop()
    return time.perf_counter() - started


async def _projection_read(topic: str, total: int) -> float:
    from faststream.kafka import KafkaBroker
    from relais_reporting.bootstrap import projection_consumer
    from relais_runtime.app import settle_heap
    from relais_runtime.consumer import subscribe
    from relais_runtime.sql import engine_for

    fresh_database("bench_reporting")
    engine = engine_for(SETTINGS.model_copy(update={"pg_db_prefix": "bench_", "persistence": "postgres"}), "reporting")
    consumer = projection_consumer(engine, group_id=f"bench-fold-{uuid.uuid4().hex[:6]}")
    broker = KafkaBroker(SETTINGS.kafka_servers, logger=None)
    subscribe(broker, consumer, [topic], max_records=2000)
    settle_heap()  # as the service does once started
    started = time.perf_counter()
    async with broker:
        await broker.start()
        while sum(consumer.stored_offsets().values()) < total:
            await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def bench_fold(quick: bool) -> None:
    mls, scale = (2, 0.2) if quick else (40, 1.0)  # the region at full size
    topic = f"relais.bench.{uuid.uuid4().hex[:8]}"

    async def setup() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=SETTINGS.kafka_servers)
        await admin.start()
        await admin.create_topics([NewTopic(topic, SETTINGS.kafka_partitions, 1)])
        await admin.close()
        return await _produce(topic, simulated(mls, scale))

    total = asyncio.run(setup())
    bare = asyncio.run(_bare_read([topic], total))
    fold = asyncio.run(_projection_read(topic, total))
    write(
        "fold",
        {
            "events": total,
            "partitions": SETTINGS.kafka_partitions,
            "network": f"{mls} Missions Locales at scale {scale}",
            "projection_events_per_s": round(total / fold),
            "bare_consumer_events_per_s": round(total / bare),
            "ratio_projection_to_bare": round(bare / fold, 3),
            "projection": "decode + validate + fold into PostgreSQL read models, offsets in the same transaction",
        },
    )


# --- query ------------------------------------------------------------------------------------------


def bench_query(quick: bool) -> None:
    from relais_reporting.projection import apply
    from relais_reporting.readmodel import metadata
    from relais_runtime.sql import engine_for

    mls, scale, rounds = (40, 0.02, 10) if quick else (40, 1.0, 20)  # the region at full size
    fresh_database("bench_reporting")
    settings = SETTINGS.model_copy(update={"pg_db_prefix": "bench_", "persistence": "postgres"})
    engine = engine_for(settings, "reporting")
    metadata.create_all(engine)
    batch, folded = [], 0
    for e in simulated(mls, scale, prefix="ML-REGION"):
        batch.append(e)
        if len(batch) == 5000:
            with engine.begin() as conn:
                apply(conn, batch)
            folded += len(batch)
            batch = []
    with engine.begin() as conn:
        apply(conn, batch)
    folded += len(batch)
    headers = bearer("network_analyst", ("*",))
    # `as_of` answers are never cached: they time the full computation; the same query without it
    # is what a dashboard asks again and again, answered from the cache while nothing changed.
    as_of = {"as_of": "2100-01-01T00:00:00Z"}
    cases = {
        "one_ml_computed": ({"ml_id": "ML-REGION-001", **as_of}, rounds),
        "network_computed": (as_of, max(3, rounds // 4)),
        "one_ml_cached": ({"ml_id": "ML-REGION-001"}, rounds),
        "network_cached": ({}, rounds),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    svc = ServiceProcess("reporting", 18220, RELAIS_PG_DB_PREFIX="bench_", RELAIS_KAFKA_BOOTSTRAP="127.0.0.1:9").start(
        wait_for="/healthz"
    )
    try:
        with httpx.Client(base_url=svc.url, headers=headers, timeout=300) as client:
            for name, (params, repeat) in cases.items():
                client.get("/v1/indicators", params={"from": "2023-01-01", "to": "2023-12-31", **params})  # warm up
                for _ in range(repeat):
                    started = time.perf_counter()
                    r = client.get("/v1/indicators", params={"from": "2023-01-01", "to": "2023-12-31", **params})
                    r.raise_for_status()
                    timings[name].append(time.perf_counter() - started)
    finally:
        svc.kill()
    floor = _one_statement_accompanied(engine)
    engine.dispose()
    write(
        "query",
        {
            "region": f"{mls} Missions Locales, one year, scale {scale}",
            "events": folded,
            **{
                f"{name}_{q}_ms": pct(values, p)
                for name, values in timings.items()
                for q, p in (("p50", 0.5), ("p95", 0.95))
            },
            "peer_one_statement_accompanied_ms": floor,
            "ratio_peer_to_network_computed_p50": round(floor / pct(timings["network_computed"], 0.5), 3),
            "peer": "one figure of the ~80 (accompanied over the network) by one SQL statement on the same table, "
            "nothing else: the least any computed network document costs in PostgreSQL",
        },
    )


def _one_statement_accompanied(engine) -> float:
    """The peer: PostgreSQL counting one figure, the network's accompanied young people, in one
    statement over the same read model (best of three, in milliseconds)."""
    from sqlalchemy import text

    statement = text(
        "SELECT count(DISTINCT jeune_id) FROM report_events WHERE business_date BETWEEN '2023-01-01' AND "
        "'2023-12-31' AND event_type IN ('intake.DossierEventRecorded', 'intake.FirstWelcomeRecorded') "
        "AND nature IN ('individual_interview', 'workshop', 'group_information')"
    )
    best = float("inf")
    with engine.connect() as conn:
        for _ in range(3):
            started = time.perf_counter()
            conn.execute(statement).scalar_one()
            best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


# --- scale ------------------------------------------------------------------------------------------


def _naive_accompanied(path: Path) -> tuple[int, float]:
    """A peer: one figure (young people accompanied in 2023) by a single pass of plain Python
    over the same file, with no validation, no cancellation, no `as_of`: what reading it costs."""
    started = time.perf_counter()
    accompanied: set[str] = set()
    with path.open("rb") as f:
        for line in f:
            e = json.loads(line)
            p = e["payload"]
            if e["event_type"] in ("intake.DossierEventRecorded", "intake.FirstWelcomeRecorded"):
                if p.get("nature") in ("individual_interview", "workshop", "group_information"):
                    if "2023-01-01" <= e["occurred_at"][:10] <= "2023-12-31":
                        accompanied.add(p["jeune_id"])
    return len(accompanied), time.perf_counter() - started


def _duckdb_accompanied(path: Path) -> tuple[int, float]:
    """A peer near the limit of a columnar engine: DuckDB (every core) counting the same figure
    as `_naive_accompanied`, with the same shortcuts, from the same file."""
    import duckdb

    started = time.perf_counter()
    with duckdb.connect() as con:
        row = con.execute(
            """
            SELECT count(DISTINCT payload.jeune_id) FROM read_json(?, format = 'newline_delimited',
                columns = {'event_type': 'VARCHAR', 'occurred_at': 'VARCHAR',
                           'payload': 'STRUCT(jeune_id VARCHAR, nature VARCHAR)'})
            WHERE event_type IN ('intake.DossierEventRecorded', 'intake.FirstWelcomeRecorded')
              AND payload.nature IN ('individual_interview', 'workshop', 'group_information')
              AND substr(occurred_at, 1, 10) BETWEEN '2023-01-01' AND '2023-12-31'
            """,
            [str(path)],
        ).fetchone()
    return int(row[0]) if row else 0, time.perf_counter() - started


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (its decoding workers), in KiB."""
    total = 0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            for task in Path(f"/proc/{p}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total


def _run_measuring_memory(args: list[str]) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run a command; its wall time and the peak of its whole process tree's resident memory."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while child.poll() is None:
            peak = max(peak, _tree_rss_kib(child.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    return subprocess.CompletedProcess(args, child.returncode, out, err), elapsed, peak


def _simulate_share(args: tuple[str, int, float, int, int]) -> int:
    path, mls, scale, share, shares = args
    profiles = [PROFILES["innovam"], PROFILES["nord-ouest-aubeois"]]
    count = 0
    with open(path, "wb") as out:
        for i in (i for i in range(mls) if (i // 2) % shares == share):  # both profiles in each share
            for e in MissionLocaleYear(profiles[i % 2], f"ML-FR-{i + 1:03d}", 2023, 1, scale, None).generate():
                out.write(encode(e) + b"\n")
                count += 1
    return count


def _write_simulated(path: Path, mls: int, scale: float) -> int:
    """A simulated year of `mls` Missions Locales (the two profiles in turn) as one JSONL file,
    written by as many processes as there are cores (a national year is 8 GB)."""
    import multiprocessing

    shares = os.cpu_count() or 1
    parts = [path.with_suffix(f".{k}.part") for k in range(shares)]
    with multiprocessing.get_context("spawn").Pool(shares) as pool:
        count = sum(pool.map(_simulate_share, [(str(p), mls, scale, k, shares) for k, p in enumerate(parts)]))
    with path.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                while block := f.read(1 << 24):
                    out.write(block)
            part.unlink()
    return count


def bench_scale(quick: bool) -> None:
    """`relais indicators` over a simulated year: a region of 40 Missions Locales at full size,
    then the 436 of the nation (at full size with --national, 14 million events; at a tenth
    otherwise), beside two peers over the same files."""
    nation = 1.0 if NATIONAL else 0.1
    sizes = ((40, 0.002), (436, 0.001)) if quick else ((40, 1.0), (436, nation))
    runs = []
    for mls, scale in sizes:
        path = RESULTS / f"scale-{mls}.jsonl.tmp"
        count = _write_simulated(path, mls, scale)
        done, elapsed, peak_kib = _run_measuring_memory(
            [
                sys.executable,
                "-m",
                "relais_cli.main",
                "indicators",
                "--events",
                str(path),
                "--from",
                "2023-01-01",
                "--to",
                "2023-12-31",
            ]
        )
        naive_answer, naive = _naive_accompanied(path)
        duck_answer, duck = _duckdb_accompanied(path)
        size_mb = path.stat().st_size / 1e6
        path.unlink()
        if done.returncode != 0:
            raise SystemExit(f"relais indicators failed: {done.stderr.decode()[-500:]}")
        if naive_answer != duck_answer:
            raise SystemExit(f"the peers disagree: {naive_answer} and {duck_answer}")
        runs.append(
            {
                "missions_locales": mls,
                "scale_of_each_ml": scale,
                "events": count,
                "file_mb": round(size_mb),
                "seconds": round(elapsed, 2),
                "peak_memory_mib": round(peak_kib / 1024, 1),
                "events_per_s": round(count / elapsed),
                "naive_single_pass_seconds": round(naive, 2),
                "ratio_to_naive": round(naive / elapsed, 3),
                "duckdb_seconds": round(duck, 2),
                "ratio_to_duckdb": round(duck / elapsed, 3),
            }
        )
    write(
        "scale",
        {
            "runs": runs,
            "note": "peak memory: the whole process tree (the command and its decoding workers), sampled every "
            "0.2 s; the peers compute one figure (accompanied) with the same shortcuts: the naive one with "
            "json.loads and a set in one process, DuckDB with read_json on every core; nothing validated",
        },
    )


# --- replay -----------------------------------------------------------------------------------------


async def _produce_file(path: Path) -> int:
    """Every line of a JSONL file to its event type's topic, keyed as the relays key them."""
    from relais_contracts import decode, topic_of

    producer = _producer()
    await producer.start()
    n = 0
    try:
        futures = []
        with path.open("rb") as f:
            for line in f:
                e = decode(line)
                futures.append(await producer.send(topic_of(e.event_type), line.rstrip(b"\n"), key=e.key))
                n += 1
                if len(futures) >= 50_000:
                    await asyncio.gather(*futures)
                    futures = []
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return n


def bench_replay(quick: bool) -> None:
    """`relais replay`: the service topics read from offset 0 and folded into fresh read models
    (a SQLite file), beside a bare aiokafka consumer reading the same topics. It runs on a stack
    of its own (a temporary data directory), so that the history it produces stays out of the
    local stack's topics: the local stack is stopped meanwhile and started again after."""
    import shutil
    import tempfile

    mls, scale = (2, 0.2) if quick else ((436, 1.0) if NATIONAL else (40, 1.0))
    relais = [sys.executable, "-m", "relais_cli.main"]
    data = Path(tempfile.mkdtemp(prefix="relais-bench-replay-"))
    env = {**os.environ, "RELAIS_DATA_DIR": str(data)}
    (data / "kafka-libs").symlink_to(SETTINGS.data_dir / "kafka-libs")  # the jars already resolved
    subprocess.run([*relais, "stack", "down"], check=True, cwd=ROOT)
    try:
        subprocess.run([*relais, "stack", "up"], check=True, cwd=ROOT, env=env)
        subprocess.run([*relais, "stack", "topics"], check=True, cwd=ROOT, env=env)
        path = data / "history.jsonl"
        _write_simulated(path, mls, scale)
        total = asyncio.run(_produce_file(path))
        path.unlink()
        bare = asyncio.run(_bare_read(list(ALL_TOPICS), total))
        done, elapsed, peak_kib = _run_measuring_memory(
            [
                "env",
                f"RELAIS_DATA_DIR={data}",
                *relais,
                "replay",
                "--no-compare",
                "--from",
                "2023-01-01",
                "--to",
                "2023-12-31",
                "--into",
                str(data / "replay.sqlite3"),
            ]
        )
        if done.returncode != 0:
            raise SystemExit(f"relais replay failed: {done.stderr.decode()[-500:]}")
        replayed = int(done.stdout.decode().split()[0])
        if replayed != total:
            raise SystemExit(f"relais replay folded {replayed} events of {total}")
        write(
            "replay",
            {
                "network": f"{mls} Missions Locales, one year, scale {scale}",
                "events": total,
                "partitions": SETTINGS.kafka_partitions,
                "seconds": round(elapsed, 1),
                "events_per_s": round(total / elapsed),
                "peak_memory_mib": round(peak_kib / 1024, 1),
                "bare_consumer_seconds": round(bare, 1),
                "ratio_to_bare": round(bare / elapsed, 3),
                "replay": "relais replay --no-compare: the three topics into a fresh SQLite file (envelopes kept), "
                "then the year's network document",
            },
        )
    finally:
        subprocess.run([*relais, "stack", "down"], cwd=ROOT, env=env)
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run([*relais, "stack", "up"], cwd=ROOT)


def bench_desk(quick: bool) -> None:
    from desk import bench_desk as measure

    write("desk", measure(quick))


BENCHMARKS = {
    "ingest": bench_ingest,
    "desk": bench_desk,
    "end_to_end": bench_end_to_end,
    "fold": bench_fold,
    "query": bench_query,
    "scale": bench_scale,
    "replay": bench_replay,
}


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Relais benchmarks on the local stack; results in bench/results/.")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that everything runs")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients of the ingest benchmark")
    parser.add_argument(
        "--national", action="store_true", help="scale and replay: the nation at full size (14 million events, ~30 min)"
    )
    args = parser.parse_args()
    globals()["CLIENTS"] = args.clients
    globals()["NATIONAL"] = args.national
    status = subprocess.run(
        [sys.executable, "-m", "relais_cli.main", "status"], capture_output=True, text=True, cwd=ROOT
    ).stdout
    services = ("reporting", "intake", "dispositifs", "employment")
    if any(line.split()[:2] in ([name, "running"] for name in services) for line in status.splitlines()):
        raise SystemExit(
            "bench: the services of `relais up` are running and would share the benchmarks' topics and "
            "consumer groups; stop them first: .venv/bin/relais down --keep-stack"
        )
    subprocess.run([sys.executable, "-m", "relais_cli.main", "stack", "up"], check=True, cwd=ROOT)
    for name in args.only or BENCHMARKS:
        BENCHMARKS[name](args.quick)


if __name__ == "__main__":
    main()
