"""The ingest benchmark's instruments: a light HTTP client, CPU accounts per process, and the
arrival time of each event on Kafka.

The client speaks HTTP/1.1 over one keep-alive connection per simulated counselor, with no more
than it needs: httpx, tried first, spent 6 ms of CPU a request and could not send more than
about 200 requests a second on one core of this machine, so the load generator, not the
services, was measured (#17).
"""

import asyncio
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer


class RawClient:
    """One keep-alive HTTP/1.1 connection: POST a JSON body, read the status and the body."""

    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: object) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = json.dumps(body).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nhost: {self.host}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(data)}\r\n{self.head}\r\n".encode()
            + data
        )
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, (await self.reader.readexactly(length)) if length else b""

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of one process (all its threads), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pids_where(test) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if test(entry):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def postgres_pids() -> list[int]:
    return _pids_where(lambda p: (p / "comm").read_text().strip() == "postgres")


def kafka_pids() -> list[int]:
    return _pids_where(lambda p: b"kafka.Kafka" in (p / "cmdline").read_bytes())


@dataclass
class CpuAccount:
    """CPU seconds spent by groups of processes between `start` and `stop` (processes started
    meanwhile, like PostgreSQL's backends, are counted from zero)."""

    groups: dict[str, list[int]]
    before: dict[int, float] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        self.before = {pid: _cpu_seconds(pid) for pids in self.groups.values() for pid in pids}

    def stop(self, refresh: dict[str, list[int]] | None = None) -> None:
        for name, pids in {**self.groups, **(refresh or {})}.items():
            self.spent[name] = sum(_cpu_seconds(pid) - self.before.get(pid, 0.0) for pid in pids)


class KafkaArrivals:
    """When each event (by `event_id`) arrived on `topics`, read by a bare consumer from the
    topics' ends at `start` on: the relay's lag is an event's arrival minus its command's 201."""

    def __init__(self, servers: str, topics: list[str]):
        self.servers, self.topics = servers, topics
        self.seen: dict[str, float] = {}
        self._ready, self._done = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._consume()), daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(60):
            raise SystemExit("ingest: the Kafka reader got no partition")

    def wait_for(self, event_ids: list[str], timeout: float = 30) -> None:
        deadline = time.perf_counter() + timeout
        while any(e not in self.seen for e in event_ids) and time.perf_counter() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        self._done.set()
        self._thread.join(10)

    async def _consume(self) -> None:
        consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.servers,
            group_id=f"bench-arrivals-{uuid.uuid4().hex[:6]}",
            auto_offset_reset="latest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=200)
            for partition in consumer.assignment():
                await consumer.position(partition)  # fixed at the end, before the first command
            self._ready.set()
            while not self._done.is_set():
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    now = time.perf_counter()
                    for record in records:
                        self.seen.setdefault(json.loads(record.value)["event_id"], now)
        finally:
            await consumer.stop()
