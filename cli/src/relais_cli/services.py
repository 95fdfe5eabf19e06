"""Run the four services as background processes of the local system (`relais up`)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from relais_runtime.settings import SERVICE_PORTS, Settings

from relais_cli.errors import CommandFailed
from relais_cli.stack.process import read_pid, tail, terminate


def _paths(root: Path, service: str) -> tuple[Path, Path]:
    home = root / "services"
    home.mkdir(parents=True, exist_ok=True)
    return home / f"{service}.pid", home / f"{service}.log"


def start_all(settings: Settings, root: Path, timeout: float = 60) -> list[str]:
    lines = []
    for service, port in SERVICE_PORTS.items():
        pid_file, log_file = _paths(root, service)
        if read_pid(pid_file):
            lines.append(f"{service:<12}already running (pid {read_pid(pid_file)}) http://127.0.0.1:{port}")
            continue
        proc = subprocess.Popen(
            [sys.executable, "-m", "relais_cli.main", "serve", service, "--port", str(port)],
            stdout=log_file.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=os.environ.copy(),
        )
        pid_file.write_text(str(proc.pid))
        lines.append(f"{service:<12}started (pid {proc.pid}) http://127.0.0.1:{port}")
    deadline = time.monotonic() + timeout
    for service, port in SERVICE_PORTS.items():
        pid_file, log_file = _paths(root, service)
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if read_pid(pid_file) is None or time.monotonic() > deadline:
                raise CommandFailed(f"the {service} service did not become ready", details=tail(log_file))
            time.sleep(0.3)
    return lines


DEMO_TRAFFIC = ["simulate", "--rate", "1", "--ml-id", "ML-CACHAN", "--ml-id", "ML-ROMILLY", "--ml-id", "ML-IVRY"]


def start_traffic(root: Path) -> str:
    """Counselors at work on the demo network: one command a second, so that the dashboard moves."""
    pid_file, log_file = _paths(root, "traffic")
    if read_pid(pid_file):
        return f"traffic     already running (pid {read_pid(pid_file)})"
    proc = subprocess.Popen(
        [sys.executable, "-m", "relais_cli.main", *DEMO_TRAFFIC],
        stdout=log_file.open("ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    pid_file.write_text(str(proc.pid))
    return f"traffic     started (pid {proc.pid}): live commands in ML-CACHAN, ML-ROMILLY, ML-IVRY, 1 per second"


def stop_all(root: Path) -> list[str]:
    lines = []
    for service in ("traffic", *SERVICE_PORTS):
        pid_file, _ = _paths(root, service)
        pid = read_pid(pid_file)
        if pid:
            terminate(pid)
            lines.append(f"{service} stopped (pid {pid})")
        pid_file.unlink(missing_ok=True)
    return lines


def status_lines(root: Path) -> list[str]:
    lines = []
    for service, port in SERVICE_PORTS.items():
        pid = read_pid(_paths(root, service)[0])
        state = f"running  pid {pid}" if pid else "stopped "
        lines.append(f"{service:<12}{state}  http://127.0.0.1:{port}")
    return lines
