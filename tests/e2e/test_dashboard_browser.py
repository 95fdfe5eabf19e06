"""The dashboard in a real browser (Playwright driving Debian's Chromium, headless): the overview
and a Mission Locale's page show the figures of a known history, and a command posted to a
service changes the page without a reload. Screenshots go to test-artifacts/."""

import asyncio
import uuid
from datetime import date

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from relais_runtime.settings import PROJECT_ROOT
from support.builder import History
from support.http import bearer
from support.processes import ServiceProcess

from integration.test_intake_on_stack import welcome_body
from integration.test_reporting_on_stack import produce

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def known_history(ml: str) -> History:
    """Three young people of Villejuif, two accompanied, one hired on a CDI in 2025."""
    h = History(ml)
    a, b, c = (h.welcome("2025-02-03 09:00", commune="94076") for _ in range(3))
    h.dossier_event(a, "individual_interview", "2025-02-10 10:00")
    h.dossier_event(b, "individual_interview", "2025-02-11 10:00")
    h.contract(a, "CDI", date(2025, 3, 3), None, "2025-03-03 09:00")
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


def test_the_dashboard_shows_the_figures_and_follows_a_new_command(known_ml, browser):
    ml = known_ml
    ARTIFACTS.mkdir(exist_ok=True)
    token = bearer("network_analyst", ("*",))["Authorization"].split()[1]
    with ServiceProcess("reporting", 18190) as reporting, ServiceProcess("intake", 18191) as intake:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{reporting.url}/?year=2025&token={token}")
        row = page.locator("tr", has=page.locator(f"button[data-ml='{ml}']"))
        expect(row).to_contain_text("3")          # first welcomes
        expect(row).to_contain_text("50,0 %")     # one of the two accompanied in a situation
        page.screenshot(path=str(ARTIFACTS / "dashboard-network.png"), full_page=True)

        page.click(f"button[data-ml='{ml}']")
        expect(page.locator("h2", has_text="Les chiffres clés")).to_contain_text(ml)
        expect(page.locator(".card[data-key=first_welcomes] .value")).to_have_text("3")
        expect(page.locator(".card[data-key=accompanied] .value")).to_have_text("2")
        expect(page.locator(".card[data-key=e1] .value")).to_have_text("1")  # contrats de travail
        expect(page.get_by_text("Villejuif (94076)")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "dashboard-mission-locale.png"), full_page=True)

        # This year's page, then a first welcome recorded now: the figure moves without a reload.
        page.goto(f"{reporting.url}/?ml={ml}&token={token}")
        expect(page.locator(".card[data-key=first_welcomes] .value")).to_have_text("0")
        page.evaluate("window.__not_reloaded = true")
        r = httpx.post(f"{intake.url}/v1/{ml}/youths", json=welcome_body(f"Web{uuid.uuid4().hex[:6]}"), headers=bearer(ml_ids=(ml,)))
        assert r.status_code == 201, r.text
        expect(page.locator(".card[data-key=first_welcomes] .value")).to_have_text("1", timeout=20_000)
        assert page.evaluate("window.__not_reloaded") is True
        page.screenshot(path=str(ARTIFACTS / "dashboard-live.png"), full_page=True)
