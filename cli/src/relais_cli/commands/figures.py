"""`relais indicators`, `report`, `export`, `replay`, `dlq`: the figures and what the auditor checks."""

import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from relais_runtime.settings import get_settings

from relais_cli.app import app
from relais_cli.errors import CommandFailed


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
    if not 2000 <= parsed.year <= 2100:
        raise CommandFailed(f"{option} must be between the years 2000 and 2100, not {value!r}")
    return parsed


@app.command()
def indicators(
    events: Annotated[
        Path,
        typer.Option(
            "--events", help="JSONL file (.jsonl, .jsonl.gz or .jsonl.zst): one event envelope per line, any order"
        ),
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


MAX_EDITORIAL_BYTES = 256 * 1024  # a few pages of text; a director's words, not a document store


@app.command()
def report(
    year: Annotated[
        int, typer.Option("--year", help="The calendar year reported, e.g. 2023 (compared with the year before)")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="File to write: rapport.html, rapport.pdf (printed by Chromium) or rapport.xlsx"),
    ],
    ml_id: Annotated[str | None, typer.Option("--ml-id", help="The Mission Locale reported")] = None,
    network: Annotated[bool, typer.Option("--network", help="The whole network instead of one Mission Locale")] = False,
    events: Annotated[
        Path | None,
        typer.Option(
            "--events", help="Compute from this JSONL export (like relais indicators) instead of the live read models"
        ),
    ] = None,
    editorial: Annotated[
        Path | None,
        typer.Option("--editorial", help="Markdown file: the direction's words, shown first (headings, lists, bold)"),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="With --events: compute despite invalid lines")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The figures as known at this instant (RFC 3339), e.g. the one a published report prints, "
            "to recompute it exactly; default: now",
        ),
    ] = None,
) -> None:
    """Write the annual activity report: the seed reports' chapters in their order, every figure
    with its value for the year, the year before and the change, and the months as charts. The
    report prints when its figures were known, and the command that recomputes it exactly.

    Example: relais report --ml-id ML-INNOVAM --year 2023 --out rapport.pdf
    """
    from contextlib import nullcontext

    from relais_reporting import report as activity
    from relais_reporting.directory import DirectoryInvalid, load_directory
    from relais_runtime.sql import engine_for

    from relais_cli import audit

    if network == (ml_id is not None):
        raise CommandFailed("name one Mission Locale with --ml-id, or pass --network for the whole network")
    if ml_id is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", ml_id):
        raise CommandFailed(f"--ml-id must be a Mission Locale's code (letters, digits, - and _), not {ml_id[:80]!r}")
    if not 2000 <= year <= 2100:
        raise CommandFailed(f"--year must be between 2000 and 2100, not {year}")
    if out.suffix not in (".html", ".pdf", ".xlsx"):
        raise CommandFailed(f"--out must end in .html, .pdf or .xlsx, not {out.name!r}")
    known = _instant(as_of, "--as-of")
    words = None
    if editorial is not None:
        if not editorial.is_file():
            raise CommandFailed(f"no such file: {editorial}")
        if editorial.stat().st_size > MAX_EDITORIAL_BYTES:
            raise CommandFailed(f"{editorial} is over {MAX_EDITORIAL_BYTES // 1024} KiB")
        try:
            words = editorial.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CommandFailed(f"{editorial} is not UTF-8 text") from None
    try:
        directory = load_directory(get_settings().directory_file)
    except DirectoryInvalid as exc:
        raise CommandFailed(str(exc)) from None
    source = audit.folded_file(events, skip_invalid) if events else nullcontext(engine_for(get_settings(), "reporting"))
    with source as engine:
        try:
            with engine.connect() as conn:
                data = activity.gather(conn, ml_id, year, directory, words, as_of=known)
        except Exception as exc:  # noqa: BLE001 - one line for the operator, not a trace
            raise CommandFailed(f"could not read the read models: {exc.__class__.__name__}: {str(exc)[:200]}") from None
    page = activity.render_html(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".html":
        out.write_text(page, encoding="utf-8")
    elif out.suffix == ".xlsx":
        activity.to_xlsx(data, out)
    else:
        try:
            activity.to_pdf(page, out)
        except activity.PdfUnavailable as exc:
            raise CommandFailed(str(exc)) from None
    typer.echo(f"Rapport d'activité {year} écrit dans {out}")


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
        target = audit.scratch_engine(into or settings.data_dir / "replay" / "reporting.sqlite3", loading=True)
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
