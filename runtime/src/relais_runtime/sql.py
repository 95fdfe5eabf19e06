"""SQLAlchemy engines for a service's own tables (read models, key stores, indexes).

Same database as the service's event store: PostgreSQL in the running system, a SQLite file or
memory where one process is enough.
"""

import uuid
from collections.abc import Callable
from operator import itemgetter
from types import ModuleType
from typing import Any

import psycopg
import sqlalchemy.exc
from eventsourcing import persistence as es
from sqlalchemy import Boolean, Connection, Engine, Table, Uuid, create_engine, event, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import StaticPool

from relais_runtime.settings import Settings

# A database that does not answer (down, restarting, unreachable): what failed may be retried.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    es.OperationalError,
    es.InterfaceError,
    es.ConnectionUnavailableError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    psycopg.OperationalError,
)


def dialect_of(conn: Connection) -> ModuleType:
    """The SQLAlchemy dialect module of a connection, for its `insert … on conflict`."""
    return postgresql if conn.dialect.name == "postgresql" else sqlite


class SqliteRows(list[tuple[Any, ...]]):
    """Rows already in a table's column order and in SQLite's types (`sqlite_values`), made
    where they were decoded, in a worker process: smaller to send, nothing left to convert."""


def insert_new(
    conn: Connection, table: Table, rows: list[dict[str, Any]] | SqliteRows, key: str, returning: bool = False
) -> set[Any] | None:
    """Insert the rows whose `key` (a single-column primary key) is not in `table` yet, in the
    caller's transaction: several copies of one row keep one, a row already there changes
    nothing. A bulk path below SQLAlchemy's per-row parameter processing, which cost the fold
    more than the database itself (bench/README.md, fold): PostgreSQL copies the rows into a
    temporary table and inserts from it (`COPY`, then `INSERT … ON CONFLICT DO NOTHING`); SQLite
    runs one `INSERT OR IGNORE` over all of them.

    `returning`: the keys of the rows this call inserted, as PostgreSQL's `RETURNING` says (a
    row another transaction inserted meanwhile is not among them); SQLite, one writer at a
    time, looks first for those already there (list rows only; None otherwise)."""
    if not rows:
        return set() if returning else None
    names = [c.name for c in table.columns]
    columns = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" * len(names))
    if isinstance(rows, SqliteRows):
        if conn.dialect.name != "sqlite":
            raise TypeError(f"rows prepared for SQLite given to {conn.dialect.name}")
        conn.exec_driver_sql(f"INSERT OR IGNORE INTO {table.name} ({columns}) VALUES ({marks})", rows)
        return None
    unique = list({r[key]: r for r in rows}.values())
    if conn.dialect.name == "postgresql":
        staging = f"staging_{table.name}"
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE {table.name}) ON COMMIT DELETE ROWS")
            with cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
                for r in unique:
                    copy.write_row([r.get(n) for n in names])
            cursor.execute(
                f'INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {staging} ON CONFLICT ("{key}") DO NOTHING'
                + (f' RETURNING "{key}"' if returning else "")
            )
            inserted = {found for (found,) in cursor.fetchall()} if returning else None
            cursor.execute(f"DELETE FROM {staging}")  # the next batch of the same transaction starts empty
        return inserted
    if returning:
        there = {
            k
            for chunk in range(0, len(unique), 500)
            for k in conn.execute(
                select(table.c[key]).where(table.c[key].in_([r[key] for r in unique[chunk : chunk + 500]]))
            ).scalars()
        }
        unique = [r for r in unique if r[key] not in there]
        if not unique:
            return set()
    values = sqlite_values(table, unique)
    conn.exec_driver_sql(f"INSERT OR IGNORE INTO {table.name} ({columns}) VALUES ({marks})", values)
    return {r[key] for r in unique} if returning else None


def sqlite_values(table: Table, rows: list[dict[str, Any]]) -> SqliteRows:
    """The rows as SQLite stores them, in the table's column order (a missing key is null)."""
    names = [c.name for c in table.columns]
    values = itemgetter(*names)
    converted = [(i, f) for i, c in enumerate(table.columns) if (f := _sqlite_value(c.type)) is not _same]
    result = SqliteRows()
    for r in rows:
        row = list(values(r) if len(r) == len(names) else values({**dict.fromkeys(names), **r}))
        for i, f in converted:
            row[i] = f(row[i])
        result.append(tuple(row))
    return result


def _same(value: Any) -> Any:
    return value


def _uuid_hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _sqlite_value(kind: Any) -> Callable[[Any], Any]:
    """How SQLAlchemy stores a value of this column type in SQLite (UUIDs as 32 hex digits)."""
    if isinstance(kind, Uuid):
        return _uuid_hex
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(v)
    return _same


def add_missing_columns(conn: Connection, table: Table) -> list[str]:
    """Add to `table` in the database the columns its definition gained since the table was
    created (`create_all` adds tables, not columns), nullable, in the caller's transaction (DDL is
    transactional in PostgreSQL and SQLite); the names of those added."""
    present = {c["name"] for c in inspect(conn).get_columns(table.name)}
    missing = [c for c in table.columns if c.name not in present]
    for column in missing:
        kind = column.type.compile(dialect=conn.dialect)
        conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
    return [c.name for c in missing]


def engine_for(settings: Settings, service: str) -> Engine:
    if settings.persistence == "postgres":
        dsn = settings.pg_dsn(service).replace("postgresql://", "postgresql+psycopg://", 1)
        # hide_parameters: a failing statement is logged without its values (keys, identifiers).
        return create_engine(dsn, pool_size=5, max_overflow=10, pool_pre_ping=True, hide_parameters=True)
    if settings.persistence == "sqlite":
        settings.sqlite_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{settings.sqlite_dir / f'{service}-tables.sqlite3'}", hide_parameters=True)
    else:
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}, hide_parameters=True
        )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
        # SQLAlchemy's recipe for real SQLite transactions: the driver's own would commit on a
        # SAVEPOINT, and the fold's per-event probe (consumer.py) relies on savepoints.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # What is deleted is overwritten, not left in free pages (erased personal data keys).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("BEGIN")

    return engine
