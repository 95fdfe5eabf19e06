"""Apache Kafka 4.x, KRaft combined mode, from Maven Central jars: one node by default, or a
cluster of three (`relais stack up --brokers 3`) to test what replication survives.

`deploy/local/pom.xml` resolves `org.apache.kafka:kafka_2.13` and its runtime dependencies
(Maven caches them in ~/.m2); the jars are copied to `.relais/kafka-libs`. The storage is
formatted with Kafka's own `kafka.tools.StorageTool` and each broker runs as `kafka.Kafka`.

The single node lives in `.relais/kafka` on 19092 (controller 19093). A cluster of N lives in
`.relais/kafka-cluster/node-<i>`, node i on 19092 + 2(i−1) (controller one above), every node a
broker and a controller; topics are replicated N times with `min.insync.replicas` N−1, so that
an acknowledged (acks=all) message survives the loss of any one broker.
"""

import asyncio
import base64
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from relais_contracts import ALL_TOPICS, dlq_topic
from relais_runtime.settings import PROJECT_ROOT, Settings

from relais_cli.errors import CommandFailed
from relais_cli.stack.process import port_open, read_pid, tail, terminate, wait_until

POM = PROJECT_ROOT / "deploy" / "local" / "pom.xml"
JVM_FLAGS = [
    "-Xmx512M",
    "-Xms512M",
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
]
LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
"""


@dataclass
class KafkaPaths:
    root: Path
    node: int = 0  # 0: the single-node stack; 1..N: a node of the cluster

    @property
    def libs(self) -> Path:
        return self.root / "kafka-libs"

    @property
    def home(self) -> Path:
        return self.root / "kafka" if self.node == 0 else self.root / "kafka-cluster" / f"node-{self.node}"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def config(self) -> Path:
        return self.home / "server.properties"

    @property
    def log4j(self) -> Path:
        return self.home / "log4j2.properties"

    @property
    def log(self) -> Path:
        return self.home / "kafka.log"

    @property
    def pid(self) -> Path:
        return self.home / "kafka.pid"


def _host_port(bootstrap: str) -> tuple[str, int]:
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    return host or "127.0.0.1", int(port)


def ensure_jars(paths: KafkaPaths) -> None:
    """Resolve the broker's jars with Maven once (cached in ~/.m2 and `.relais/kafka-libs`)."""
    if any(paths.libs.glob("kafka_2.13-*.jar")) and any(paths.libs.glob("log4j-core-*.jar")):
        return
    if shutil.which("mvn") is None:
        raise CommandFailed("Maven (mvn) is needed to fetch Kafka's jars; install the maven package")
    paths.libs.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mvn", "-B", "-q", "-f", str(POM), "package", f"-Dkafka.libs.dir={paths.libs}"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise CommandFailed(
            "Maven could not resolve Kafka's jars (see output above)",
            details=(result.stdout + result.stderr)[-4000:],
        )


def ports(settings: Settings, node: int) -> tuple[int, int]:
    """The broker and controller ports of a node (0: the single node)."""
    _, port = _host_port(settings.kafka_bootstrap)
    if node == 0:
        return port, settings.kafka_controller_port
    return port + 2 * (node - 1), port + 2 * (node - 1) + 1


def cluster_bootstrap(settings: Settings, brokers: int) -> str:
    """Every broker's address: what clients of a cluster are given (any one may be down)."""
    host, _ = _host_port(settings.kafka_bootstrap)
    if brokers == 1:
        return settings.kafka_bootstrap
    return ",".join(f"{host}:{ports(settings, i)[0]}" for i in range(1, brokers + 1))


def write_config(paths: KafkaPaths, settings: Settings, brokers: int = 1) -> None:
    host, _ = _host_port(settings.kafka_bootstrap)
    port, cport = ports(settings, paths.node)
    nodes = [0] if brokers == 1 else list(range(1, brokers + 1))
    voters = ",".join(f"{max(n, 1)}@{host}:{ports(settings, n)[1]}" for n in nodes)
    replicas = str(brokers)
    paths.home.mkdir(parents=True, exist_ok=True)
    properties = {
        "process.roles": "broker,controller",
        "node.id": str(max(paths.node, 1)),
        "controller.quorum.voters": voters,
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(paths.data.resolve()),
        "num.partitions": str(settings.kafka_partitions),
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": replicas,
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": str(max(1, brokers - 1)),
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": str(max(1, brokers - 1)),
        "default.replication.factor": replicas,
        "min.insync.replicas": str(max(1, brokers - 1)),
        "group.initial.rebalance.delay.ms": "0",
    }
    paths.config.write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
    paths.log4j.write_text(LOG4J2)


def _java(paths: KafkaPaths, main: str, *args: str) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise CommandFailed("Java 17+ is needed to run Kafka; install openjdk-17-jre-headless")
    return [
        java,
        *JVM_FLAGS,
        f"-Dkafka.logs.dir={paths.home}",
        f"-Dlog4j2.configurationFile={paths.log4j}",
        "-cp",
        f"{paths.libs}/*",
        main,
        *args,
    ]


def _cluster_id() -> str:
    while True:  # Kafka refuses ids that start with "-"
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def format_storage(paths: KafkaPaths, cluster_id: str | None = None) -> None:
    if (paths.data / "meta.properties").exists():
        return
    result = subprocess.run(
        _java(
            paths, "kafka.tools.StorageTool", "format", "-t", cluster_id or _cluster_id(), "-c", str(paths.config), "-g"
        ),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise CommandFailed(
            "Kafka's storage tool could not format the data directory", details=(result.stdout + result.stderr)[-4000:]
        )


def running_pid(paths: KafkaPaths) -> int | None:
    return read_pid(paths.pid)


def _brokers_file(root: Path) -> Path:
    return root / "kafka-brokers"


def brokers_of(root: Path) -> int:
    """How many brokers the local stack was started with (1 unless `--brokers N`)."""
    try:
        return int(_brokers_file(root).read_text())
    except (FileNotFoundError, ValueError):
        return 1


def node_paths(root: Path, brokers: int) -> list[KafkaPaths]:
    return [KafkaPaths(root)] if brokers == 1 else [KafkaPaths(root, i) for i in range(1, brokers + 1)]


def start(settings: Settings, root: Path, timeout: float = 120, brokers: int | None = None) -> str:
    """Start the local Kafka (idempotent): one node, or `brokers` nodes."""
    running = brokers_of(root)
    brokers = brokers or running
    if brokers not in (1, 3):
        raise CommandFailed("the local stack runs 1 or 3 brokers")
    host, _ = _host_port(settings.kafka_bootstrap)
    nodes = node_paths(root, brokers)
    if all(running_pid(n) and port_open(host, ports(settings, n.node)[0]) for n in nodes) and running == brokers:
        return f"Kafka already running ({brokers} broker(s)) on {cluster_bootstrap(settings, brokers)}"
    if running != brokers and any(running_pid(n) for n in node_paths(root, running)):
        raise CommandFailed(f"Kafka runs with {running} broker(s): `relais stack down` first")
    ensure_jars(nodes[0])
    cluster_id_file = root / "kafka-cluster" / "cluster.id"
    if brokers > 1 and not cluster_id_file.exists():
        cluster_id_file.parent.mkdir(parents=True, exist_ok=True)
        cluster_id_file.write_text(_cluster_id())
    started = [
        _start_node(n, settings, brokers, cluster_id_file.read_text() if brokers > 1 else None)
        for n in nodes
        if not (running_pid(n) and port_open(host, ports(settings, n.node)[0]))
    ]
    for proc, paths, log_start in started:
        _wait_started(proc, paths, log_start, host, ports(settings, paths.node)[0], timeout)
    _brokers_file(root).write_text(str(brokers))
    cluster = settings.model_copy(update={"kafka_bootstrap": cluster_bootstrap(settings, brokers)})
    asyncio.run(ensure_topics(cluster, replicas=brokers))
    pids = ", ".join(str(running_pid(n)) for n in nodes)
    return f"Kafka running ({brokers} broker(s), pid {pids}) on {cluster_bootstrap(settings, brokers)}"


def _start_node(paths: KafkaPaths, settings: Settings, brokers: int, cluster_id: str | None):
    host, port = _host_port(settings.kafka_bootstrap)
    port = ports(settings, paths.node)[0]
    if port_open(host, port):
        raise CommandFailed(f"port {host}:{port} is taken by another process; set RELAIS_KAFKA_BOOTSTRAP")
    write_config(paths, settings, brokers)
    format_storage(paths, cluster_id)
    log = paths.log.open("ab")
    proc = subprocess.Popen(
        _java(paths, "kafka.Kafka", str(paths.config)),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    paths.pid.write_text(str(proc.pid))
    return proc, paths, paths.log.stat().st_size


def _wait_started(
    proc: subprocess.Popen, paths: KafkaPaths, log_start: int, host: str, port: int, timeout: float
) -> None:
    def started() -> bool:
        if proc.poll() is not None:
            return True
        with paths.log.open("rb") as f:
            f.seek(max(0, log_start - 1))
            return b"Kafka Server started" in f.read() and port_open(host, port)

    wait_until(started, timeout)
    if proc.poll() is not None or not port_open(host, port):
        if proc.poll() is None:
            terminate(proc.pid)
        raise CommandFailed(f"Kafka did not start within {timeout:.0f} s", details=tail(paths.log))


async def ensure_topics(settings: Settings, replicas: int = 1) -> list[str]:
    """Create the service topics and their dead-letter topics, kept forever (replays need it),
    each partition on `replicas` brokers (an acknowledged message then needs replicas − 1)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for name in ALL_TOPICS for t in (name, dlq_topic(name))]
        missing = [
            NewTopic(
                name=t,
                num_partitions=settings.kafka_partitions,
                replication_factor=replicas,
                topic_configs={"retention.ms": "-1", "min.insync.replicas": str(max(1, replicas - 1))},
            )
            for t in wanted
            if t not in existing
        ]
        if missing:
            await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()


def stop(root: Path) -> str:
    brokers = brokers_of(root)
    stopped = []
    for paths in node_paths(root, brokers):
        pid = running_pid(paths)
        if pid is not None:
            terminate(pid, timeout=30)
            paths.pid.unlink(missing_ok=True)
            stopped.append(str(pid))
    _brokers_file(root).unlink(missing_ok=True)
    if not stopped:
        return "Kafka not running"
    return f"Kafka stopped (pid {', '.join(stopped)})"


def status(settings: Settings, root: Path) -> tuple[bool, str]:
    brokers = brokers_of(root)
    host, _ = _host_port(settings.kafka_bootstrap)
    lines, ok = [], True
    for paths in node_paths(root, brokers):
        port = ports(settings, paths.node)[0]
        pid = running_pid(paths)
        name = "kafka" if paths.node == 0 else f"kafka-{paths.node}"
        if pid and port_open(host, port):
            lines.append(f"{name:<12}running  pid {pid}  {host}:{port}  data {paths.data}")
        else:
            ok = False
            lines.append(
                f"{name:<12}starting pid {pid}  ({host}:{port} not answering)"
                if pid
                else f"{name:<12}stopped  ({host}:{port})"
            )
    return ok, "\n".join(lines)
