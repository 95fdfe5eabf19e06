"""SQLAlchemy engines for a service's own tables (read models, key stores, indexes).

Same database as the service's event store: PostgreSQL in the running system, a SQLite file or
memory where one process is enough.
"""

from types import ModuleType

import psycopg
import sqlalchemy.exc
from eventsourcing import persistence as es
from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect, text
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
