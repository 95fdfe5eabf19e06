"""`relais`: the operator's command for the Relais system.

Every subcommand has --help. A failure prints one line, `relais: <reason>`, on stderr (with the
relevant log tail before it when there is one) and exits non-zero; never a traceback.
"""

import importlib
from typing import Annotated

import typer

from relais_cli.errors import CommandFailed
from relais_runtime.settings import SERVICE_PORTS, get_settings

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
def stack_up() -> None:
    """Start Kafka and PostgreSQL (idempotent) and wait until both accept connections.

    The first run fetches Kafka's jars with Maven and may install PostgreSQL with apt.
    """
    from relais_cli.stack import kafka
    from relais_cli.stack.postgres import Cluster

    settings, root = _root()
    typer.echo(Cluster(settings, root).start())
    typer.echo(kafka.start(settings, root))


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
def up() -> None:
    """Start everything: the stack, then the four services in the background."""
    from relais_cli import services

    stack_up()
    settings, root = _root()
    for line in services.start_all(settings, root):
        typer.echo(line)
    typer.echo(f"Tableau de bord : http://127.0.0.1:{SERVICE_PORTS['reporting']}/")


@app.command()
def down() -> None:
    """Stop the services started by `relais up`, then the stack."""
    from relais_cli import services

    _, root = _root()
    for line in services.stop_all(root):
        typer.echo(line)
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
    logs.configure(service, settings.log_level, settings.log_json)
    bootstrap = importlib.import_module(f"relais_{service}.bootstrap")
    uvicorn.run(
        bootstrap.create_app(settings), host=host, port=port or SERVICE_PORTS[service],
        log_config=None, access_log=False,
    )


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
