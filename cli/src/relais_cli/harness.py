"""Run the system's parts as a user would, for the tests, the benchmarks and the fault suite:
a service as a real process (`relais serve`) that can be killed and restarted, a token for a
role, and a wait for a consumer to catch up with the topics."""

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time

import httpx
from relais_runtime.auth import Role, issue_token
from relais_runtime.settings import PROJECT_ROOT, get_settings


def bearer(role: str = "counselor", ml_ids: tuple[str, ...] = ("ML-A",), sub: str = "counselor-1") -> dict[str, str]:
    """The Authorization header of a local token."""
    token = issue_token(get_settings(), sub=sub, role=Role(role), ml_ids=list(ml_ids))
    return {"Authorization": f"Bearer {token}"}


class ServiceProcess:
    def __init__(self, service: str, port: int, **env: str):
        self.service = service
        self.port = port
        self.env = {**os.environ, "RELAIS_PERSISTENCE": "postgres", **env}
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{port}"

    def spawn(self) -> None:
        """Start the process without waiting for it to answer."""
        # A file, not a pipe: nobody reads a pipe while the service runs, and a full pipe would
        # block the service on its next log line.
        self.log = tempfile.NamedTemporaryFile(prefix=f"relais-{self.service}-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "relais_cli.main", "serve", self.service, "--port", str(self.port)],
            env=self.env,
            cwd=PROJECT_ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def start(self, wait_for: str = "/readyz", timeout: float = 30) -> "ServiceProcess":
        self.spawn()
        return self.wait_ready(wait_for, timeout)

    def wait_ready(self, wait_for: str = "/readyz", timeout: float = 30) -> "ServiceProcess":
        """Wait until the spawned process answers 200 on `wait_for`; killed if it does not."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.service} exited: {self.output()[-3000:]}")
            try:
                if httpx.get(self.url + wait_for, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise TimeoutError(f"{self.service} did not answer {wait_for} within {timeout} s")

    def output(self) -> str:
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)

    def __enter__(self) -> "ServiceProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.kill(signal.SIGTERM)


def caught_up(consumer, settings, timeout: float = 120) -> bool:
    """Whether `consumer` (a TransactionalConsumer) comes to hold, in its database, the end offset
    of every partition of the three service topics within `timeout` seconds."""
    from relais_contracts import ALL_TOPICS
    from relais_runtime.kafka import end_offsets

    ends = asyncio.run(end_offsets(settings, list(ALL_TOPICS)))
    deadline = time.monotonic() + timeout
    while True:
        stored = consumer.stored_offsets()
        if all(stored.get(k, 0) >= v for k, v in ends.items()):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)


def welcome_body(last_name: str) -> dict:
    """A first welcome as a counselor posts it to intake (personal data included)."""
    return {
        "first_name": "Maëlys",
        "last_name": last_name,
        "birth_date": "2005-03-12",
        "email": f"{last_name.lower()}@example.org",
        "phone": "06 98 76 54 32",
        "address": f"12 impasse {last_name}, Troyes",
        "site": "TROYES",
        "referral_source": "school",
        "requests": ["training", "housing"],
        "profile": {
            "sex": "F",
            "commune_insee": "10387",
            "qpv": True,
            "zrr": False,
            "education_level": 3,
            "diploma": False,
            "rqth": False,
            "housing": "hosted",
            "driving_licence": False,
            "has_car": False,
            "children": 1,
            "nationality_zone": "eu",
            "france_travail_registered": True,
            "neet": True,
        },
    }
