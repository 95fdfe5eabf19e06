"""Settings of every Relais process, read from `RELAIS_*` environment variables.

One module for all services: the local stack, the compose file and production set the same
variables. `docs`: README.md, "Configuration".
"""

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Each service's default HTTP port (README, "Services").
SERVICE_PORTS: dict[str, int] = {
    "reporting": 8000,
    "intake": 8001,
    "dispositifs": 8002,
    "employment": 8003,
}
SERVICES = tuple(SERVICE_PORTS)
# Databases besides the services' own: intake's vault keeps the per-person keys and the name
# index apart, where an erasure can rewrite them (relais_intake.personal).
DATABASES = (*SERVICES, "intake_vault")

PROJECT_ROOT = Path(__file__).resolve().parents[3]
# Secrets for a machine's own loopback only: `relais serve` refuses to listen on any other
# interface while one of them is in use (`insecure_defaults`).
LOCAL_JWT_SECRET = "relais-local-only-secret-not-for-production"
LOCAL_INDEX_SECRET = "relais-local-only-index-secret-not-for-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAIS_", extra="ignore")

    # Where local state lives (stack data, SQLite files, logs); git-ignored.
    data_dir: Path = PROJECT_ROOT / ".relais"

    # The local reverse proxy in front of the services (nginx, `relais stack up`): the desk's
    # and the dashboard's one address.
    proxy_port: int = 8080

    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_controller_port: int = 19093
    kafka_partitions: int = Field(6, ge=1)

    # Event stores: PostgreSQL in the running system; SQLite or memory where one process is enough.
    persistence: Literal["postgres", "sqlite", "memory"] = "postgres"
    pg_host: str = "127.0.0.1"
    pg_port: int = 55432
    pg_user: str = "relais"
    pg_password: str = "relais"
    pg_db_prefix: str = "relais_"
    # AES key (base64, 16/24/32 bytes) encrypting the event stores at rest; none = clear text.
    cipher_key: str | None = None

    # Auth: HS256 with this secret locally; RS256 from a JWKS URL in production.
    jwt_secret: str = LOCAL_JWT_SECRET
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "relais"
    # Tokens whose `aud` must name this audience (production: the identity provider's client id).
    jwt_audience: str | None = None
    # The longest life a token may have (`exp` − `iat`): a stolen token is worth little for long.
    jwt_max_ttl_seconds: int = Field(12 * 3600, ge=60)

    # The key of the blind name index (intake): whoever holds it can test names against the
    # index, so it is a secret of its own, never derived from another one.
    index_secret: str = LOCAL_INDEX_SECRET

    relay_batch_size: int = Field(500, ge=1)
    relay_idle_seconds: float = 0.2
    # Commands committing at the same moment share one transaction of the event store.
    group_commit: bool = True
    # Replicas that do not hold the store's leader lock try to take it this often (leader.py).
    leader_poll_seconds: float = Field(2.0, gt=0, le=60)

    # The dashboard's files and their npm dependencies (`npm ci` there; deploy/local/setup.sh does).
    dashboard_dir: Path = PROJECT_ROOT / "services" / "reporting" / "web"
    # The counselor's desk (served by intake at /desk/, reached through the proxy).
    desk_dir: Path = PROJECT_ROOT / "services" / "intake" / "web"
    # The network directory: Missions Locales' names, communes and sites (reporting, reports).
    directory_file: Path = PROJECT_ROOT / "deploy" / "network" / "directory.json"

    log_level: str = "INFO"
    log_json: bool = True

    @property
    def kafka_servers(self) -> list[str]:
        """The bootstrap addresses as a list: `RELAIS_KAFKA_BOOTSTRAP` may name several brokers,
        comma-separated, and not every client splits that string itself."""
        return [a.strip() for a in self.kafka_bootstrap.split(",") if a.strip()]

    def insecure_defaults(self) -> list[str]:
        """The variables still at their public local-only value."""
        found = []
        if not self.jwt_jwks_url and self.jwt_secret == LOCAL_JWT_SECRET:
            found.append("RELAIS_JWT_SECRET")
        if self.index_secret == LOCAL_INDEX_SECRET:
            found.append("RELAIS_INDEX_SECRET")
        return found

    def database(self, service: str) -> str:
        return f"{self.pg_db_prefix}{service}"

    def pg_dsn(self, service: str) -> str:
        return f"postgresql://{self.pg_user}:{self.pg_password}@{self.pg_host}:{self.pg_port}/{self.database(service)}"

    @property
    def sqlite_dir(self) -> Path:
        return self.data_dir / "sqlite"


@cache
def get_settings() -> Settings:
    return Settings()
