"""The annual activity report, generated: the seed reports' chapters in their order, every figure
of the catalogue with its value for the year, the year before (N−1) and the change, monthly series
drawn with their tables, numbers written the French way. One self-contained HTML page that prints
well; its PDF is Chromium's print of it (`to_pdf`), and a workbook for funders (`to_xlsx`).

What only a director can write (the editorial, the finances, the team) comes from a Markdown text
given by them, shown first, escaped: it is never trusted as HTML.

A report says when its figures were known (`as_of`, printed with the command that recomputes it):
an auditor handed a published report recomputes every figure of it exactly, whatever was
recorded or corrected since (indicators.md, rule 2).
"""

import html
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from relais_reporting.catalogue import CATALOGUE, CHAPTERS, Entry, label, whole_of
from relais_reporting.directory import Directory
from relais_reporting.indicators import Query, compute
from relais_reporting.monthly import SERIES, monthly
from relais_reporting.spreadsheet import figures_of

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
NBSP = "\u202f"  # the narrow no-break space French puts between thousands and before % or €


@dataclass
class ReportData:
    """What a report shows: the year's document, the year before's, and the year's monthly series."""

    who: str
    year: int
    current: dict[str, Any]
    previous: dict[str, Any]
    monthly: dict[str, list[int]] = field(default_factory=dict)  # monthly.SERIES, twelve values each
    editorial: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # communes' and sites' names, by code
    as_of: datetime | None = None  # the events recorded up to this instant, and no later one
    ml_id: str | None = None  # None: the network


# A report generated now counts the events recorded up to a few seconds ago: those are folded
# (the relays' lag is under a second, bench/README.md), so recomputing it later with the same
# `as_of` gives the same figures; the last seconds' events are in the next one.
SETTLED = timedelta(seconds=5)


def settled_now() -> datetime:
    return (datetime.now(UTC) - SETTLED).replace(microsecond=0)


def gather(
    conn: Connection,
    ml_id: str | None,
    year: int,
    directory: Directory,
    editorial: str | None = None,
    as_of: datetime | None = None,
) -> ReportData:
    """What a report of `year` needs, computed by the indicator query (the year and the year
    before) and the monthly series, with the names the network directory gives to the Mission
    Locale, its communes and its sites; as the events recorded up to `as_of` (by default
    `settled_now()`) made them."""
    known = as_of or settled_now()

    def document(start: date, end: date) -> dict[str, Any]:
        return compute(conn, Query(start, end, ml_id, known))

    return ReportData(
        directory.name_of(ml_id),
        year,
        document(date(year, 1, 1), date(year, 12, 31)),
        document(date(year - 1, 1, 1), date(year - 1, 12, 31)),
        monthly(conn, year, ml_id, known).series,
        editorial,
        directory.names(ml_id),
        known,
        ml_id,
    )


def provenance(data: ReportData) -> str:
    """When the figures were known, and the command that recomputes them as they were."""
    if data.as_of is None:
        return ""
    paris = data.as_of.astimezone(ZoneInfo("Europe/Paris"))
    stamp = data.as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    who = f"--ml-id {data.ml_id}" if data.ml_id else "--network"
    return (
        f"Chiffres connus au {paris:%d/%m/%Y} à {paris:%H:%M:%S} (heure de Paris) : les événements enregistrés "
        f"jusqu'à cet instant. Les recalculer à l'identique : relais report --year {data.year} {who} "
        f"--as-of {stamp} --out rapport.pdf"
    )


# --- French numbers ----------------------------------------------------------------------------


def integer(n: int) -> str:
    return f"{n:,}".replace(",", NBSP)


def shown(value: Any, unit: str | None) -> str:
    """A value as the reports write it: 1 073 ; 184 837 € ; 55,0 % ; « — » when there is none."""
    if value is None:
        return "—"
    if unit == "cents":
        return f"{integer(round(value / 100))}{NBSP}€"
    if unit == "rate":
        return f"{value * 100:.1f}".replace(".", ",") + f"{NBSP}%"
    if unit == "days":
        return f"{integer(int(value))}{NBSP}j"
    return integer(int(value))


def change(now: Any, before: Any, unit: str | None) -> str:
    """The change from N−1 as the reports write it: « +42 % », or in points for a rate."""
    if now is None or before is None:
        return "—"
    if unit == "rate":
        points = (now - before) * 100
        return f"{points:+.1f}".replace(".", ",") + f"{NBSP}pt"
    if before == 0:
        return "—"
    percent = round((now - before) / before * 100)
    return f"{percent:+d}{NBSP}%".replace("-", "−")


# --- the page ------------------------------------------------------------------------------------


def rows_of(
    entry: Entry, current: dict[str, Any], previous: dict[str, Any], names: dict[str, str] | None = None
) -> list[tuple[str, str, Any, Any]]:
    """The rows a catalogue entry gives in a report: (key, label, N, N−1), keys with `*` expanded
    to every value either year has, rows zero in both years left out."""
    key = f"{entry.key}.*" if entry.keys else entry.key  # a figure per value of a vocabulary
    if "*" not in key:
        return [(key, label(key, names), current.get(key), previous.get(key))]
    pattern = re.compile("^" + re.escape(key).replace(r"\*", "[^.]+") + "$")
    keys = sorted({k for k in (*current, *previous) if pattern.match(k)})
    found = [(k, label(k, names), current.get(k), previous.get(k)) for k in keys]
    return [row for row in found if row[2] or row[3]]


def share(entry: Entry, key: str, value: Any, figures: dict[str, Any]) -> float | None:
    """The part of its whole a figure is (« 44 % sont des femmes »), None when it has none."""
    whole = whole_of(entry, key)
    total = figures.get(whole) if whole else None
    return round(value / total, 4) if total and value is not None else None


Row = tuple[str, str, str, str, str, str, str]


def chapter_tables(data: ReportData) -> dict[str, list[Row]]:
    """Per chapter, in the catalogue's order: (key, label, unit, share, N, N−1, change) written."""
    now, before = figures_of(data.current), figures_of(data.previous)
    tables: dict[str, list[Row]] = {c: [] for c in CHAPTERS}
    for entry in CATALOGUE.values():
        if entry.unit is None or entry.key == "events_skipped":
            continue
        for key, text, n, n1 in rows_of(entry, now, before, data.names):
            unit = entry.unit
            part = share(entry, key, n, now)
            tables[entry.chapter].append(
                (
                    key,
                    text,
                    unit,
                    "" if part is None else shown(part, "rate"),
                    shown(n, unit),
                    shown(n1, unit),
                    change(n, n1, unit),
                )
            )
    return tables


def _bars(values: list[int], caption: str) -> str:
    """An SVG bar chart of twelve months (the table beside it carries the same numbers)."""
    top = max(values) or 1
    width, height, gap = 480, 140, 6
    bar = (width - gap * 13) / 12
    rects = "".join(
        f'<rect x="{gap + i * (bar + gap):.1f}" y="{height - 20 - v / top * (height - 30):.1f}" width="{bar:.1f}" '
        f'height="{v / top * (height - 30):.1f}"/>'
        f'<text x="{gap + i * (bar + gap) + bar / 2:.1f}" y="{height - 6}">{MONTHS[i]}</text>'
        for i, v in enumerate(values)
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(caption)} '
        f'(graphique ; les valeurs sont dans le tableau)">{rects}</svg>'
    )


def markdown(text: str) -> str:
    """The director's Markdown, minimally: headings, lists, paragraphs, bold; everything escaped."""
    out: list[str] = []
    in_list = False
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        for line in lines:
            line = html.escape(line.strip())
            line = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", line)
            if line.startswith(("- ", "* ")):
                if not in_list:
                    out.append("<ul>")
                    in_list = True
                out.append(f"<li>{line[2:]}</li>")
                continue
            if in_list:
                out.append("</ul>")
                in_list = False
            heading = re.match(r"(#{1,3}) (.*)", line)
            if heading:
                level = len(heading.group(1)) + 2  # under the report's own h1 and h2
                out.append(f"<h{level}>{heading.group(2)}</h{level}>")
            elif line:
                out.append(f"<p>{line}</p>")
        if in_list:
            out.append("</ul>")
            in_list = False
    return "\n".join(out)


STYLE = """
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1b1f24; font-size: 10pt; }
h1 { color: #1f4e8c; font-size: 20pt; margin: 0 0 4mm; }
h2 { color: #1f4e8c; border-bottom: 2px solid #1f4e8c; padding-bottom: 1mm; margin-top: 8mm;
     break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; }
th, td { border-bottom: 1px solid #d0d5dc; padding: 1mm 2mm; text-align: left; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; }
figure { margin: 0; break-inside: avoid; }
figcaption { font-weight: bold; margin-bottom: 1mm; }
.provenance { color: #4a4f57; font-size: 8.5pt; }
svg rect { fill: #1f4e8c; } svg text { font-size: 9px; text-anchor: middle; fill: #1b1f24; }
.small td, .small th { font-size: 8pt; padding: 0.5mm 1mm; }
.editorial { border-left: 3px solid #d9822b; padding-left: 4mm; }
"""


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page, in French."""
    e = html.escape
    parts = [
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Rapport d\'activité {data.year} — '
        f"{e(data.who)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Rapport d'activité {data.year}<br>{e(data.who)}</h1>",
        f"<p>Chiffres du 1<sup>er</sup> janvier au 31 décembre {data.year}, comparés à {data.year - 1} "
        f"(N−1). Calculés par Relais selon son catalogue des chiffres.</p>",
        f'<p class="provenance">{e(provenance(data))}</p>' if data.as_of else "",
    ]
    if data.editorial:
        parts.append(f'<section class="editorial"><h2>Le mot de la direction</h2>{markdown(data.editorial)}</section>')
    tables = chapter_tables(data)
    for chapter, title in CHAPTERS.items():
        parts.append(f'<section id="{chapter}"><h2>{e(title)}</h2>')
        if chapter == "year":
            parts.append('<div class="charts">')
            for key, caption in SERIES.items():
                values = data.monthly[key]
                cells = "".join(f'<td class="num">{integer(v)}</td>' for v in values)
                heads = "".join(f'<th scope="col" class="num">{m}</th>' for m in MONTHS)
                parts.append(
                    f"<figure><figcaption>{e(caption)} en {data.year}</figcaption>{_bars(values, caption)}"
                    f'<table class="small"><tr>{heads}</tr><tr>{cells}</tr></table></figure>'
                )
            parts.append("</div>")
        rows = tables[chapter]
        if rows:
            parts.append(
                f'<table><thead><tr><th scope="col">Chiffre</th><th scope="col" class="num">Part</th>'
                f'<th scope="col" class="num">{data.year}</th>'
                f'<th scope="col" class="num">{data.year - 1}</th><th scope="col" class="num">Évolution</th>'
                "</tr></thead><tbody>"
            )
            for key, text, _, part, n, n1, delta in rows:
                name = e(text[:1].upper() + text[1:])
                parts.append(
                    f'<tr data-key="{e(key)}"><th scope="row">{name}</th><td class="num">{part}</td>'
                    f'<td class="num">{n}</td><td class="num">{n1}</td><td class="num">{delta}</td></tr>'
                )
            parts.append("</tbody></table>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_xlsx(data: ReportData, out: Path) -> None:
    """The report for funders as a workbook: one sheet per chapter (figure, N, N−1, change as a
    ratio, the catalogue's key), and the months. Numbers stay numbers: amounts in euros, rates as
    percentages, so that a funder's own spreadsheet can compute with them."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    now, before = figures_of(data.current), figures_of(data.previous)
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for chapter, title in CHAPTERS.items():
        sheet = book.create_sheet(title[:31])  # a sheet's name has 31 characters at most
        heading = f"{title} — {data.who}"
        sheet.append([f"{heading}. {provenance(data)}" if data.as_of else heading])
        sheet["A1"].font = bold
        sheet.append(["Chiffre", str(data.year), str(data.year - 1), "Évolution", "Clé", f"Part en {data.year}"])
        for cell in sheet[2]:
            cell.font = bold
        for entry in CATALOGUE.values():
            if entry.chapter != chapter or entry.unit is None or entry.key == "events_skipped":
                continue
            for key, text, n, n1 in rows_of(entry, now, before, data.names):
                row = [text[:1].upper() + text[1:], _cell(n, entry.unit), _cell(n1, entry.unit)]
                row.append((n - n1) / n1 if entry.unit != "rate" and n1 and n is not None else None)
                sheet.append([*row, key, share(entry, key, n, now)])
                formats = {"cents": "#,##0 €", "rate": "0.0%"}
                for cell in sheet[sheet.max_row][1:3]:
                    cell.number_format = formats.get(entry.unit, "#,##0")
                sheet.cell(sheet.max_row, 4).number_format = "+0%;-0%;0%"
                sheet.cell(sheet.max_row, 6).number_format = "0.0%"
        sheet.column_dimensions["A"].width = 70
    months = book.create_sheet("Mois")
    months.append(["Chiffre", *MONTHS])
    for key, caption in SERIES.items():
        months.append([caption, *data.monthly[key]])
    months.column_dimensions["A"].width = 60
    book.save(out)


def _cell(value: Any, unit: str) -> Any:
    """A figure as a spreadsheet number: euros for cents, the rest as it is."""
    if value is None:
        return None
    return value / 100 if unit == "cents" else value


class PdfUnavailable(RuntimeError):
    """No Chromium to print the report with."""


def to_pdf(page: str, out: Path) -> None:
    """Print the page to PDF with headless Chromium (Debian's, installed by deploy/local/setup.sh)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise PdfUnavailable("Chromium is needed for a PDF (deploy/local/setup.sh installs it); write .html instead")
    with tempfile.TemporaryDirectory(prefix="relais-report-") as scratch:
        source = Path(scratch) / "rapport.html"
        source.write_text(page, encoding="utf-8")
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={scratch}/profile",
                f"--print-to-pdf={out.resolve()}",
                source.as_uri(),
            ],
            capture_output=True,
            timeout=120,
        )
        if done.returncode != 0 or not out.exists():
            raise PdfUnavailable(f"Chromium could not print the report: {done.stderr.decode(errors='replace')[-300:]}")
