"""Apache Kafka 4.x, KRaft combined mode, one node, from Maven Central jars.

`deploy/local/pom.xml` resolves `org.apache.kafka:kafka_2.13` and its runtime dependencies
(Maven caches them in ~/.m2); the jars are copied to `.relais/kafka-libs`. The storage is
formatted with Kafka's own `kafka.tools.StorageTool` and the broker runs as `kafka.Kafka`.
"""

import asyncio
import base64
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from relais_cli.errors import CommandFailed
from relais_cli.stack.process import port_open, read_pid, tail, terminate, wait_until
from relais_contracts import ALL_TOPICS, dlq_topic
from relais_runtime.settings import PROJECT_ROOT, Settings

POM = PROJECT_ROOT / "deploy" / "local" / "pom.xml"
JVM_FLAGS = [
    "-Xmx512M", "-Xms512M", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
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

    @property
    def libs(self) -> Path:
        return self.root / "kafka-libs"

    @property
    def home(self) -> Path:
        return self.root / "kafka"

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
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise CommandFailed(
            "Maven could not resolve Kafka's jars (see output above)",
            details=(result.stdout + result.stderr)[-4000:],
        )


def write_config(paths: KafkaPaths, settings: Settings) -> None:
    host, port = _host_port(settings.kafka_bootstrap)
    cport = settings.kafka_controller_port
    paths.home.mkdir(parents=True, exist_ok=True)
    properties = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{host}:{cport}",
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(paths.data.resolve()),
        "num.partitions": str(settings.kafka_partitions),
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    paths.config.write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
    paths.log4j.write_text(LOG4J2)


def _java(paths: KafkaPaths, main: str, *args: str) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise CommandFailed("Java 17+ is needed to run Kafka; install openjdk-17-jre-headless")
    return [
        java, *JVM_FLAGS, f"-Dkafka.logs.dir={paths.home}",
        f"-Dlog4j2.configurationFile={paths.log4j}",
        "-cp", f"{paths.libs}/*", main, *args,
    ]


def _cluster_id() -> str:
    while True:  # Kafka refuses ids that start with "-"
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def format_storage(paths: KafkaPaths) -> None:
    if (paths.data / "meta.properties").exists():
        return
    result = subprocess.run(
        _java(paths, "kafka.tools.StorageTool", "format", "-t", _cluster_id(),
              "-c", str(paths.config), "-g"),
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise CommandFailed("Kafka's storage tool could not format the data directory",
                            details=(result.stdout + result.stderr)[-4000:])


def running_pid(paths: KafkaPaths) -> int | None:
    return read_pid(paths.pid)


def start(settings: Settings, root: Path, timeout: float = 120) -> str:
    paths = KafkaPaths(root)
    host, port = _host_port(settings.kafka_bootstrap)
    if running_pid(paths) and port_open(host, port):
        return f"Kafka already running (pid {running_pid(paths)}) on {host}:{port}"
    if port_open(host, port):
        raise CommandFailed(f"port {host}:{port} is taken by another process; set RELAIS_KAFKA_BOOTSTRAP")
    ensure_jars(paths)
    write_config(paths, settings)
    format_storage(paths)
    log = paths.log.open("ab")
    proc = subprocess.Popen(
        _java(paths, "kafka.Kafka", str(paths.config)),
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    paths.pid.write_text(str(proc.pid))
    log_start = paths.log.stat().st_size

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
    asyncio.run(ensure_topics(settings))
    return f"Kafka running (pid {proc.pid}) on {host}:{port}"


async def ensure_topics(settings: Settings) -> list[str]:
    """Create the service topics and their dead-letter topics, kept forever (replays need it)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for name in ALL_TOPICS for t in (name, dlq_topic(name))]
        missing = [
            NewTopic(name=t, num_partitions=settings.kafka_partitions, replication_factor=1,
                     topic_configs={"retention.ms": "-1"})
            for t in wanted if t not in existing
        ]
        if missing:
            await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()


def stop(root: Path) -> str:
    paths = KafkaPaths(root)
    pid = running_pid(paths)
    if pid is None:
        return "Kafka not running"
    terminate(pid, timeout=30)
    paths.pid.unlink(missing_ok=True)
    return f"Kafka stopped (pid {pid})"


def status(settings: Settings, root: Path) -> tuple[bool, str]:
    paths = KafkaPaths(root)
    host, port = _host_port(settings.kafka_bootstrap)
    pid = running_pid(paths)
    if pid and port_open(host, port):
        return True, f"kafka       running  pid {pid}  {host}:{port}  data {paths.data}"
    if pid:
        return False, f"kafka       starting pid {pid}  ({host}:{port} not answering)"
    return False, f"kafka       stopped  ({host}:{port})"
