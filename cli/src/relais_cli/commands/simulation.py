"""`relais simulate`: a simulated year, or live counselors' commands."""

from pathlib import Path
from typing import Annotated

import typer
from relais_runtime.settings import get_settings

from relais_cli.app import app
from relais_cli.errors import CommandFailed


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
    years: Annotated[
        str | None,
        typer.Option(
            help="Consecutive years instead, e.g. 2021-2023: the same young people, their programmes going on"
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same events, byte for byte")] = 1,
    scale: Annotated[
        float, typer.Option(help="Size of each Mission Locale relative to its report (1.0 = as reported)")
    ] = 1.0,
    out: Annotated[Path | None, typer.Option(help="JSONL file to write (default: standard output)")] = None,
) -> None:
    """Simulate a year of activity of N Missions Locales, calibrated on a 2023 activity report,
    as JSONL envelopes (feed them to `relais indicators`, or to Kafka with `relais demo`).

    Everything simulated is what the services would accept (their own rules decide). With
    --years 2021-2023, consecutive years of the same young people are written, one after the
    other, their enrolments carried from one year to the next.

    With --rate, send live commands to the running services instead (intake and employment
    APIs), with a progress line; the figures on the dashboard move as they land.
    """
    import sys

    if rate is not None:
        _live_traffic(profile, mls, rate, duration, seed, live_ml)
        return

    from relais_contracts import encode
    from rich.progress import Progress

    from relais_cli.simulation.generator import simulate_mission_locale
    from relais_cli.simulation.profiles import PROFILES

    span = _years(years) if years else range(year, year + 1)
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
                for envelope in simulate_mission_locale(chosen, ml_id, span, seed, scale):
                    sink.write(encode(envelope) + b"\n")
                    count += 1
                bar.advance(task)
    finally:
        if out:
            sink.close()
    _stderr_console().print(
        f"{count} événement(s) simulé(s) pour {mls} Mission(s) Locale(s)", markup=False, highlight=False
    )


def _years(text: str) -> range:
    """`2021-2023` → 2021, 2022, 2023 (a single year works too)."""
    first, _, last = text.partition("-")
    try:
        span = range(int(first), int(last or first) + 1)
    except ValueError:
        raise CommandFailed(f"--years {text!r}: write two years, e.g. 2021-2023") from None
    if not span or not (2000 <= span[0] and span[-1] <= 2100) or len(span) > 10:
        raise CommandFailed(f"--years {text!r}: from 2000 to 2100, at most ten years, the first one first")
    return span


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
