"""The counselor's desk at a Mission Locale's size (#18): each screen, from the click to the
moment it can be used, in Debian's Chromium behind the nginx proxy, with 5 000 young people in
the Mission Locale and a long dossier open. The peer, in the same run: the same answers asked of
the services directly (httpx, no browser, no proxy); the ratio is what the page adds."""

import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
from loadgen import RawClient
from relais_cli.harness import ServiceProcess, welcome_body
from relais_cli.stack.proxy import Proxy
from relais_runtime.auth import Role, issue_token
from relais_runtime.settings import get_settings

PORTS = {"reporting": 18230, "intake": 18231, "dispositifs": 18232, "employment": 18233}
PROXY_PORT = 18239
SURNAMES = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefevre", "Faure", "Andre",
    "Mercier", "Blanc", "Guerin", "Boyer", "Garnier", "Chevalier", "Francois", "Legrand", "Gauthier", "Garcia",
]  # fmt: skip
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def _ms(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "p50_ms": round(statistics.median(values) * 1000, 1),
        "max_ms": round(values[-1] * 1000, 1),
        "runs": len(values),
    }


def _seed(intake: str, ml: str, headers: dict, youths: int) -> list[str]:
    """`youths` first welcomes, 32 at a time: surnames of a common pool with a number, as a
    Mission Locale's directory has many Martins."""
    ids: list[str] = []
    port = int(intake.rsplit(":", 1)[1])

    async def worker(client: RawClient, ks: list[int]) -> None:
        for k in ks:
            status, body = await client.post(
                f"/v1/{ml}/youths", welcome_body(f"{SURNAMES[k % len(SURNAMES)]}-{k}") | {"site": "CACHAN"}
            )
            if status == 201:
                ids.append(json.loads(body)["id"])

    async def run() -> None:
        chunks = [list(range(i, youths, 32)) for i in range(32)]
        await asyncio.gather(*(worker(RawClient("127.0.0.1", port, headers), c) for c in chunks))

    asyncio.run(run())
    return ids


def _long_dossier(urls: dict, ml: str, headers: dict, jeune: str) -> None:
    """A year of a young person's life: 40 interviews and workshops, a CEJ with its allowances, two
    contracts."""
    today = date.today()
    for k in range(40):
        nature = random.choice(["individual_interview", "workshop", "phone"])
        httpx.post(
            f"{urls['intake']}/v1/{ml}/youths/{jeune}/events",
            json={"nature": nature, "mode": "on_site", "themes": ["employment"], "duration_minutes": 30 + k % 30},
            headers=headers,
        ).raise_for_status()
    deadline = time.monotonic() + 60
    while True:  # dispositifs learns of the young person from relais.intake
        r = httpx.post(
            f"{urls['dispositifs']}/v1/{ml}/youths/{jeune}/programmes",
            json={
                "programme": "CEJ",
                "start_date": (today - timedelta(days=20)).isoformat(),
                "planned_end_date": (today + timedelta(days=200)).isoformat(),
                "weekly_hours": 20,
            },
            headers={**headers, "Idempotency-Key": f"cej-{jeune}"},
        )
        if r.status_code == 201 or time.monotonic() > deadline:
            r.raise_for_status()
            break
        time.sleep(0.5)
    enrolment = r.json()["id"]
    httpx.post(
        f"{urls['dispositifs']}/v1/{ml}/enrolments/{enrolment}/allowances",
        json={"month": today.strftime("%Y-%m"), "amount_cents": 30_000},
        headers=headers,
    ).raise_for_status()
    for start in (today - timedelta(days=15), today - timedelta(days=2)):
        httpx.post(
            f"{urls['employment']}/v1/{ml}/youths/{jeune}/contracts",
            json={
                "contract_type": "CDD",
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=10)).isoformat(),
                "weekly_hours": 35,
                "sector": "N",
            },
            headers=headers,
        ).raise_for_status()


EMPLOYERS, OFFERS, SESSIONS, ATTENDEES = 300, 400, 120, 10  # a busy Mission Locale's month of sessions


def _partners_and_sessions(urls: dict, ml: str, headers: dict, ids: list[str]) -> None:
    """What the Entreprises and Séances screens list: a year's employers and offers, and the
    collective sessions of the last thirty days with their attendees."""
    rnd = random.Random(7)
    with httpx.Client(headers=headers, timeout=30) as client:
        employers = []
        for n in range(EMPLOYERS):
            body = {"name": f"Entreprise {n:03d}", "sector": rnd.choice("DGHIN"), "size_band": "0-9"}
            r = client.post(f"{urls['employment']}/v1/{ml}/employers", json=body | {"commune_insee": "94016"})
            employers.append(r.raise_for_status().json()["id"])
        for _ in range(OFFERS):
            body = {"employer_id": rnd.choice(employers), "sector": "N", "contract_type": "CDD", "positions": 1}
            client.post(
                f"{urls['employment']}/v1/{ml}/offers", json=body | {"commune_insee": "94016"}
            ).raise_for_status()
        for _ in range(SESSIONS):  # recorded now: an event may not precede its dossier's first welcome
            session = str(uuid.uuid4())
            for jeune in rnd.sample(ids, ATTENDEES):
                body = {"nature": "workshop", "mode": "on_site", "themes": ["employment"], "session_id": session}
                client.post(f"{urls['intake']}/v1/{ml}/youths/{jeune}/events", json=body).raise_for_status()


def _peer(urls: dict, ml: str, headers: dict, jeune: str, query: str, runs: int) -> dict:
    """The answers each screen waits for, asked of the services directly."""
    search, dossier = [], []
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(runs):
            started = time.perf_counter()
            client.get(f"{urls['intake']}/v1/{ml}/youths", params={"query": query}).raise_for_status()
            search.append(time.perf_counter() - started)
            started = time.perf_counter()
            base = f"/v1/{ml}/youths/{jeune}"
            for url in (
                f"{urls['intake']}{base}",
                f"{urls['dispositifs']}{base}/programmes",
                f"{urls['employment']}{base}/situations",
                f"{urls['reporting']}{base}/timeline",
            ):
                client.get(url).raise_for_status()
            dossier.append(time.perf_counter() - started)
    return {"search": _ms(search), "dossier_page": _ms(dossier)}


def bench_desk(quick: bool) -> dict:
    from playwright.sync_api import expect, sync_playwright

    youths, runs = (300, 3) if quick else (5000, 10)
    settings = get_settings()
    ml = f"ML-K{uuid.uuid4().hex[:6].upper()}"
    token = issue_token(settings, sub="bench-conseillere", role=Role.DIRECTOR, ml_ids=[ml])
    headers = {"Authorization": f"Bearer {token}"}
    services = [ServiceProcess(name, port) for name, port in PORTS.items()]
    urls = {s.service: s.url for s in services}
    with tempfile.TemporaryDirectory() as home:
        proxy = Proxy(settings, Path(home), port=PROXY_PORT, ports=PORTS)
        try:
            for s in services:
                s.start(timeout=60)
            proxy.start()
            started = time.perf_counter()
            ids = _seed(urls["intake"], ml, headers, youths)
            seeded = time.perf_counter() - started
            jeune = ids[len(ids) // 2]
            _long_dossier(urls, ml, headers, jeune)
            _partners_and_sessions(urls, ml, headers, [j for j in ids if j != jeune])  # its 45 entries stay
            query = "Martin"
            desk = f"http://127.0.0.1:{PROXY_PORT}/desk/"
            screens: dict[str, list[float]] = {
                k: []
                for k in (
                    "search_page",
                    "search",
                    "dossier_page",
                    "welcome_form",
                    "event_form",
                    "contract_form",
                    "sessions_page",
                    "attendance_sheet",
                    "companies_page",
                )
            }
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
                page.goto(f"{desk}?token={token}")
                expect(page.locator("#query")).to_be_focused()
                # The timeline of all services needs reporting to have folded the dossier.
                page.goto(f"{desk}#/jeune/{jeune}")
                expect(page.locator("section[aria-labelledby=h-historique] tbody tr")).to_have_count(45, timeout=60_000)
                for _ in range(runs):
                    t = time.perf_counter()
                    page.goto(f"{desk}#/")
                    page.reload()
                    expect(page.locator("#query")).to_be_focused(timeout=60_000)
                    screens["search_page"].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    page.locator("#query").fill(query)
                    page.keyboard.press("Enter")
                    expect(page.locator("#results tbody tr").first).to_be_visible(timeout=60_000)
                    screens["search"].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    page.goto(f"{desk}#/jeune/{jeune}")
                    expect(page.locator("section[aria-labelledby=h-historique] tbody tr")).to_have_count(
                        45, timeout=60_000
                    )
                    screens["dossier_page"].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    page.get_by_role("link", name="Événement du dossier").click()
                    expect(page.get_by_label("Nature *", exact=True)).to_be_focused()
                    screens["event_form"].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    page.goto(f"{desk}#/accueil")
                    expect(page.get_by_label("Prénom *", exact=True)).to_be_focused()
                    screens["welcome_form"].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    page.goto(f"{desk}#/jeune/{jeune}/contrat")
                    expect(page.get_by_label("Employeur", exact=True)).to_be_visible()  # 300: typed, completed
                    screens["contract_form"].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    page.goto(f"{desk}#/seances")
                    expect(page.get_by_role("link", name="Feuille de présence")).to_have_count(SESSIONS)
                    screens["sessions_page"].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    page.get_by_role("link", name="Feuille de présence").first.click()
                    expect(page.locator("section[aria-labelledby=h-presents] tbody tr")).to_have_count(ATTENDEES)
                    screens["attendance_sheet"].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    page.goto(f"{desk}#/entreprises")
                    expect(page.locator("section[aria-labelledby=h-employeurs] tbody tr")).to_have_count(EMPLOYERS)
                    screens["companies_page"].append(time.perf_counter() - t)
                browser.close()
            peer = _peer(urls, ml, headers, jeune, query, runs)
        finally:
            proxy.stop()
            for s in services:
                s.__exit__(None, None, None)
    measured = {name: _ms(values) for name, values in screens.items()}
    return {
        "youths_in_the_mission_locale": len(ids),
        "seeded_in_s": round(seeded, 1),
        "dossier": "a first welcome, 40 dossier events, a CEJ with an allowance, two contracts: 45 timeline entries",
        "partners_and_sessions": f"{EMPLOYERS} employers, {OFFERS} offers, {SESSIONS} workshops of {ATTENDEES}",
        "search": f"'{query}': one surname in forty",
        "screens": measured,
        "peer_services_directly": peer,
        "ratios_to_peer": {
            "search": round(measured["search"]["p50_ms"] / peer["search"]["p50_ms"], 2),
            "dossier_page": round(measured["dossier_page"]["p50_ms"] / peer["dossier_page"]["p50_ms"], 2),
        },
        "target": "each screen interactive within 1 s",
    }
