"""PostgreSQL from Debian's server packages: a private cluster under `.relais/postgres`, on its
own port, bound to 127.0.0.1, with one database per service.

As root (CI, containers) the server runs as the `postgres` system user, which PostgreSQL
requires; otherwise as the current user.
"""

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import psycopg
from relais_runtime.settings import DATABASES, Settings

from relais_cli.errors import CommandFailed
from relais_cli.stack.process import port_open, read_pid, tail


def bin_dir(install: bool = True) -> Path:
    """The newest installed server's bin directory, installing the Debian package if absent."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    if not install:
        raise CommandFailed("PostgreSQL server is not installed")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise CommandFailed("PostgreSQL server is not installed: run `sudo apt-get install postgresql`")
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "postgresql"]):
        result = subprocess.run(
            cmd, capture_output=True, text=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        )
        if result.returncode != 0:
            raise CommandFailed(f"`{' '.join(cmd)}` failed", details=result.stderr[-3000:])
    return bin_dir(install=False)


class Cluster:
    def __init__(self, settings: Settings, root: Path):
        self.settings = settings
        self.home = (root / "postgres").resolve()
        self.data = self.home / "data"
        self.run_dir = self.home / "run"
        self.log = self.home / "postgres.log"
        self.as_root = os.geteuid() == 0

    def _cmd(self, *args: str) -> list[str]:
        # PostgreSQL refuses to run as root: hand the command to the postgres system user.
        return ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)

    def _run(self, *args: str, what: str) -> None:
        result = subprocess.run(self._cmd(*args), capture_output=True, text=True)
        if result.returncode != 0:
            raise CommandFailed(
                f"PostgreSQL: {what} failed", details=(result.stdout + result.stderr)[-3000:] + "\n" + tail(self.log)
            )

    def pid(self) -> int | None:
        return read_pid(self.data / "postmaster.pid")

    def running(self) -> bool:
        return self.pid() is not None and port_open(self.settings.pg_host, self.settings.pg_port)

    def _prepare_dirs(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(exist_ok=True)
        if self.as_root:
            ids = pwd.getpwnam("postgres")
            for p in (self.home, self.run_dir, *([self.data] if self.data.exists() else [])):
                os.chown(p, ids.pw_uid, ids.pw_gid)
            # The postgres user must be able to traverse every parent of the data directory.
            for parent in self.home.parents:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)

    def init(self, bins: Path) -> None:
        if (self.data / "PG_VERSION").exists():
            return
        pwfile = self.home / "pwfile"
        pwfile.write_text(self.settings.pg_password + "\n")
        if self.as_root:
            ids = pwd.getpwnam("postgres")
            os.chown(pwfile, ids.pw_uid, ids.pw_gid)
        try:
            self._run(
                str(bins / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.settings.pg_user,
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                what="initdb",
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self) -> str:
        s = self.settings
        if self.running():
            self.create_databases()
            return f"PostgreSQL already running (pid {self.pid()}) on {s.pg_host}:{s.pg_port}"
        if port_open(s.pg_host, s.pg_port):
            raise CommandFailed(f"port {s.pg_host}:{s.pg_port} is taken by another process; set RELAIS_PG_PORT")
        bins = bin_dir()
        self._prepare_dirs()
        self.init(bins)
        options = (
            f"-c port={s.pg_port} -c listen_addresses={s.pg_host} "
            f"-c unix_socket_directories={self.run_dir} -c max_connections=200"
        )
        self._run(
            str(bins / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            what="start",
        )
        self.create_databases()
        return f"PostgreSQL running (pid {self.pid()}) on {s.pg_host}:{s.pg_port}"

    def create_databases(self) -> None:
        s = self.settings
        conninfo = (
            f"host={s.pg_host} port={s.pg_port} user={s.pg_user} "
            f"password={s.pg_password} dbname=postgres connect_timeout=5"
        )
        with psycopg.connect(conninfo, autocommit=True) as conn:
            existing = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
            for service in DATABASES:
                name = s.database(service)
                if name not in existing:
                    conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self) -> str:
        pid = self.pid()
        if pid is None:
            return "PostgreSQL not running"
        self._run(str(bin_dir(install=False) / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", what="stop")
        return f"PostgreSQL stopped (pid {pid})"

    def status(self) -> tuple[bool, str]:
        s = self.settings
        if self.running():
            return True, f"postgresql  running  pid {self.pid()}  {s.pg_host}:{s.pg_port}  data {self.data}"
        return False, f"postgresql  stopped  ({s.pg_host}:{s.pg_port})"
