"""`relais`: the operator's command for the Relais system.

Every subcommand has --help. A failure prints one line, `relais: <reason>`, on stderr (with the
relevant log tail before it when there is one) and exits non-zero; never a traceback.
"""

import importlib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from relais_runtime.settings import SERVICE_PORTS, get_settings

from relais_cli.errors import CommandFailed

app = typer.Typer(
    name="relais",
    help="Relais : le système d'information du réseau des Missions Locales. "
    "Start the local system, run a service, issue a token, audit the figures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stack_app = typer.Typer(
    help="The local stack: Apache Kafka and PostgreSQL on 127.0.0.1, data in .relais/.",
    no_args_is_help=True,
)
app.add_typer(stack_app, name="stack")


def _root():
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings, settings.data_dir


@stack_app.command("up")
def stack_up(
    brokers: Annotated[
        int | None,
        typer.Option(
            help="Kafka brokers: 1, or 3 to test the loss of one (then give the "
            "services every address printed, in RELAIS_KAFKA_BOOTSTRAP)"
        ),
    ] = None,
) -> None:
    """Start Kafka and PostgreSQL (idempotent) and wait until both accept connections.

    The first run fetches Kafka's jars with Maven and may install PostgreSQL with apt.
    """
    from relais_cli.stack import kafka
    from relais_cli.stack.postgres import Cluster

    settings, root = _root()
    typer.echo(Cluster(settings, root).start())
    typer.echo(kafka.start(settings, root, brokers=brokers))


@stack_app.command("down")
def stack_down() -> None:
    """Stop Kafka and PostgreSQL; no process is left behind. Data is kept in .relais/."""
    from relais_cli.stack import kafka
    from relais_cli.stack.postgres import Cluster

    settings, root = _root()
    typer.echo(kafka.stop(root))
    typer.echo(Cluster(settings, root).stop())


@stack_app.command("status")
def stack_status() -> None:
    """Say what runs where. Exits 1 when something is not running."""
    from relais_cli.stack import kafka
    from relais_cli.stack.postgres import Cluster

    settings, root = _root()
    ok_k, line_k = kafka.status(settings, root)
    ok_p, line_p = Cluster(settings, root).status()
    typer.echo(line_k)
    typer.echo(line_p)
    if not (ok_k and ok_p):
        raise typer.Exit(1)


@stack_app.command("topics")
def stack_topics() -> None:
    """Create the service topics and their .dlq on RELAIS_KAFKA_BOOTSTRAP (idempotent).

    `stack up` does it for the local broker; use this against any other cluster.
    """
    import asyncio

    from relais_cli.stack import kafka

    settings = get_settings()
    try:
        created = asyncio.run(kafka.ensure_topics(settings))
    except Exception as exc:  # noqa: BLE001 - one line for the operator
        raise CommandFailed(f"could not create topics on {settings.kafka_bootstrap}: {exc}") from None
    typer.echo(f"topics ready on {settings.kafka_bootstrap}: {', '.join(created) or 'all existed'}")


@app.command()
def up(
    demo_network: Annotated[bool, typer.Option("--demo/--no-demo", help="Load the demo network the first time")] = True,
) -> None:
    """Start everything: the stack, the four services in the background, a demo network of
    Missions Locales (first time only), and print the dashboard's address."""

    from relais_cli import services

    stack_up()
    settings, root = _root()
    for line in services.start_all(settings, root):
        typer.echo(line)
    year = date.today().year
    marker = root / "demo-loaded"
    if demo_network and not marker.exists():
        demo(mls=6, year=year, scale=0.15)
        marker.write_text(str(year))
    if marker.exists():
        year = int(marker.read_text() or year)
    from relais_runtime.auth import Role, issue_token

    if demo_network:
        typer.echo(services.start_traffic(root))
    token = issue_token(settings, sub="demo-analyst", role=Role.NETWORK_ANALYST, ml_ids=["*"])
    typer.echo(f"Tableau de bord : http://127.0.0.1:{SERVICE_PORTS['reporting']}/?year={year}&token={token}")


@app.command()
def demo(
    mls: Annotated[int, typer.Option(help="How many Missions Locales (1 to 6)")] = 6,
    year: Annotated[int | None, typer.Option(help="The simulated year (default: this year, up to today)")] = None,
    scale: Annotated[float, typer.Option(help="Size relative to the seed reports")] = 0.15,
) -> None:
    """Publish a simulated year of a demo network to the service topics (reporting folds it)."""
    import asyncio

    year = year or date.today().year

    from relais_cli.demo import NETWORK, load

    if not 1 <= mls <= len(NETWORK):
        raise CommandFailed(f"--mls must be between 1 and {len(NETWORK)}")
    settings = get_settings()
    try:
        sent = asyncio.run(load(settings, mls, year, scale, until=date.today()))
    except Exception as exc:  # noqa: BLE001 - one line for the operator
        raise CommandFailed(f"could not publish the demo network to {settings.kafka_bootstrap}: {exc}") from None
    typer.echo(f"Réseau de démonstration : {sent} événements de {mls} Missions Locales ({year}) publiés")


@app.command()
def down(
    keep_stack: Annotated[
        bool,
        typer.Option("--keep-stack", help="Stop only the services and the traffic; Kafka and PostgreSQL keep running"),
    ] = False,
) -> None:
    """Stop the services started by `relais up`, then the stack."""
    from relais_cli import services

    _, root = _root()
    for line in services.stop_all(root):
        typer.echo(line)
    if not keep_stack:
        stack_down()


@app.command()
def status() -> None:
    """The stack and the services: what runs where."""
    from relais_cli import services

    _, root = _root()
    for line in services.status_lines(root):
        typer.echo(line)
    stack_status()


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help=f"One of: {', '.join(SERVICE_PORTS)}")],
    port: Annotated[int | None, typer.Option(help="HTTP port (default: the service's own)")] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
) -> None:
    """Run one service in the foreground (HTTP API plus its relay or consumers)."""
    import uvicorn
    from relais_runtime import logs

    if service not in SERVICE_PORTS:
        raise CommandFailed(f"unknown service {service!r}; choose one of {', '.join(SERVICE_PORTS)}")
    settings = get_settings()
    if not _loopback(host) and (defaults := settings.insecure_defaults()):
        raise CommandFailed(
            f"refusing to listen on {host} with the local-only {' and '.join(defaults)}; "
            "set them to secrets of your own (or listen on 127.0.0.1)"
        )
    logs.configure(service, settings.log_level, settings.log_json)
    bootstrap = importlib.import_module(f"relais_{service}.bootstrap")
    uvicorn.run(
        bootstrap.create_app(settings),
        host=host,
        port=port or SERVICE_PORTS[service],
        log_config=None,
        access_log=False,
        # Open SSE streams would otherwise hold a graceful shutdown forever.
        timeout_graceful_shutdown=5,
    )


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def token(
    role: Annotated[str, typer.Option(help="counselor, director, network_analyst, auditor or admin")],
    ml_id: Annotated[list[str], typer.Option("--ml-id", help="Mission Locale code (repeatable), or '*'")],
    sub: Annotated[str, typer.Option(help="Pseudonymous user id")] = "local-user",
    ttl: Annotated[int, typer.Option(help="Validity in seconds")] = 8 * 3600,
) -> None:
    """Print a local (HS256) JWT on stdout, signed with RELAIS_JWT_SECRET."""
    from relais_runtime.auth import Role, issue_token

    try:
        parsed = Role(role)
    except ValueError:
        raise CommandFailed(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}") from None
    typer.echo(issue_token(get_settings(), sub=sub, role=parsed, ml_ids=ml_id, ttl_seconds=ttl))


def _date(value: str | None, option: str) -> "date | None":

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandFailed(f"{option} must be a date YYYY-MM-DD, not {value!r}") from None


def _instant(value: str | None, option: str) -> "datetime | None":

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise CommandFailed(
            f"{option} must be an instant with its offset, e.g. 2024-01-31T18:00:00+01:00, not {value!r}"
        )
    return parsed


@app.command()
def indicators(
    events: Annotated[
        Path, typer.Option("--events", help="JSONL file: one event envelope per line, any order, any topics")
    ],
    date_from: Annotated[str, typer.Option("--from", help="First day of the period, YYYY-MM-DD (included)")],
    date_to: Annotated[str, typer.Option("--to", help="Last day of the period, YYYY-MM-DD (included)")],
    ml_id: Annotated[
        str | None, typer.Option("--ml-id", help="One Mission Locale; without it, the network and by_ml")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Only events recorded up to this instant (RFC 3339)")
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Report invalid lines but compute anyway")
    ] = False,
) -> None:
    """Compute the indicator document from a JSONL export, with no server.

    Prints exactly what GET /v1/indicators answers for the same events. Invalid lines are
    reported with their line number; the exit code is 1 unless --skip-invalid is given.
    """
    from relais_reporting.indicators import Query

    from relais_cli import audit

    start, end = _date(date_from, "--from"), _date(date_to, "--to")
    if start > end:
        raise CommandFailed("--from is after --to")
    doc = audit.indicators_from_file(events, Query(start, end, ml_id, _instant(as_of, "--as-of")), skip_invalid)
    typer.echo(audit.dumps(doc))


@app.command()
def export(
    service: Annotated[str, typer.Option("--service", help="intake, dispositifs or employment")],
    since: Annotated[
        str | None, typer.Option("--from", help="Only events recorded from this instant (RFC 3339)")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="Only events recorded up to this instant (RFC 3339)")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of standard output")] = None,
) -> None:
    """Write a service's events as JSONL envelopes, byte for byte what it published to Kafka."""
    import sys

    from relais_cli import audit

    settings = get_settings()
    start, end = _instant(since, "--from"), _instant(until, "--to")
    try:
        if out is None:
            count = audit.export(settings, service, sys.stdout.buffer, start, end)
        else:
            with out.open("wb") as f:
                count = audit.export(settings, service, f, start, end)
    except CommandFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - one line for the operator
        raise CommandFailed(f"could not read the {service} event store: {exc}") from None
    audit.stderr.print(f"{count} événement(s) exporté(s)", markup=False, highlight=False)


@app.command()
def replay(
    exports: Annotated[
        list[Path] | None, typer.Option("--exports", help="Replay these JSONL exports instead of the topics")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Period to compare, first day (default: 1 January)")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Period to compare, last day (default: 31 December)")
    ] = None,
    ml_id: Annotated[str | None, typer.Option("--ml-id", help="Compare one Mission Locale only")] = None,
    into: Annotated[
        Path | None, typer.Option("--into", help="SQLite file for the rebuilt read models (default: .relais/replay/)")
    ] = None,
    rebuild_live: Annotated[
        bool,
        typer.Option(
            "--rebuild-live", help="Empty the live read models and rebuild them (stop the reporting service first)"
        ),
    ] = False,
    no_compare: Annotated[bool, typer.Option("--no-compare", help="Do not compare with the live read models")] = False,
) -> None:
    """Rebuild the reporting read models from the beginning of the topics (or from exports),
    then compare every figure with the live service's answer. Exits 1 on any difference."""

    from relais_runtime.sql import engine_for

    from relais_cli import audit

    settings = get_settings()
    today = date.today()
    period = (_date(date_from, "--from") or date(today.year, 1, 1), _date(date_to, "--to") or date(today.year, 12, 31))
    live = None if no_compare and not rebuild_live else engine_for(settings, "reporting")
    if rebuild_live:
        audit.clear_live(live)
        target = live
    else:
        target = audit.scratch_engine(into or settings.data_dir / "replay" / "reporting.sqlite3")
    replayed, live_doc, folded = audit.replay(
        settings, list(exports or []), target, period, ml_id, None if (no_compare or rebuild_live) else live
    )
    typer.echo(f"{folded.events} événement(s) rejoué(s), {folded.skipped} ignoré(s), {len(folded.invalid)} invalide(s)")
    if live_doc is None:
        typer.echo(audit.dumps(replayed))
        return
    differences = 0
    for path, live_value, replay_value in audit.compare(replayed, live_doc):
        same = live_value == replay_value
        differences += not same
        typer.echo(f"{'✓' if same else '✗'} {path}: live={live_value} replay={replay_value}")
    if differences:
        raise CommandFailed(f"{differences} figure(s) differ between the live read models and the replay")
    typer.echo("Tous les chiffres concordent.")


@app.command()
def dlq(
    topic: Annotated[
        list[str] | None,
        typer.Option(
            "--topic",
            help="intake, dispositifs, employment, or a topic's full name; repeatable (default: the three services)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, for scripts")] = False,
    show_value: Annotated[
        bool,
        typer.Option(
            "--show-value", help="Also print each message as received (it may hold data that should not have been sent)"
        ),
    ] = False,
) -> None:
    """List the messages the consumers set aside in the dead-letter topics (.dlq), oldest first:
    when, where each came from, which consumer refused it and why. Reads only; changes nothing."""
    import asyncio

    from relais_contracts import SERVICES
    from relais_contracts import topic as topic_of_service

    from relais_cli.dlq import as_json_lines, dead_letters

    settings = get_settings()
    names = [topic_of_service(t) if t in SERVICES else t for t in (topic or SERVICES)]
    try:
        letters = asyncio.run(dead_letters(settings, names, show_value))
    except LookupError as exc:
        raise CommandFailed(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - one line for the operator
        raise CommandFailed(f"could not read the dead-letter topics on {settings.kafka_bootstrap}: {exc}") from None
    if as_json:
        if letters:
            typer.echo(as_json_lines(letters))
        return
    for letter in letters:
        typer.echo(letter.line())
    where = ", ".join(f"{n}.dlq" for n in names)
    typer.echo(
        f"{len(letters)} message(s) en lettre morte sur {where}"
        if letters
        else f"Aucun message en lettre morte sur {where}."
    )


@app.command()
def simulate(
    profile: Annotated[str, typer.Option(help="Seed report to imitate: innovam or nord-ouest-aubeois")] = "innovam",
    mls: Annotated[int, typer.Option(help="How many Missions Locales of that profile")] = 1,
    rate: Annotated[
        float | None,
        typer.Option(help="Live mode: send commands to the running services at this many per second (open loop)"),
    ] = None,
    live_ml: Annotated[
        list[str] | None,
        typer.Option("--ml-id", help="Live mode: the Missions Locales to act in (default: named after the profile)"),
    ] = None,
    duration: Annotated[
        float | None, typer.Option(help="Live mode: stop after this many seconds (default: until Ctrl-C)")
    ] = None,
    year: Annotated[int, typer.Option(help="The simulated calendar year")] = 2023,
    seed: Annotated[int, typer.Option(help="Same seed, same events, byte for byte")] = 1,
    scale: Annotated[
        float, typer.Option(help="Size of each Mission Locale relative to its report (1.0 = as reported)")
    ] = 1.0,
    out: Annotated[Path | None, typer.Option(help="JSONL file to write (default: standard output)")] = None,
) -> None:
    """Simulate a year of activity of N Missions Locales, calibrated on a 2023 activity report,
    as JSONL envelopes (feed them to `relais indicators`, or to Kafka with `relais demo`).

    With --rate, send live commands to the running services instead (intake and employment
    APIs), with a progress line; the figures on the dashboard move as they land.
    """
    import sys

    if rate is not None:
        _live_traffic(profile, mls, rate, duration, seed, live_ml)
        return

    from relais_contracts import encode
    from rich.progress import Progress

    from relais_cli.simulation.generator import MissionLocaleYear
    from relais_cli.simulation.profiles import PROFILES

    if profile not in PROFILES:
        raise CommandFailed(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if mls < 1 or scale <= 0:
        raise CommandFailed("--mls must be at least 1 and --scale above 0")
    chosen = PROFILES[profile]
    sink = out.open("wb") if out else sys.stdout.buffer
    count = 0
    try:
        with Progress(console=_stderr_console(), disable=not _stderr_console().is_terminal) as bar:
            task = bar.add_task("Simulation", total=mls)
            for index in range(mls):
                ml_id = chosen.ml_code if mls == 1 else f"{chosen.ml_code}-{index + 1:03d}"
                for envelope in MissionLocaleYear(chosen, ml_id, year, seed, scale).generate():
                    sink.write(encode(envelope) + b"\n")
                    count += 1
                bar.advance(task)
    finally:
        if out:
            sink.close()
    _stderr_console().print(
        f"{count} événement(s) simulé(s) pour {mls} Mission(s) Locale(s)", markup=False, highlight=False
    )


def _live_traffic(
    profile: str, mls: int, rate: float, duration: float | None, seed: int, ml_ids: list[str] | None
) -> None:
    import asyncio

    from relais_cli.demo import NETWORK
    from relais_cli.simulation.profiles import PROFILES
    from relais_cli.simulation.traffic import Traffic

    if rate <= 0:
        raise CommandFailed("--rate must be above 0")
    if profile not in PROFILES:
        raise CommandFailed(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    code = PROFILES[profile].ml_code
    ml_ids = ml_ids or ([code] if mls == 1 else [f"{code}-{i + 1:03d}" for i in range(mls)])
    demo_profiles = {ml_id: name for name, ml_id in NETWORK}  # the demo's Missions Locales keep their own towns
    traffic = Traffic(get_settings(), {ml: PROFILES[demo_profiles.get(ml, profile)] for ml in ml_ids}, rate, seed)
    console = _stderr_console()

    def tick(stats) -> None:
        if stats.sent % max(1, int(rate * 5)) == 0:
            console.print(
                f"{stats.sent} commandes envoyées, {stats.ok} acceptées, {stats.failed} refusées",
                markup=False,
                highlight=False,
            )

    try:
        stats = asyncio.run(traffic.run(duration, tick))
    except KeyboardInterrupt:
        stats = traffic.stats
    console.print(
        f"Terminé : {stats.sent} commandes, {stats.ok} acceptées, {stats.failed} refusées",
        markup=False,
        highlight=False,
    )
    if stats.refusals:
        console.print(f"Refus : {stats.refusal_summary()}", markup=False, highlight=False)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def main() -> None:
    try:
        app()
    except CommandFailed as exc:
        if exc.details:
            typer.echo(exc.details.rstrip(), err=True)
        typer.echo(f"relais: {exc.reason}", err=True)
        raise SystemExit(exc.exit_code) from None


if __name__ == "__main__":
    main()
