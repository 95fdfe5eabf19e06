"""Relais benchmarks: one command runs them all, on the real local stack, and writes
bench/results/<name>.json (with the machine's description). Benchmarks, never timed tests.

    .venv/bin/python bench/run.py [--only NAME ...] [--quick]

- ingest: commands/s and p50/p99 latency through each write service's HTTP API (PostgreSQL + relay to Kafka);
- end_to_end: from a command's 201 to the new figure on the SSE stream, p50/p99, at a stated rate;
- fold: events/s of the reporting projection replaying a topic from offset 0, and in the same run
  a bare aiokafka consumer reading the same topic (the ratio is the figure);
- query: GET /v1/indicators p50/p95 for one Mission Locale and for the network of a region;
- scale: `relais indicators` over a simulated year of 40 then 436 Missions Locales: time, peak memory.
"""

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from relais_cli.harness import ServiceProcess, bearer, caught_up
from relais_cli.simulation.generator import MissionLocaleYear
from relais_cli.simulation.profiles import PROFILES
from relais_contracts import encode
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

CLIENTS = 8  # concurrent HTTP clients of the ingest benchmark (--clients)


def bench_ingest(quick: bool) -> None:
    """Each write service in turn, behind its own HTTP API, at a fixed concurrency."""
    total, concurrency = (200 if quick else 1000), CLIENTS
    ml = f"ML-I{uuid.uuid4().hex[:6].upper()}"
    headers = bearer(ml_ids=(ml,))
    from relais_cli.harness import welcome_body

    async def load(url: str, command) -> tuple[list[float], float, int]:
        latencies: list[float] = []
        failures = 0
        queue: asyncio.Queue = asyncio.Queue()
        for k in range(total):
            queue.put_nowait(k)

        async def worker(client: httpx.AsyncClient) -> None:
            nonlocal failures
            state: dict = {}
            while not queue.empty():
                k = queue.get_nowait()
                path, body = command(k, state)
                started = time.perf_counter()
                r = await client.post(path, json=body)
                latencies.append(time.perf_counter() - started)
                failures += r.status_code != 201
                if r.status_code == 201:  # remember the last id of each kind: youths, employers...
                    state[path.rsplit("/", 1)[-1]] = r.json()["id"]

        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
            started = time.perf_counter()
            await asyncio.gather(*(worker(client) for _ in range(concurrency)))
            return latencies, time.perf_counter() - started, failures

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

    results = {}
    with (
        ServiceProcess("intake", 18201) as intake,
        ServiceProcess("dispositifs", 18202) as dispositifs,
        ServiceProcess("employment", 18203) as employment,
    ):
        latencies, elapsed, failures = asyncio.run(load(intake.url, intake_command))
        results["intake"] = (latencies, elapsed, failures, "1 first welcome for 3 dossier events")
        # dispositifs needs young people it knows (through relais.intake): welcome some first.
        youths = [
            httpx.post(f"{intake.url}/v1/{ml}/youths", json=welcome_body(f"Disp{k}"), headers=headers).json()["id"]
            for k in range(20)
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

        latencies, elapsed, failures = asyncio.run(load(dispositifs.url, dispositifs_command))
        results["dispositifs"] = (latencies, elapsed, failures, "financial aids and social referrals, half each")
        latencies, elapsed, failures = asyncio.run(load(employment.url, employment_command))
        results["employment"] = (latencies, elapsed, failures, "job offers (and an employer per client)")
    write(
        "ingest",
        {
            "commands_per_service": total,
            "concurrency": concurrency,
            "storage": "PostgreSQL event store, relay to Kafka in the same process",
            "services": {
                name: {
                    "commands_per_s": round(total / el, 1),
                    "p50_ms": pct(lat, 0.5),
                    "p99_ms": pct(lat, 0.99),
                    "failures": fail,
                    "mix": mix,
                }
                for name, (lat, el, fail, mix) in results.items()
            },
        },
    )


# --- end to end -------------------------------------------------------------------------------------


def _stream_latencies(reporting: str, intake: str, ml: str, network: bool, rate: float, count: int) -> list[float]:
    """Welcome `count` young people in `ml` at `rate`/s through intake; for each, the time from
    its 201 to the first SSE document (of `ml`, or of the network) that counts it."""
    from relais_cli.harness import welcome_body

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
                    mine = (doc["by_ml"] or {}).get(ml, {"indicators": {"first_welcomes": 0}}) if network else doc
                    if not baseline:
                        baseline.append(mine["indicators"]["first_welcomes"])
                    n = mine["indicators"]["first_welcomes"] - baseline[0]
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
    with httpx.Client(base_url=intake, headers=bearer(ml_ids=(ml,)), timeout=30) as client:
        for k in range(1, count + 1):
            next_at = time.perf_counter() + 1 / rate
            r = client.post(f"/v1/{ml}/youths", json=welcome_body(f"E2e{k}"))
            if r.status_code == 201:
                sent[k] = time.perf_counter()
            time.sleep(max(0, next_at - time.perf_counter()))
    deadline = time.perf_counter() + 30
    while len([k for k in sent if k in seen]) < len(sent) and time.perf_counter() < deadline:
        time.sleep(0.1)
    return [max(0.0, seen[k] - sent[k]) for k in sent if k in seen]


def bench_end_to_end(quick: bool) -> None:
    """The dashboard's promise: a command's figure on the page within a second. Measured for one
    Mission Locale's stream and for the network's, over a region of 40 Missions Locales
    (this year up to today) already in the read models."""
    from relais_reporting.bootstrap import projection_consumer
    from relais_reporting.projection import apply
    from relais_reporting.readmodel import metadata
    from relais_runtime.sql import engine_for

    rate, count, scale = (2.0, 10, 0.02) if quick else (5.0, 60, 1.0)  # the region at full size
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
        for scope, network in (("one_ml", False), ("network", True)):
            latencies = _stream_latencies(reporting.url, intake.url, "ML-REGION-001", network, rate, count)
            results[scope] = {
                "observed": len(latencies),
                "p50_ms": pct(latencies, 0.5) if latencies else None,
                "p99_ms": pct(latencies, 0.99) if latencies else None,
                "within_1s": round(sum(lat <= 1.0 for lat in latencies) / max(1, len(latencies)), 3),
            }
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


async def _produce(topic: str, events) -> int:
    producer = AIOKafkaProducer(
        bootstrap_servers=SETTINGS.kafka_servers, linger_ms=50, max_batch_size=1 << 20, acks="all"
    )
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


async def _bare_read(topic: str, total: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
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
    bare = asyncio.run(_bare_read(topic, total))
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
    engine.dispose()
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
        },
    )


# --- scale ------------------------------------------------------------------------------------------


def _naive_accompanied(path: Path) -> tuple[int, float]:
    """The peer: one figure (young people accompanied in 2023) by a single pass of plain Python
    over the same file, with no validation, no cancellation, no `as_of`: what reading it costs."""
    started = time.perf_counter()
    accompanied: set[str] = set()
    cancelled: set[str] = set()
    with path.open("rb") as f:
        for line in f:
            e = json.loads(line)
            p = e["payload"]
            if e["event_type"] == "intake.DossierEventCancelled":
                cancelled.add(p["cancelled_event_id"])
            elif e["event_type"] in ("intake.DossierEventRecorded", "intake.FirstWelcomeRecorded"):
                if p.get("nature") in ("individual_interview", "workshop", "group_information"):
                    if "2023-01-01" <= e["occurred_at"][:10] <= "2023-12-31":
                        accompanied.add(p["jeune_id"])
    return len(accompanied), time.perf_counter() - started


def bench_scale(quick: bool) -> None:
    """`relais indicators` over a region of 40 Missions Locales at full size, then the 436 of the
    nation at a tenth of their size (a national year at full size is 13 million events: its
    figure is extrapolated from these two, see bench/README.md)."""
    sizes = ((40, 0.002), (436, 0.001)) if quick else ((40, 1.0), (436, 0.1))
    runs = []
    for mls, scale in sizes:
        path = RESULTS / f"scale-{mls}.jsonl.tmp"
        with path.open("wb") as out:
            count = 0
            for e in simulated(mls, scale, prefix="ML-FR"):
                out.write(encode(e) + b"\n")
                count += 1
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        done = subprocess.run(
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
            ],
            capture_output=True,
            cwd=ROOT,
        )
        elapsed = time.perf_counter() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        _, naive = _naive_accompanied(path)
        size_mb = path.stat().st_size / 1e6
        path.unlink()
        if done.returncode != 0:
            raise SystemExit(f"relais indicators failed: {done.stderr.decode()[-500:]}")
        runs.append(
            {
                "missions_locales": mls,
                "scale_of_each_ml": scale,
                "events": count,
                "file_mb": round(size_mb),
                "seconds": round(elapsed, 2),
                "peak_memory_mib": round(max(peak_kib, before) / 1024, 1),
                "events_per_s": round(count / elapsed),
                "naive_single_pass_seconds": round(naive, 2),
                "ratio_to_naive": round(naive / elapsed, 3),
            }
        )
    growth = {
        "events": round(runs[1]["events"] / runs[0]["events"], 2),
        "time": round(runs[1]["seconds"] / runs[0]["seconds"], 2),
        "memory": round(runs[1]["peak_memory_mib"] / runs[0]["peak_memory_mib"], 2),
    }
    write(
        "scale",
        {
            "runs": runs,
            "growth_40_to_436": growth,
            "note": "peak memory is the largest child process so far (ru_maxrss); the naive peer computes "
            "one figure with json.loads and sets, nothing validated",
        },
    )


BENCHMARKS = {
    "ingest": bench_ingest,
    "end_to_end": bench_end_to_end,
    "fold": bench_fold,
    "query": bench_query,
    "scale": bench_scale,
}


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Relais benchmarks on the local stack; results in bench/results/.")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that everything runs")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients of the ingest benchmark")
    args = parser.parse_args()
    globals()["CLIENTS"] = args.clients
    status = subprocess.run(
        [sys.executable, "-m", "relais_cli.main", "status"], capture_output=True, text=True, cwd=ROOT
    ).stdout
    if any(line.split()[1:2] == ["running"] and "http://" in line for line in status.splitlines()):
        raise SystemExit(
            "bench: the services of `relais up` are running and would share the benchmarks' topics and "
            "consumer groups; stop them first: .venv/bin/relais down --keep-stack"
        )
    subprocess.run([sys.executable, "-m", "relais_cli.main", "stack", "up"], check=True, cwd=ROOT)
    for name in args.only or BENCHMARKS:
        BENCHMARKS[name](args.quick)


if __name__ == "__main__":
    main()
