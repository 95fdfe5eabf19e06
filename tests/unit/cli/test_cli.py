"""The operator command: help everywhere, tokens, one-line failures."""

import json
import subprocess
import sys

import jwt
import pytest
from relais_runtime.auth import decode_token
from relais_runtime.settings import get_settings

RELAIS = [sys.executable, "-m", "relais_cli.main"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*RELAIS, *args], capture_output=True, text=True, timeout=60)


def every_command() -> list[list[str]]:
    from relais_cli.main import app, stack_app

    def name(c) -> str:
        return c.name or c.callback.__name__.replace("_", "-")

    return [
        [],
        ["stack"],
        *([name(c)] for c in app.registered_commands),
        *(["stack", name(c)] for c in stack_app.registered_commands),
    ]


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_every_command_has_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and len(result.stdout.splitlines()) > 3


def test_token_prints_a_jwt_the_services_accept():
    result = run("token", "--role", "director", "--ml-id", "ML-INNOVAM", "--sub", "dir-1")
    assert result.returncode == 0
    principal = decode_token(get_settings(), result.stdout.strip())
    assert (principal.sub, principal.role, principal.ml_ids) == ("dir-1", "director", {"ML-INNOVAM"})
    assert jwt.get_unverified_header(result.stdout.strip())["alg"] == "HS256"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["token", "--role", "boss", "--ml-id", "X"], "unknown role 'boss'"),
        (["serve", "billing"], "unknown service 'billing'"),
    ],
)
def test_a_failure_is_one_line_and_a_non_zero_exit(args, reason):
    result = run(*args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"relais: {reason}" + result.stderr.split(reason, 1)[1].strip()]
    assert "Traceback" not in result.stderr


def test_serve_refuses_to_listen_beyond_loopback_with_the_local_secrets():
    result = run("serve", "intake", "--host", "0.0.0.0", "--port", "18999")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("relais: refusing to listen on 0.0.0.0") and "RELAIS_JWT_SECRET" in last
    assert "RELAIS_INDEX_SECRET" in last and "Traceback" not in result.stderr


def test_indicators_read_gzip_and_zstandard_exports_alike(tmp_path):
    """The auditor's exports are often compressed: the same events give the same document."""
    import gzip

    import zstandard
    from relais_cli.simulation.generator import simulate
    from relais_cli.simulation.profiles import PROFILES
    from relais_contracts import encode

    plain = b"".join(encode(e) + b"\n" for e in simulate([PROFILES["innovam"]], 2023, seed=5, scale=0.02))
    files = {
        ".jsonl": plain,
        ".jsonl.gz": gzip.compress(plain),
        ".jsonl.zst": zstandard.ZstdCompressor().compress(plain),
    }
    documents = set()
    for suffix, content in files.items():
        path = tmp_path / f"events{suffix}"
        path.write_bytes(content)
        result = run("indicators", "--events", str(path), "--from", "2023-01-01", "--to", "2023-12-31")
        assert result.returncode == 0, result.stderr
        documents.add(result.stdout)
    assert len(documents) == 1 and json.loads(documents.pop())["indicators"]["first_welcomes"] > 0

    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(files[".jsonl.gz"][: len(files[".jsonl.gz"]) // 2])
    result = run("indicators", "--events", str(truncated), "--from", "2023-01-01", "--to", "2023-12-31")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"relais: {truncated}: cannot be read after line")


def test_a_large_export_decoded_in_a_second_process_gives_the_same_document(tmp_path, monkeypatch):
    """From PARALLEL_FROM_BYTES on, lines are decoded in a worker process; the answer is the same,
    invalid lines keep their numbers."""
    from datetime import date

    from relais_cli import audit
    from relais_cli.errors import CommandFailed
    from relais_cli.simulation.generator import simulate
    from relais_cli.simulation.profiles import PROFILES
    from relais_contracts import encode
    from relais_reporting.indicators import Query

    lines = [encode(e) for e in simulate([PROFILES["nord-ouest-aubeois"]], 2023, seed=4, scale=0.2)]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines[:7000] + [b'{"broken": true}'] + lines[7000:]) + b"\n")
    query = Query(date(2023, 1, 1), date(2023, 12, 31))
    alone = audit.indicators_from_file(path, query, skip_invalid=True)
    monkeypatch.setattr(audit, "PARALLEL_FROM_BYTES", 0)
    assert audit.indicators_from_file(path, query, skip_invalid=True) == alone
    with pytest.raises(CommandFailed, match="1 invalid line"):
        audit.indicators_from_file(path, query, skip_invalid=False)


def test_a_replay_decoding_aside_rebuilds_the_same_read_models_as_one_decoding_alone(tmp_path, monkeypatch):
    """`relais replay` starts decoding in other processes once the history proves long, into read
    models indexed once loaded: the rebuilt read models (indexes included) and the figures are
    those of a replay decoded in one process into indexed tables."""
    from datetime import date

    from relais_cli import audit
    from relais_cli.simulation.generator import simulate
    from relais_cli.simulation.profiles import PROFILES
    from relais_contracts import encode
    from relais_reporting.readmodel import events
    from sqlalchemy import func, inspect, select

    path = tmp_path / "export.jsonl"
    path.write_bytes(
        b"".join(encode(e) + b"\n" for e in simulate([PROFILES["nord-ouest-aubeois"]], 2023, seed=5, scale=0.2))
    )
    period = (date(2023, 1, 1), date(2023, 12, 31))
    monkeypatch.setattr(audit, "BATCH", 500)
    results = []
    for aside in (None, 0):
        monkeypatch.setattr(audit, "REPLAY_DECODED_ASIDE_AFTER", aside)
        target = audit.scratch_engine(tmp_path / f"replay-{aside}.sqlite3", loading=aside is not None)
        replayed, live, folded = audit.replay(get_settings(), [path], target, period, None, None)
        with target.connect() as conn:
            stored = conn.execute(select(func.count(), func.sum(func.length(events.c.envelope)))).one()
        indexes = sorted(i["name"] for i in inspect(target).get_indexes(events.name))
        results.append((replayed, folded.events, tuple(stored), indexes))
        target.dispose()
    assert results[0] == results[1]
    assert results[0][3] == sorted(i.name for i in events.indexes)
    assert results[0][1] > 5 * audit.BATCH  # several batches, decoded aside in the second replay
