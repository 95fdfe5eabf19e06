"""The auditor's tools: recompute indicators from a JSONL file, export an event store, replay
history into fresh read models and compare them with the live service figure by figure.

All of them fold with the reporting service's own code (`relais_reporting.projection`) and answer
with its own query (`relais_reporting.indicators`): what they print is what the service serves.
"""

import asyncio
import gc
import gzip
import io
import json
import multiprocessing
import queue
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from relais_contracts import ALL_TOPICS, SERVICES, Envelope, InvalidEvent, UnreadableEvent, decode, encode
from relais_reporting import projection
from relais_reporting.bootstrap import PROJECTION_GROUP
from relais_reporting.indicators import Query, compute
from relais_reporting.readmodel import READ_MODEL_TABLES, changes, metadata
from relais_reporting.spreadsheet import flatten
from relais_runtime.app import settle_heap
from relais_runtime.consumer import GroupPosition
from relais_runtime.settings import Settings
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Engine, create_engine, delete, event, inspect
from sqlalchemy.pool import StaticPool

from relais_cli.errors import CommandFailed

stderr = Console(stderr=True)
BATCH = 5000
# From this size a file is decoded in other processes (starting them costs about a second).
PARALLEL_FROM_BYTES = 64 * 1024 * 1024
# A replay's length is known only as it goes: from this many batches, the rest is decoded aside.
REPLAY_DECODED_ASIDE_AFTER = 12
DECODERS = 2
SQLITE_BATCHES_PER_COMMIT = 40


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=False,
        disable=not stderr.is_terminal,
    )


def scratch_engine(path: Path | None = None, throwaway: bool = False, loading: bool = False) -> Engine:
    """Read models in SQLite: in memory by default, or in a file. `throwaway`: a file deleted
    after one answer, written without a journal or syncs (a crash loses nothing worth keeping).
    `loading`: loaded once before it is queried, its indexes built after the load by
    `index_loaded` (by a sort, instead of grown one random insert at a time: a third of the
    storing time)."""
    if path is None:
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{path}")
        if throwaway:

            @event.listens_for(engine, "connect")
            def _unjournaled(dbapi_connection, _record) -> None:  # noqa: ANN001
                for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):  # 256 MiB of cache
                    dbapi_connection.execute(f"PRAGMA {pragma}")

    metadata.create_all(engine)
    if loading:
        with engine.begin() as conn:
            for table in READ_MODEL_TABLES:
                for index in table.indexes:
                    index.drop(conn)
    return engine


def index_loaded(engine: Engine) -> None:
    """Build the indexes of read models loaded without them (`scratch_engine(loading=True)`),
    where missing, and the planner's statistics (the network query ~25 % faster with them)."""
    with engine.begin() as conn:
        for table in READ_MODEL_TABLES:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        conn.exec_driver_sql("ANALYZE")


@dataclass
class Folded:
    events: int = 0
    skipped: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)
    last_recorded_at: datetime | None = None


@dataclass
class Chunk:
    """Lines decoded into read-model rows (in a worker process, or in this one)."""

    rows: projection.Rows
    events: int
    invalid: list[tuple[int, str]]
    unreadable: list[tuple[bytes, str]]
    last_recorded_at: datetime | None


def decode_chunk(lines: list[bytes], first_number: int, keep_envelopes: bool, for_sqlite: bool = False) -> Chunk:
    """Decode lines (numbered from `first_number`) and shape their rows with the fold's own code
    (`for_sqlite`: in SQLite's order and types, `Rows.for_sqlite`)."""
    valid: list[Envelope] = []
    invalid: list[tuple[int, str]] = []
    unreadable: list[tuple[bytes, str]] = []
    last: datetime | None = None
    for number, raw in enumerate(lines, start=first_number):
        line = raw.strip()
        if not line:
            continue
        try:
            envelope = decode(line)
        except InvalidEvent as exc:
            invalid.append((number, str(exc)))
            continue
        except UnreadableEvent as exc:
            unreadable.append((line, exc.reason))
            continue
        valid.append(envelope)
        if last is None or envelope.recorded_at > last:
            last = envelope.recorded_at
    rows = projection.rows_of(valid, keep_envelopes)
    return Chunk(rows.for_sqlite() if for_sqlite else rows, len(valid), invalid, unreadable, last)


def _decoder_started() -> None:
    """A decoding process's set-up: its modules out of the collector's sight, and collections
    rarer (each batch's short-lived objects would otherwise set off thousands of them)."""
    settle_heap()
    gc.set_threshold(50_000, 20, 20)


def fold(
    engine: Engine,
    lines: Iterable[bytes],
    folded: Folded,
    keep_envelopes: bool = True,
    decode_aside_after: int | None = None,
) -> Folded:
    """Decode and fold envelopes in batches; line numbers count from 1. After
    `decode_aside_after` batches (0: from the first), the lines are decoded in `DECODERS` other
    processes while this one stores the rows: every core at work, for inputs long enough to pay
    the second of starting them."""

    # SQLite commits every few batches: each commit writes every page the batch touched, and the
    # random keys touch nearly one page per row (a fifth of the storing time at 5 000 per commit).
    per_commit = SQLITE_BATCHES_PER_COMMIT if engine.dialect.name == "sqlite" else 1
    conn = engine.connect()
    transaction = conn.begin()
    uncommitted = 0

    def store(chunk: Chunk) -> None:
        nonlocal transaction, uncommitted
        projection.store(conn, chunk.rows)
        projection.record_skipped(conn, chunk.unreadable)
        uncommitted += 1
        if uncommitted >= per_commit:
            transaction.commit()
            transaction, uncommitted = conn.begin(), 0
        folded.events += chunk.events
        folded.skipped += len(chunk.unreadable)
        folded.invalid.extend(chunk.invalid)
        if chunk.last_recorded_at and (not folded.last_recorded_at or chunk.last_recorded_at > folded.last_recorded_at):
            folded.last_recorded_at = chunk.last_recorded_at

    pool: ProcessPoolExecutor | None = None
    pending: deque[Future[Chunk]] = deque()
    for_sqlite = engine.dialect.name == "sqlite"
    try:
        for number, (first, chunk) in enumerate(_chunks(lines)):
            if pool is None and decode_aside_after is not None and number >= decode_aside_after:
                # From a clean server process rather than a fork of this one (which has threads).
                # Two: decoding costs each event about twice what storing it does.
                pool = ProcessPoolExecutor(
                    DECODERS, mp_context=multiprocessing.get_context("forkserver"), initializer=_decoder_started
                )
            if pool is None:
                store(decode_chunk(chunk, first, keep_envelopes))
                continue
            pending.append(pool.submit(decode_chunk, chunk, first, keep_envelopes, for_sqlite))
            if len(pending) > 2 * DECODERS:  # a little ahead, never the whole input in memory
                store(pending.popleft().result())
        while pending:
            store(pending.popleft().result())
        transaction.commit()
    finally:
        conn.close()  # what is not committed by now is rolled back
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return folded


def _chunks(lines: Iterable[bytes]) -> Iterator[tuple[int, list[bytes]]]:
    chunk: list[bytes] = []
    first = 1
    for number, line in enumerate(lines, start=1):
        chunk.append(line)
        if len(chunk) >= BATCH:
            yield first, chunk
            chunk, first = [], number + 1
    if chunk:
        yield first, chunk


def _lines_with_progress(path: Path) -> Iterator[bytes]:
    """The lines of a `.jsonl` file, or of one compressed with gzip (`.gz`) or zstandard (`.zst`),
    with a progress bar on the bytes of the file read so far."""
    size = path.stat().st_size
    with progress() as bar, path.open("rb") as raw:
        task = bar.add_task(f"Lecture de {path.name}", total=size)
        lines = iter(_decompressed(path, raw))
        number = 0
        while True:
            try:
                line = next(lines)
            except StopIteration:
                break
            except (OSError, EOFError, ValueError) as exc:  # a truncated or corrupt compressed file
                raise CommandFailed(f"{path}: cannot be read after line {number} ({exc})") from None
            number += 1
            if number % 4096 == 0:
                bar.update(task, completed=raw.tell())
            yield line
        bar.update(task, completed=size)


def _decompressed(path: Path, raw: IO[bytes]) -> Iterable[bytes]:
    if path.suffix == ".gz":
        return gzip.GzipFile(fileobj=raw)
    if path.suffix == ".zst":
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw))  # type: ignore[arg-type]
    return raw


@contextmanager
def folded_file(path: Path, skip_invalid: bool) -> Iterator[Engine]:
    """Read models holding a JSONL export, in a throwaway SQLite file deleted on the way out."""
    if not path.is_file():
        raise CommandFailed(f"no such file: {path}")
    settle_heap()  # the modules and validators out of the collector's sight, as in the services
    # On disk, not in memory: a national year's read models are several GiB (bench/README.md).
    with tempfile.TemporaryDirectory(prefix="relais-indicators-") as scratch:
        engine = scratch_engine(Path(scratch) / "read-models.sqlite3", throwaway=True, loading=True)
        try:
            _load(engine, path, skip_invalid)
            yield engine
        finally:
            engine.dispose()


def indicators_from_file(path: Path, query: Query, skip_invalid: bool) -> dict[str, Any]:
    with folded_file(path, skip_invalid) as engine, engine.connect() as conn:
        return compute(conn, query)


def _load(engine: Engine, path: Path, skip_invalid: bool) -> None:
    aside = 0 if path.stat().st_size > PARALLEL_FROM_BYTES else None
    folded = fold(engine, _lines_with_progress(path), Folded(), keep_envelopes=False, decode_aside_after=aside)
    index_loaded(engine)
    if folded.invalid:
        for number, error in folded.invalid[:50]:
            stderr.print(f"{path}:{number}: invalid envelope: {error}", markup=False, highlight=False)
        if len(folded.invalid) > 50:
            stderr.print(f"... and {len(folded.invalid) - 50} more", markup=False)
        if not skip_invalid:
            raise CommandFailed(f"{len(folded.invalid)} invalid line(s) in {path}; fix them or pass --skip-invalid")


# --- export ---------------------------------------------------------------------------------


def export(settings: Settings, service: str, out: IO[bytes], since: datetime | None, until: datetime | None) -> int:
    """Write the events of a service's event store as JSONL envelopes: the bytes it published."""
    from relais_runtime.kernel.events import to_envelope

    app = service_application(service)(settings)
    try:
        head = app.recorder.max_notification_id() or 0
        written, position = 0, 0
        with progress() as bar:
            task = bar.add_task(f"Export de {service}", total=head)
            while position < head:
                page = app.recorder.select_notifications(start=position + 1, limit=1000, stop=head)
                if not page:
                    break
                for notification in page:
                    envelope = to_envelope(app.mapper.to_domain_event(notification))
                    if envelope is None:
                        continue
                    if (since and envelope.recorded_at < since) or (until and envelope.recorded_at > until):
                        continue
                    out.write(encode(envelope) + b"\n")
                    written += 1
                position = page[-1].id
                bar.update(task, completed=position)
        return written
    finally:
        app.close()


def service_application(service: str) -> type:
    """The application class of a write service (its event store's tables carry its name)."""
    from relais_dispositifs.application import DispositifsApplication
    from relais_employment.application import EmploymentApplication
    from relais_intake.application import IntakeApplication

    applications: dict[str, type] = {
        "intake": IntakeApplication,
        "dispositifs": DispositifsApplication,
        "employment": EmploymentApplication,
    }
    assert set(applications) == set(SERVICES), "one application per producing service of the catalogue"
    if service not in applications:
        raise CommandFailed(f"unknown service {service!r}; choose {', '.join(SERVICES)}")
    return applications[service]


# --- replay ---------------------------------------------------------------------------------


def _topic_values(settings: Settings) -> Iterator[bytes]:
    """Every message of the three topics from offset 0 up to their end when the replay began,
    read by a thread a few batches ahead of the fold (never the whole history in memory), with a
    progress bar."""
    from relais_runtime.kafka import batches_to_end

    fetched: queue.Queue[tuple[list[bytes], int] | BaseException | None] = queue.Queue(maxsize=8)

    async def read() -> None:
        async for batch, total in batches_to_end(settings, list(ALL_TOPICS)):
            fetched.put(([r.value for r in batch], total))

    def reader() -> None:
        try:
            asyncio.run(read())
            fetched.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed over to the folding thread
            fetched.put(exc)

    threading.Thread(target=reader, name="replay-reader", daemon=True).start()
    with progress() as bar:
        task = bar.add_task("Lecture des topics", total=None)
        while (item := fetched.get()) is not None:
            if isinstance(item, LookupError):
                raise CommandFailed(f"no topic to replay on {settings.kafka_bootstrap}")
            if isinstance(item, BaseException):
                raise CommandFailed(f"could not read the topics on {settings.kafka_bootstrap}: {item}")
            values, total = item
            bar.update(task, total=total, advance=len(values))
            yield from values


def replay(
    settings: Settings,
    exports: list[Path],
    target: Engine,
    period: tuple[date, date],
    ml_id: str | None,
    live: Engine | None,
) -> tuple[dict[str, Any], dict[str, Any] | None, Folded]:
    if exports:

        def lines() -> Iterator[bytes]:
            for path in exports:
                if not path.is_file():
                    raise CommandFailed(f"no such file: {path}")
                yield from _lines_with_progress(path)

        folded = fold(target, lines(), Folded(), decode_aside_after=REPLAY_DECODED_ASIDE_AFTER)
    else:
        folded = fold(target, _topic_values(settings), Folded(), decode_aside_after=REPLAY_DECODED_ASIDE_AFTER)
    index_loaded(target)
    query = Query(period[0], period[1], ml_id, folded.last_recorded_at)
    with target.connect() as conn:
        replayed = compute(conn, query)
    live_doc = None
    if live is not None:
        if not inspect(live).has_table(projection.events.name):
            raise CommandFailed(
                "the live read models do not exist yet (the reporting service never ran): "
                "start it, or replay with --no-compare or --rebuild-live"
            )
        with live.connect() as conn:
            live_doc = compute(conn, query)
    return replayed, live_doc, folded


def clear_live(engine: Engine) -> None:
    """Drop the live read models' rows and the projection's offsets, for a rebuild (creating
    them first where the reporting service never ran)."""
    metadata.create_all(engine)
    position = GroupPosition(engine, PROJECTION_GROUP)
    with engine.begin() as conn:
        for table in (*READ_MODEL_TABLES, changes):  # no token left: live caches drop what they kept
            conn.execute(delete(table))
        position.forget(conn)


def compare(replayed: dict[str, Any], live: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Every figure of both documents, side by side: (path, live, replay)."""
    a, b = flatten(live.get("indicators", {})), flatten(replayed.get("indicators", {}))
    for key in ("events_considered", "events_skipped"):
        a[key], b[key] = live.get(key), replayed.get(key)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b))]


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2)
