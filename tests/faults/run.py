"""The fault-injection suite (`bash tests/faults.sh`): commands flow while parts of the system
fail, and at the end every command that was acknowledged is counted, once, in the figures.

Each scenario starts the four services as processes of their own on fresh databases (a new
`RELAIS_PG_DB_PREFIX`), sends counselors' commands through their HTTP APIs at `--rate` for
`--duration` seconds (a careful client: one Idempotency-Key per command, sent again while the
service is unreachable or answers 5xx), injects its faults meanwhile, then waits for the
reporting read models and checks:

- lost: acknowledged events (201) missing from the reporting read models;
- doubled: read-model rows of the run's Missions Locales beyond the events acknowledged (a
  command executed twice, an event folded twice), counted only when every command was answered;
- replay: `relais replay` recomputes every figure from the topics and compares it with the live
  read models (exit 0: equal).

Scenarios: `kafka` (Kafka stopped 20 s, restarted), `postgres` (PostgreSQL restarted), `kills`
(a random service SIGKILLed every 2–4 s and started again at once, so that a kill may
also find a service still starting), `broker` (on a three-broker cluster,
`relais stack up --brokers 3`, one broker SIGKILLed, restarted 20 s later).
"""

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import psycopg
from relais_cli.harness import ServiceProcess
from relais_cli.simulation.profiles import PROFILES
from relais_cli.simulation.traffic import Traffic
from relais_cli.stack import kafka
from relais_cli.stack.postgres import Cluster
from relais_runtime.settings import DATABASES, PROJECT_ROOT, get_settings

PORTS = {"reporting": 18400, "intake": 18401, "dispositifs": 18402, "employment": 18403}
RESULTS = PROJECT_ROOT / ".relais" / "faults"


@dataclass
class Outcome:
    scenario: str
    faults: list[str]
    duration_s: float
    commands_sent: int
    rate_achieved: float  # commands/s actually sent (a saturated machine sends fewer than asked)
    acknowledged: int
    refused_4xx: int
    unanswered: int
    retries: int
    refusals: dict[str, int]  # "service status problem-type" → count
    lost: int
    doubled: int
    replay_equal: bool
    catch_up_s: float

    def line(self) -> str:
        return (
            f"{self.scenario:<9} faults {len(self.faults):>2}  sent {self.commands_sent:>5}  "
            f"({self.rate_achieved}/s)  acknowledged {self.acknowledged:>5}  lost {self.lost}  doubled {self.doubled}  "
            f"unanswered {self.unanswered}  replay {'=' if self.replay_equal else '≠'} live"
        )


class System:
    """The four services as processes, on databases of their own, against the running stack."""

    def __init__(self, prefix: str, bootstrap: str):
        self.env = {"RELAIS_PG_DB_PREFIX": prefix, "RELAIS_KAFKA_BOOTSTRAP": bootstrap, "RELAIS_LOG_LEVEL": "WARNING"}
        self.processes = {s: ServiceProcess(s, p, **self.env) for s, p in PORTS.items()}

    def start(self) -> None:
        for process in self.processes.values():
            process.start(timeout=90)

    def kill_and_respawn(self, service: str) -> None:
        """SIGKILL, then start again at once without waiting: the next kill may find it starting."""
        process = self.processes[service]
        if process.proc and process.proc.poll() is None:
            process.kill()
        process.spawn()

    def wait_ready(self) -> None:
        for process in self.processes.values():
            process.wait_ready(timeout=180)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.proc and process.proc.poll() is None:
                process.kill(signal.SIGTERM)


def create_databases(prefix: str) -> None:
    settings = get_settings().model_copy(update={"pg_db_prefix": prefix})
    with psycopg.connect(settings.pg_dsn("intake").rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        for name in DATABASES:
            conn.execute(f'CREATE DATABASE "{settings.database(name)}"')


async def inject(scenario: str, system: System, stop: asyncio.Event, faults: list[str]) -> None:
    """The faults of one scenario, while the traffic runs."""
    settings, root = get_settings(), get_settings().data_dir
    rnd = random.Random(12)

    async def at(seconds: float) -> bool:
        try:
            await asyncio.wait_for(stop.wait(), seconds)
            return False
        except TimeoutError:
            return True

    if scenario == "kafka" and await at(15):
        faults.append(f"{time.strftime('%H:%M:%S')} kafka stopped")
        await asyncio.to_thread(kafka.stop, root)
        await asyncio.sleep(20)
        await asyncio.to_thread(kafka.start, settings, root)
        faults.append(f"{time.strftime('%H:%M:%S')} kafka started")
    elif scenario == "postgres" and await at(20):
        faults.append(f"{time.strftime('%H:%M:%S')} postgresql restarted")
        cluster = Cluster(settings, root)
        await asyncio.to_thread(cluster.stop)
        await asyncio.to_thread(cluster.start)
    elif scenario == "kills":
        while await at(rnd.uniform(2, 4)):
            service = rnd.choice(list(PORTS))
            faults.append(f"{time.strftime('%H:%M:%S')} SIGKILL {service}")
            await asyncio.to_thread(system.kill_and_respawn, service)
        await asyncio.to_thread(system.wait_ready)
    elif scenario == "broker" and await at(20):
        node = kafka.node_paths(root, 3)[rnd.randrange(3)]
        pid = kafka.running_pid(node)
        assert pid, "start the cluster with `relais stack up --brokers 3`"
        os.kill(pid, signal.SIGKILL)
        faults.append(f"{time.strftime('%H:%M:%S')} SIGKILL kafka broker {node.node}")
        await asyncio.sleep(20)
        await asyncio.to_thread(kafka.start, settings, root)
        faults.append(f"{time.strftime('%H:%M:%S')} kafka broker {node.node} restarted")


def folded(prefix: str, event_ids: list[str], ml_ids: list[str]) -> tuple[int, int]:
    """(acknowledged events found in the read models, rows of the run's Missions Locales)."""
    settings = get_settings().model_copy(update={"pg_db_prefix": prefix})
    with psycopg.connect(settings.pg_dsn("reporting")) as conn:
        found = conn.execute(
            "SELECT count(*) FROM report_events WHERE event_id = ANY(%s::uuid[])", (event_ids,)
        ).fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM report_events WHERE ml_id = ANY(%s)", (ml_ids,)).fetchone()[0]
    return found, rows


def run(scenario: str, rate: float, duration: float, bootstrap: str) -> Outcome:
    prefix = f"faults{int(time.time())}_"
    create_databases(prefix)
    system = System(prefix, bootstrap)
    system.start()
    tag = prefix.removeprefix("faults").rstrip("_")
    ml_ids = [f"ML-F{tag}-{c}" for c in "ABC"]
    traffic = Traffic(
        get_settings(), {ml: PROFILES["innovam"] for ml in ml_ids}, rate, seed=7, ports=PORTS, retry_for=180
    )
    faults: list[str] = []

    async def flow() -> None:
        stop = asyncio.Event()
        injector = asyncio.create_task(inject(scenario, system, stop, faults))
        await traffic.run(duration)
        stop.set()
        await injector

    started = time.monotonic()
    try:
        asyncio.run(flow())
        stats = traffic.stats
        acknowledged = [event_id for _, event_id, _ in stats.acknowledged]
        unanswered = (
            stats.sent - stats.ok - sum(n for (_, status, _), n in stats.refusals.items() if 400 <= status < 500)
        )
        catch_up = time.monotonic()
        found, rows = 0, 0
        while time.monotonic() - catch_up < 300:
            found, rows = folded(prefix, acknowledged, ml_ids)
            if found == len(set(acknowledged)):
                break
            time.sleep(1)
        catch_up_s = time.monotonic() - catch_up
        time.sleep(3)  # anything folded twice would show now
        found, rows = folded(prefix, acknowledged, ml_ids)
        replay = subprocess.run(
            [sys.executable, "-m", "relais_cli.main", "replay"],
            cwd=PROJECT_ROOT,
            env={**os.environ, **system.env},
            capture_output=True,
            text=True,
        )
        if replay.returncode != 0:
            print(replay.stdout[-2000:], replay.stderr[-2000:], file=sys.stderr)
    finally:
        system.stop()
    return Outcome(
        scenario=scenario,
        faults=faults,
        duration_s=round(time.monotonic() - started, 1),
        commands_sent=stats.sent,
        rate_achieved=round(stats.sent / duration, 1),
        acknowledged=len(set(acknowledged)),
        refused_4xx=stats.sent - stats.ok - unanswered,
        unanswered=unanswered,
        retries=stats.retries,
        refusals={f"{svc} {status} {kind}": n for (svc, status, kind), n in stats.refusals.most_common()},
        lost=len(set(acknowledged)) - found,
        doubled=max(0, rows - len(set(acknowledged))) if unanswered == 0 else -1,
        replay_equal=replay.returncode == 0,
        catch_up_s=round(catch_up_s, 1),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "scenarios",
        nargs="*",
        default=["kafka", "postgres", "kills"],
        help="kafka, postgres, kills, broker (broker needs `relais stack up --brokers 3`)",
    )
    parser.add_argument("--rate", type=float, default=30, help="commands a second over the three write services")
    parser.add_argument("--duration", type=float, default=60, help="seconds of traffic per scenario")
    args = parser.parse_args()
    settings, root = get_settings(), get_settings().data_dir
    bootstrap = kafka.cluster_bootstrap(settings, kafka.brokers_of(root))
    RESULTS.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for scenario in args.scenarios:
        outcome = run(scenario, args.rate, args.duration, bootstrap)
        outcomes.append(outcome)
        (RESULTS / f"{scenario}.json").write_text(json.dumps(asdict(outcome), indent=2, ensure_ascii=False))
        print(outcome.line(), flush=True)
    bad = [o for o in outcomes if o.lost or o.doubled or not o.replay_equal]
    print(f"{len(outcomes) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
