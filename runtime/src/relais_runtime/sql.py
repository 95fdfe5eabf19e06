"""SQLAlchemy engines for a service's own tables (read models, key stores, indexes).

Same database as the service's event store: PostgreSQL in the running system, a SQLite file or
memory where one process is enough.
"""

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from relais_runtime.settings import Settings


def engine_for(settings: Settings, service: str) -> Engine:
    if settings.persistence == "postgres":
        dsn = settings.pg_dsn(service).replace("postgresql://", "postgresql+psycopg://", 1)
        return create_engine(dsn, pool_size=5, max_overflow=10, pool_pre_ping=True)
    if settings.persistence == "sqlite":
        settings.sqlite_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{settings.sqlite_dir / f'{service}-tables.sqlite3'}")
    else:
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine
