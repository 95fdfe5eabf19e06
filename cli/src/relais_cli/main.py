"""`relais`: the operator's command for the Relais system.

Every subcommand has --help. A failure prints one line, `relais: <reason>`, on stderr (with the
relevant log tail before it when there is one) and exits non-zero; never a traceback. The
commands live in `relais_cli.commands`, one module per family.
"""

import typer

from relais_cli.app import app, stack_app
from relais_cli.errors import CommandFailed

# Importing a family registers its commands, in the order `relais --help` lists them.
# isort: off
from relais_cli.commands import system  # noqa: F401, E402
from relais_cli.commands import stack  # noqa: F401, E402
from relais_cli.commands import figures  # noqa: F401, E402
from relais_cli.commands import simulation  # noqa: F401, E402
# isort: on

__all__ = ["app", "main", "stack_app"]


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
