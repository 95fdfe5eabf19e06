"""`relais stack …`: Kafka, PostgreSQL and the reverse proxy on this machine."""

from typing import Annotated

import typer
from relais_runtime.settings import get_settings

from relais_cli.app import local_root, stack_app
from relais_cli.errors import CommandFailed


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
    """Start Kafka, PostgreSQL and the reverse proxy in front of the services (idempotent), and
    wait until they accept connections.

    The first run fetches Kafka's jars with Maven and may install PostgreSQL with apt.
    """
    from relais_cli.stack import kafka
    from relais_cli.stack.postgres import Cluster
    from relais_cli.stack.proxy import Proxy

    settings, root = local_root()
    typer.echo(Cluster(settings, root).start())
    typer.echo(kafka.start(settings, root, brokers=brokers))
    typer.echo(Proxy(settings, root).start())


@stack_app.command("down")
def stack_down() -> None:
    """Stop the proxy, Kafka and PostgreSQL; no process is left behind. Data is kept in .relais/."""
    from relais_cli.stack import kafka
    from relais_cli.stack.postgres import Cluster
    from relais_cli.stack.proxy import Proxy

    settings, root = local_root()
    typer.echo(Proxy(settings, root).stop())
    typer.echo(kafka.stop(root))
    typer.echo(Cluster(settings, root).stop())


@stack_app.command("status")
def stack_status() -> None:
    """Say what runs where. Exits 1 when something is not running."""
    from relais_cli.stack import kafka
    from relais_cli.stack.postgres import Cluster
    from relais_cli.stack.proxy import Proxy

    settings, root = local_root()
    ok_k, line_k = kafka.status(settings, root)
    ok_p, line_p = Cluster(settings, root).status()
    ok_x, line_x = Proxy(settings, root).status()
    typer.echo(line_k)
    typer.echo(line_p)
    typer.echo(line_x)
    if not (ok_k and ok_p and ok_x):
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
