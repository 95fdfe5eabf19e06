"""Run a service as a real process (`relais serve`), for tests that kill and restart it."""

import os
import signal
import subprocess
import sys
import tempfile
import time

import httpx
from relais_runtime.settings import PROJECT_ROOT


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
