"""The dashboard in a real browser (Playwright driving Debian's Chromium, headless): the overview
and a Mission Locale's page show the figures of a known history in their tables and charts, pass
an axe-core accessibility audit at desktop and phone widths, and a command posted to a service
changes the page without a reload. Screenshots go to test-artifacts/."""

import asyncio
import uuid
from datetime import date

import httpx
import pytest
from integration.test_reporting_on_stack import produce
from playwright.sync_api import Page, expect, sync_playwright
from relais_cli.harness import ServiceProcess, welcome_body
from relais_runtime.auth import Role, issue_token
from relais_runtime.settings import PROJECT_ROOT, get_settings
from support.builder import History
from support.http import bearer

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
AXE = PROJECT_ROOT / "services" / "reporting" / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def known_history(ml: str) -> History:
    """Three young people of Villejuif welcomed in February 2025, two accompanied, one hired on a
    CDI and entered in a CEJ, whose objective for the year is 4; one young person welcomed in
    May 2024, the year before."""
    h = History(ml)
    h.welcome("2024-05-06 09:00", commune="94076")
    a, b, c = (h.welcome("2025-02-03 09:00", commune="94076") for _ in range(3))
    h.dossier_event(a, "individual_interview", "2025-02-10 10:00")
    h.dossier_event(b, "individual_interview", "2025-02-11 10:00")
    h.contract(a, "CDI", date(2025, 3, 3), None, "2025-03-03 09:00")
    h.objective("CEJ", 2025, 4, "2025-01-06 09:00")
    h.enter(a, "CEJ", date(2025, 4, 1), "2025-04-01 09:00", planned_end=date(2026, 3, 31))
    return h


@pytest.fixture
def known_ml(stack) -> str:
    """A Mission Locale whose known history travels the real way: Kafka, then the projection."""
    ml = f"ML-B{uuid.uuid4().hex[:6].upper()}"
    asyncio.run(produce(stack.kafka_bootstrap, known_history(ml).events))
    return ml


@pytest.fixture
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def accessibility_violations(page: Page) -> list[str]:
    """What axe-core finds against WCAG 2.2 A and AA on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def chart(page: Page, name: str) -> dict:
    """The labels and values a Chart.js chart of the page is drawing."""
    return page.evaluate(
        """(id) => { const c = Chart.getChart(id);
        return c && { labels: c.data.labels, values: c.data.datasets.map((d) => d.data) }; }""",
        f"chart-{name}",
    )


def test_the_dashboard_shows_the_figures_and_follows_a_new_command(known_ml, browser):
    ml = known_ml
    ARTIFACTS.mkdir(exist_ok=True)
    token = bearer("network_analyst", ("*",))["Authorization"].split()[1]
    with ServiceProcess("reporting", 18190) as reporting, ServiceProcess("intake", 18191) as intake:
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
        page.goto(f"{reporting.url}/?year=2025&token={token}")
        row = page.locator("tr", has=page.locator(f"button[data-ml='{ml}']"))
        expect(row).to_contain_text("3")
        assert "token" not in page.url and "year=2025" in page.url  # out of the history and bookmarks
        expect(row).to_contain_text("3")  # first welcomes
        expect(row).to_contain_text("50,0 %")  # one of the two accompanied in a situation
        ranked = page.locator("[data-table=mls] tbody th").all_inner_texts()
        assert chart(page, "mls")["labels"] == ranked[:25]  # the chart draws the table's ranking
        assert accessibility_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "dashboard-network.png"), full_page=True)

        page.click(f"button[data-ml='{ml}']")
        expect(page.locator("h2#h-key")).to_have_text(f"L'année 2025 en chiffres — {ml}")  # the reports' own heading
        expect(page.locator(".card[data-key=first_welcomes] .value")).to_have_text("3")
        expect(page.locator(".card[data-key=accompanied] .value")).to_have_text("2")
        expect(page.locator(".card[data-key=employment_contracts] .value")).to_have_text("1")
        expect(page.get_by_text("Villejuif (94076)")).to_be_visible()
        assert chart(page, "communes") == {"labels": ["Villejuif (94076)"], "values": [[2], [3]]}
        assert chart(page, "kinds")["values"] == [[1, 0, 0, 0, 0, 0]]  # one entry: employment
        # Beside each figure, the year before and the change; month by month, both years.
        expect(page.locator(".card[data-key=first_welcomes] .before")).to_have_text("N−1 : 1 (+200 %)")
        welcomed = page.locator("[data-table=communes] tbody tr").first.locator("td")
        expect(page.locator("[data-table=communes] thead")).to_contain_text("Accompagnés (N−1)")
        assert welcomed.all_inner_texts()[:2] == ["2", "0"]  # accompanied in 2025, and in 2024
        expect(page.locator("#h-months")).to_have_text("Mois par mois en 2025")
        months = chart(page, "month-first_welcomes")
        assert months["values"] == [[0, 3, *[0] * 10], [0, 0, 0, 0, 1, *[0] * 7]]
        # The year's objective as progress, and the dates written the French way.
        objective = page.locator("#objective-CEJ")
        expect(objective).to_have_text("CEJ : 1 entrée(s) sur un objectif de 4 (25,0 %)")
        assert page.locator("progress[aria-labelledby=objective-CEJ]").evaluate("p => [p.value, p.max]") == [1, 4]
        expect(page.locator("#from")).to_have_value("01/01/2025")
        expect(page.locator("#to")).to_have_value("31/12/2025")
        assert accessibility_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "dashboard-mission-locale.png"), full_page=True)

        # The same figures for a spreadsheet, from the page's own link.
        with page.expect_download() as download:
            page.click("#csv")
        rows = download.value.path().read_text(encoding="utf-8-sig").splitlines()
        assert download.value.suggested_filename == f"relais-indicateurs-{ml}-2025-01-01-2025-12-31.csv"
        assert f"{ml};2025-01-01;2025-12-31;;first_welcomes;jeunes en premier accueil;3" in rows

        # The annual activity report of the year, opened from the page (the token in a header).
        with page.context.expect_page() as opened:
            page.click("#report")
        report = opened.value
        expect(report.locator("h1")).to_contain_text("Rapport d'activité 2025", timeout=20_000)
        report.close()

        # A date that is not one is refused next to its field, and nothing changes.
        page.fill("#from", "31/02/2025")
        page.click("#period button[type=submit]")
        assert page.locator("#from").evaluate("i => i.validationMessage") == "Date attendue au format jj/mm/aaaa."
        page.fill("#from", "01/01/2025")

        # Printed (or saved as PDF), the report shows every table, those folded on screen too.
        expect(page.locator("[data-table=kinds] table")).to_be_hidden()
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        expect(page.locator("[data-table=kinds] table")).to_be_visible()
        expect(page.locator("#period")).to_be_hidden()
        page.pdf(path=str(ARTIFACTS / "rapport-mission-locale.pdf"), format="A4")
        page.emulate_media(media="screen")

        page.set_viewport_size(PHONE)
        page.click("button[data-commune='94076']")
        expect(page.locator(".card[data-key=commune_accompanied] .value")).to_have_text("2")
        # Everything drawn, the year before included (its columns are left out at this width).
        expect(page.locator("[data-table=communes] thead")).to_contain_text("Accompagnés (N−1)")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing off screen
        assert accessibility_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)

        # This year's page, then a first welcome recorded now: the figure and its chart move
        # without a reload, the chart updated in place.
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.goto(f"{reporting.url}/?ml={ml}&token={token}")
        expect(page.locator(".card[data-key=first_welcomes] .value")).to_have_text("0")
        assert chart(page, "communes") == {"labels": [], "values": [[], []]}
        page.evaluate("window.__not_reloaded = true; Chart.getChart('chart-communes').$kept = true")
        r = httpx.post(
            f"{intake.url}/v1/{ml}/youths",
            json=welcome_body(f"Web{uuid.uuid4().hex[:6]}"),
            headers=bearer(ml_ids=(ml,)),
        )
        assert r.status_code == 201, r.text
        expect(page.locator(".card[data-key=first_welcomes] .value")).to_have_text("1", timeout=20_000)
        assert page.evaluate("window.__not_reloaded && Chart.getChart('chart-communes').$kept") is True
        assert chart(page, "communes")["values"][1] == [1]  # one first welcome, in the welcomed town
        page.screenshot(path=str(ARTIFACTS / "dashboard-live.png"), full_page=True)


def test_an_expired_or_foreign_token_is_explained_not_retried_for_ever(stack, browser):
    expired = issue_token(get_settings(), sub="d", role=Role.DIRECTOR, ml_ids=["ML-X"], ttl_seconds=-60)
    foreign = issue_token(get_settings(), sub="d", role=Role.DIRECTOR, ml_ids=["ML-X"])
    with ServiceProcess("reporting", 18192) as reporting:
        page = browser.new_page(locale="fr-FR")
        page.goto(f"{reporting.url}/?ml=ML-X&token={expired}")
        expect(page.locator("#status")).to_contain_text("Session expirée", timeout=15_000)
        page = browser.new_page(locale="fr-FR")
        page.goto(f"{reporting.url}/?token={foreign}")  # the network page, with one Mission Locale's token
        expect(page.locator("#status")).to_contain_text("toutes les Missions Locales", timeout=15_000)
