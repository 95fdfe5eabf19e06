"""`relais up`, `down`, `status`, `demo`, `serve`, `token`: the running system."""

import importlib
from datetime import date
from typing import Annotated

import typer
from relais_runtime.settings import SERVICE_PORTS, get_settings

from relais_cli.app import app, local_root
from relais_cli.commands.stack import stack_down, stack_status, stack_up
from relais_cli.errors import CommandFailed


@app.command()
def up(
    demo_network: Annotated[bool, typer.Option("--demo/--no-demo", help="Load the demo network the first time")] = True,
) -> None:
    """Start everything: the stack (with its proxy), the four services in the background, a demo
    network of Missions Locales (first time only), and print the addresses of the dashboard and
    of the counselor's desk."""

    from relais_cli import services

    stack_up()
    settings, root = local_root()
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
    proxy = f"http://127.0.0.1:{settings.proxy_port}"
    token = issue_token(settings, sub="demo-analyst", role=Role.NETWORK_ANALYST, ml_ids=["*"])
    typer.echo(f"Tableau de bord : {proxy}/?year={year}&token={token}")
    director = issue_token(settings, sub="demo-directrice", role=Role.DIRECTOR, ml_ids=["ML-CACHAN"])
    typer.echo(f"Guichet du conseiller (ML-CACHAN) : {proxy}/desk/?token={director}")


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

    _, root = local_root()
    for line in services.stop_all(root):
        typer.echo(line)
    if not keep_stack:
        stack_down()


@app.command()
def status() -> None:
    """The stack and the services: what runs where."""
    from relais_cli import services

    _, root = local_root()
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
