"""The one way a `relais` command fails: a one-line reason and a non-zero exit, no traceback."""


class CommandFailed(Exception):
    """Raised by any subcommand; `relais_cli.main` prints `relais: <reason>` and exits 1."""

    def __init__(self, reason: str, *, details: str = "", exit_code: int = 1):
        super().__init__(reason)
        self.reason = reason
        self.details = details
        self.exit_code = exit_code
