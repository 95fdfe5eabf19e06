"""The `relais` command's Typer applications; the commands register on them from
`relais_cli.commands.*`, one module per family."""

import typer
from relais_runtime.settings import get_settings

app = typer.Typer(
    name="relais",
    help="Relais : le système d'information du réseau des Missions Locales. "
    "Start the local system, run a service, issue a token, audit the figures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stack_app = typer.Typer(
    help="The local stack: Apache Kafka, PostgreSQL and an nginx reverse proxy on 127.0.0.1, data in .relais/.",
    no_args_is_help=True,
)
app.add_typer(stack_app, name="stack")


def local_root():
    """The settings and the local state directory (created if needed)."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings, settings.data_dir
