"""`relais report`: the annual activity report, generated from the catalogue, read back from its
PDF as a director's reader would (pdftotext), and looked at (pdftoppm)."""

import html
import re
import subprocess
import sys

import pytest
from relais_cli.simulation.profiles import PROFILES
from relais_contracts import decode
from relais_reporting.catalogue import CATALOGUE
from relais_reporting.monthly import SERIES
from relais_reporting.report import ReportData, change, render_html, rows_of, share, shown
from relais_reporting.spreadsheet import flatten
from relais_runtime.settings import PROJECT_ROOT
from support.reporting import document

INNOVAM = PROFILES["innovam"]


def relais(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "relais_cli.main", *args], capture_output=True, text=True, cwd=PROJECT_ROOT
    )


def simulated(profile: str, tmp_path_factory) -> tuple[list, object]:
    """Two years of a Mission Locale of the seed report's profile, as a director would make them
    (`relais simulate --years 2022-2023`), a fifth of its size to keep the test short."""
    path = tmp_path_factory.mktemp("report") / f"{profile}.jsonl"
    done = relais(
        "simulate", "--profile", profile, "--years", "2022-2023", "--seed", "2", "--scale", "0.2", "--out", str(path)
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [decode(line) for line in path.read_bytes().splitlines()], path


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    return simulated("innovam", tmp_path_factory)


@pytest.fixture(scope="module", params=["innovam", "nord-ouest-aubeois"])
def each_seed_report(request, tmp_path_factory):
    events, path = simulated(request.param, tmp_path_factory)
    return PROFILES[request.param], events, path


def test_numbers_are_written_the_french_way():
    assert shown(1073, "youths") == "1\u202f073"
    assert shown(18_483_700, "cents") == "184\u202f837\u202f€"
    assert shown(0.5512, "rate") == "55,1\u202f%"
    assert shown(None, "rate") == "—"
    assert change(1564, 1100, "count") == "+42\u202f%"
    assert change(90, 100, "count") == "−10\u202f%"
    assert change(5, 0, "count") == "—"  # no percentage of nothing
    assert change(0.55, 0.5, "rate") == "+5,0\u202fpt"


def test_the_pdf_shows_every_figure_quoting_a_report_line_with_its_year_the_year_before_and_the_change(
    each_seed_report, tmp_path
):
    profile, events, path = each_seed_report
    out = tmp_path / "rapport.pdf"
    done = relais("report", "--ml-id", profile.ml_code, "--year", "2023", "--events", str(path), "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    lines = [" ".join(line.split()) for line in text.splitlines()]
    now = flatten(document(events, ml_id=profile.ml_code)["indicators"])
    before = flatten(document(events, "2022-01-01", "2022-12-31", ml_id=profile.ml_code)["indicators"])
    quoted = [e for e in CATALOGUE.values() if e.report_lines and e.unit is not None]
    assert len(quoted) >= 20
    missing = []
    for entry in quoted:
        for key, _, n, n1 in rows_of(entry, now, before):
            part = share(entry, key, n, now)
            written = (shown(n, entry.unit), shown(n1, entry.unit), change(n, n1, entry.unit))
            values = " ".join(written if part is None else (shown(part, "rate"), *written))
            if not any(line.endswith(" ".join(values.split())) for line in lines):
                missing.append((key, values))
    assert missing == [], "figures whose N, N−1 and change are not on a line of the PDF"
    assert "L'année en chiffres" in text and "L'accompagnement social" in text
    assert "Rapport d'activité 2023" in text
    if profile is INNOVAM:  # the directory's names
        assert "Mission Locale INNOVAM" in text
        assert any(line.startswith("Par commune — Villejuif — accompagnés") for line in lines)
    assert re.search(r"Premiers accueils par mois en 2023", text)


def test_the_pdf_pages_are_drawn(two_years, tmp_path):
    """Looked at, not only read: the first page rendered has ink on it, and more than one page."""
    _, path = two_years
    out = tmp_path / "rapport.pdf"
    assert (
        relais(
            "report", "--ml-id", INNOVAM.ml_code, "--year", "2023", "--events", str(path), "--out", str(out)
        ).returncode
        == 0
    )
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    from struct import unpack

    with pages[0].open("rb") as f:
        header = f.read(24)
    width, height = unpack(">II", header[16:24])
    assert width > 100 and height > 100


def test_the_direction_s_words_are_shown_escaped():
    doc = {"events_considered": 0, "events_skipped": 0, "indicators": document([], ml_id="ML-A")["indicators"]}
    page = render_html(
        ReportData(
            "Mission Locale ML-A",
            2023,
            doc,
            doc,
            {k: [0] * 12 for k in SERIES},
            "# Le mot\n\n**Merci** <script>alert(1)</script>",
        )
    )
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<strong>Merci</strong>" in page


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--year", "2023", "--out", "r.pdf"], "name one Mission Locale with --ml-id, or pass --network"),
        (["--year", "2023", "--out", "r.pdf", "--ml-id", "X", "--network"], "name one Mission Locale"),
        (["--year", "1890", "--out", "r.pdf", "--network"], "--year must be between 2000 and 2100"),
        (["--year", "2023", "--out", "r.pdf", "--ml-id", "ML A;DROP"], "--ml-id must be a Mission Locale's code"),
        (["--year", "2023", "--out", "r.docx", "--network"], "--out must end in .html, .pdf or .xlsx"),
        (["--year", "2023", "--out", "r.pdf", "--network", "--events", "/nonexistent.jsonl"], "no such file"),
        (["--year", "2023", "--out", "r.pdf", "--network", "--as-of", "hier"], "--as-of must be an instant"),
        (["--year", "2023", "--out", "r.pdf", "--network", "--as-of", "2024-01-31T18:00"], "with its offset"),
        (["--year", "2023", "--out", "r.pdf", "--network", "--as-of", "9999-12-31T23:30:00-01:00"], "2000 and 2100"),
    ],
)
def test_a_bad_report_command_is_one_line_and_a_non_zero_exit(args, reason):
    done = relais("report", *args)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert reason in done.stderr.strip().splitlines()[-1]


def test_the_dashboard_serves_the_report_under_the_indicators_access_rules():
    from relais_reporting.bootstrap import create_app
    from relais_reporting.projection import apply
    from support.histories import random_history
    from support.http import bearer, in_process, offline

    app = create_app(offline())
    with app.state.engine.begin() as conn:
        apply(conn, random_history(17, youths=8))
    client = in_process(app)
    director = bearer("director", ("ML-A",))
    mine = client.get("/v1/ML-A/report", params={"year": 2023}, headers=director)
    assert mine.status_code == 200 and mine.headers["content-type"].startswith("text/html")
    assert "Rapport d'activité 2023" in mine.text and "L'accompagnement social" in html.unescape(mine.text)
    assert client.get("/v1/ML-B/report", params={"year": 2023}, headers=director).status_code == 403
    assert client.get("/v1/report", params={"year": 2023}, headers=director).status_code == 403  # the network
    network = client.get("/v1/report", params={"year": 2023}, headers=bearer("network_analyst", ("*",)))
    assert network.status_code == 200 and "Le réseau des Missions Locales" in network.text
    bad = client.get("/v1/ML-A/report", params={"year": 1800}, headers=director)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.year"
    assert client.get("/v1/ML-A/report", params={"year": 2023}).status_code == 401


def test_the_workbook_has_a_sheet_per_chapter_with_numbers_a_spreadsheet_can_compute_with(two_years, tmp_path):
    from openpyxl import load_workbook

    events, path = two_years
    out = tmp_path / "rapport.xlsx"
    done = relais("report", "--ml-id", INNOVAM.ml_code, "--year", "2023", "--events", str(path), "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    book = load_workbook(out)
    assert book.sheetnames[:2] == ["L'année en chiffres", "Les jeunes de nos villes"] and "Mois" in book.sheetnames
    rows = {row[4]: row for row in book["L'année en chiffres"].iter_rows(min_row=3, values_only=True)}
    now = document(events, ml_id=INNOVAM.ml_code)["indicators"]
    before = document(events, "2022-01-01", "2022-12-31", ml_id=INNOVAM.ml_code)["indicators"]
    label_, n, n1, delta, _, _ = rows["first_welcomes"]
    assert (label_, n, n1) == ("Jeunes en premier accueil", now["first_welcomes"], before["first_welcomes"])
    assert delta == pytest.approx((n - n1) / n1)
    youths = {row[4]: row for row in book["Les jeunes de nos villes"].iter_rows(min_row=3, values_only=True)}
    women = youths["profile_of_accompanied.sex.F"]
    assert women[5] == pytest.approx(now["profile_of_accompanied"]["sex"]["F"] / now["accompanied"], abs=1e-4)
    paid = {row[4]: row for row in book["Les dispositifs"].iter_rows(min_row=3, values_only=True)}
    assert paid["programmes.PACEA.allowance_paid_cents"][1] == now["programmes"]["PACEA"]["allowance_paid_cents"] / 100


def test_a_published_report_says_when_its_figures_were_known_and_is_recomputed_exactly():
    """An auditor handed a published report recomputes it with the instant it prints, whatever
    was recorded since: here a first welcome of June recorded after the report was published."""
    from datetime import datetime, timedelta

    from relais_reporting.bootstrap import create_app
    from relais_reporting.projection import apply
    from support.builder import History
    from support.http import bearer, in_process, offline

    app = create_app(offline())
    h = History("ML-A")
    for day in range(1, 6):
        h.welcome(f"2023-03-0{day} 09:00", nature="individual_interview")
    with app.state.engine.begin() as conn:
        apply(conn, h.events)
    client = in_process(app)
    director = bearer("director", ("ML-A",))

    def report(**params) -> tuple[str, list[str]]:
        page = client.get("/v1/ML-A/report", params={"year": 2023, **params}, headers=director)
        assert page.status_code == 200, page.text
        text = html.unescape(page.text)
        return text, re.findall(r'<tr data-key="[^"]+">.*?</tr>', text)

    published, rows = report()
    stamp = re.search(r"--as-of (\S+) --out", published).group(1)
    assert "Chiffres connus au " in published and "relais report --year 2023 --ml-id ML-A --as-of" in published
    known = datetime.fromisoformat(stamp)
    assert timedelta(0) < datetime.now(known.tzinfo) - known < timedelta(minutes=1)

    late = History("ML-A")
    late.welcome("2023-06-12 09:00", nature="individual_interview", recorded=(known + timedelta(seconds=1)).isoformat())
    with app.state.engine.begin() as conn:
        apply(conn, late.events)
    _, since = report(as_of=(known + timedelta(seconds=2)).isoformat())
    assert since != rows  # the late welcome counts in a report made after it
    again, recomputed = report(as_of=stamp)
    assert recomputed == rows
    assert f"--as-of {stamp}" in again


@pytest.mark.parametrize(
    "as_of", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "1999-12-31T23:59:59Z", "2101-01-01T00:00:00Z"]
)
def test_an_instant_out_of_any_report_s_years_is_a_422_naming_as_of(as_of):
    from relais_reporting.bootstrap import create_app
    from support.http import bearer, in_process, offline

    client = in_process(create_app(offline()))
    director = bearer("director", ("ML-A",))
    for path, params in (
        ("/v1/ML-A/report", {"year": 2023}),
        ("/v1/indicators", {"ml_id": "ML-A"}),
        ("/v1/indicators/monthly", {"ml_id": "ML-A", "year": 2023}),
    ):
        r = client.get(path, params={**params, "as_of": as_of}, headers=director)
        assert r.status_code == 422, (path, r.text)
        assert [e["field"] for e in r.json()["errors"]] == ["query.as_of"]
