"""What an operator does after `relais stack up`: check the stack, run a service, probe it."""

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from relais_runtime.settings import PROJECT_ROOT

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
RELAIS = [sys.executable, "-m", "relais_cli.main"]


def test_stack_status_reports_kafka_and_postgresql_running(stack):
    result = subprocess.run([*RELAIS, "stack", "status"], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("kafka") and "running" in line for line in lines)
    assert any(line.startswith("postgresql") and "running" in line for line in lines)


@pytest.mark.parametrize("service", ["intake", "reporting"])
def test_a_served_service_is_ready_on_the_real_stack_and_stops_cleanly(stack, service):
    port = 18090 + (service == "reporting")
    proc = subprocess.Popen(
        [*RELAIS, "serve", service, "--port", str(port)],
        env={**os.environ, "RELAIS_PERSISTENCE": "postgres"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=PROJECT_ROOT,
    )
    try:
        status, body = None, None
        for _ in range(100):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
                status, body = r.status_code, r.json()
                if status == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        assert status == 200, body
        expected = {"kafka": "ok", "postgres": "ok", **({"relay": "ok"} if service == "intake" else {})}
        assert body["checks"] == expected
        assert "relais_http_requests_total" in httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode()
    # uvicorn shuts down gracefully, then re-raises SIGTERM so that supervisors see it.
    assert proc.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete." in output
    assert "Traceback" not in output


def test_replay_against_a_reporting_database_that_never_ran_says_what_to_do(stack):
    """A new reporting database: comparing tells the operator in one line; --rebuild-live makes
    the read models and fills them."""
    import psycopg

    prefix = f"fresh{os.getpid()}_{int(time.time())}_"
    with psycopg.connect(stack.pg_dsn("intake").rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{prefix}reporting"')
    env = {**os.environ, "RELAIS_PG_DB_PREFIX": prefix}
    compare = subprocess.run([*RELAIS, "replay"], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env)
    assert compare.returncode == 1
    assert compare.stderr.strip().splitlines()[-1].startswith("relais: the live read models do not exist yet")
    assert "Traceback" not in compare.stderr
    rebuilt = subprocess.run(
        [*RELAIS, "replay", "--rebuild-live"], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rejoué(s)" in rebuilt.stdout
