"""The counselor's desk in a real browser (Playwright driving Debian's Chromium, headless), behind
the real reverse proxy (nginx) in front of the four services on the real stack: a counselor's
morning played through the screens only — find or welcome, an interview typed with the keyboard
alone, a CEJ entry with its first allowance, a contract — while the dashboard, open beside it,
shows each figure move without a reload, and the dossier's timeline shows each entry. Each
screen passes an axe-core audit (WCAG 2.2 AA); screenshots go to test-artifacts/."""

import re
import time
import uuid
from datetime import date, datetime, timedelta

import httpx
import pytest
from e2e.test_dashboard_browser import ARTIFACTS, CHROMIUM_ARGS, accessibility_violations
from playwright.sync_api import Page, expect, sync_playwright
from relais_cli.harness import ServiceProcess, welcome_body
from relais_cli.stack.proxy import Proxy
from relais_runtime.auth import Role, issue_token
from relais_runtime.settings import get_settings

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
PORTS = {"reporting": 18170, "intake": 18171, "dispositifs": 18172, "employment": 18173}
PROXY_PORT = 18179


@pytest.fixture(scope="module")
def desk(stack, tmp_path_factory):
    """The four services on ports of their own, and an nginx proxy in front of them."""
    tmp_path = tmp_path_factory.mktemp("proxy")
    services = [ServiceProcess(name, port) for name, port in PORTS.items()]
    for s in services:
        s.spawn()  # all four at once, then each waited for
    proxy = Proxy(stack, tmp_path, port=PROXY_PORT, ports=PORTS)
    try:
        for s in services:
            s.wait_ready(timeout=60)
        proxy.start()
        yield f"http://127.0.0.1:{PROXY_PORT}"
    finally:
        proxy.stop()
        for s in services:
            s.__exit__(None, None, None)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def audited(page: Page, name: str) -> None:
    assert accessibility_violations(page) == [], name
    page.screenshot(path=str(ARTIFACTS / f"desk-{name}.png"), full_page=True)


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def card(page: Page, key: str):
    return page.locator(f".card[data-key={key}] .value")


def signed_in(prefix: str, role: Role, sub: str) -> tuple[str, str, dict]:
    """A Mission Locale of the test's own, and a token for it (also as headers)."""
    ml = f"ML-{prefix}{uuid.uuid4().hex[:6].upper()}"
    token = issue_token(get_settings(), sub=sub, role=role, ml_ids=[ml])
    return ml, token, {"Authorization": f"Bearer {token}"}


def auditable_page(browser) -> Page:
    # The audit's script is injected into the page: the page's CSP, which forbids that, is
    # bypassed for this browser context only.
    return browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR", bypass_csp=True).new_page()


def welcomed(desk: str, ml: str, headers: dict, last_name: str) -> str:
    return httpx.post(f"{desk}/intake/v1/{ml}/youths", json=welcome_body(last_name), headers=headers).json()["id"]


def test_a_counselors_morning_through_the_screens_moves_the_dashboard(desk, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    ml = f"ML-D{uuid.uuid4().hex[:6].upper()}"
    settings = get_settings()
    counselor = issue_token(settings, sub="conseillere-1", role=Role.COUNSELOR, ml_ids=[ml])
    director = issue_token(settings, sub="directrice-1", role=Role.DIRECTOR, ml_ids=[ml])
    today = date.today()
    last_name = f"Martin{uuid.uuid4().hex[:4]}"

    # The director sets this year's CEJ objective; the dashboard, open beside, shows it at 0.
    board = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    audit = {"viewport": {"width": 1280, "height": 1000}, "locale": "fr-FR", "bypass_csp": True}
    desk_page = browser.new_context(**audit).new_page()
    desk_page.goto(f"{desk}/desk/?token={director}#/objectifs")
    expect(desk_page.locator("h1")).to_have_text("Objectif d'entrées de l'année")
    field(desk_page, "Programme *").select_option("CEJ")
    field(desk_page, "Année *").fill(str(today.year))
    field(desk_page, "Objectif (entrées) *").fill("2")
    audited(desk_page, "objectifs")
    desk_page.get_by_role("button", name="Enregistrer").click()
    expect(desk_page.locator("#status")).to_contain_text("Objectif enregistré")
    assert "token" not in desk_page.url  # out of the history and bookmarks

    board.goto(f"{desk}/?ml={ml}&token={director}")
    expect(board.locator("#objective-CEJ")).to_contain_text("0 entrée(s) sur un objectif de 2", timeout=20_000)
    expect(card(board, "first_welcomes")).to_have_text("0")

    # The counselor's desk: the young person is not found, so a first welcome.
    # (The audit's script is injected into the page: the page's CSP, which forbids that, is
    # bypassed for this browser context only.)
    page = browser.new_context(**audit).new_page()
    page.goto(f"{desk}/desk/?token={counselor}")
    expect(page.locator("h1")).to_have_text("Rechercher un jeune")
    page.get_by_label("Nom ou prénom du jeune").fill(last_name)
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_contain_text("Aucun jeune de ce nom")
    audited(page, "recherche")
    page.get_by_role("link", name="Faire son premier accueil").click()
    expect(page.locator("h1")).to_have_text("Premier accueil")

    # A broken rule is shown next to its field, in French, and nothing is recorded.
    field(page, "Prénom *").fill("Maëlys")
    field(page, "Nom *").fill(last_name)
    field(page, "Date de naissance *").fill("31/02/2005")
    page.get_by_role("button", name="Enregistrer le premier accueil").click()
    expect(page.locator("[data-field=birth_date] .error")).to_have_text("Date invalide : jj/mm/aaaa.")
    field(page, "Date de naissance *").fill("12/03/2005")
    page.get_by_role("button", name="Enregistrer le premier accueil").click()
    expect(page.locator("[data-field=site] .error")).to_have_text("Champ obligatoire.")  # the service's words
    expect(page.locator("[role=alert]").first).to_be_focused()
    audited(page, "premier-accueil-erreurs")

    field(page, "Site (code) *").fill("CACHAN")
    field(page, "Orienté par *").select_option("school")
    page.get_by_label("Formation", exact=True).check()
    field(page, "Sexe *").select_option("F")
    field(page, "Commune (code INSEE) *").fill("94016")
    for label in ("Habite un QPV *", "Habite une ZRR *", "Diplôme obtenu *", "Permis de conduire *"):
        field(page, label).select_option("false")
    for label in ("Reconnaissance de travailleur handicapé (RQTH) *", "Dispose d'un véhicule *"):
        field(page, label).select_option("false")
    for label in ("Inscrit à France Travail *", "Ni en emploi, ni en études, ni en formation *"):
        field(page, label).select_option("true")
    field(page, "Niveau de formation *").select_option("3")
    field(page, "Logement *").select_option("hosted")
    field(page, "Enfants à charge *").fill("0")
    field(page, "Nationalité *").select_option("fr")
    audited(page, "premier-accueil")
    with page.expect_response(lambda r: r.url.endswith(f"/intake/v1/{ml}/youths") and r.status == 201):
        page.get_by_role("button", name="Enregistrer le premier accueil").dblclick()  # twice: recorded once
    expect(page.locator("h1")).to_have_text(f"Maëlys {last_name.upper()}")
    expect(page.locator("#status")).to_contain_text("Premier accueil enregistré")
    dossier_url = page.url
    expect(card(board, "first_welcomes")).to_have_text("1", timeout=20_000)

    # An interview, with the keyboard alone: the form opens on its first field.
    page.get_by_role("link", name="Événement du dossier").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Événement du dossier")
    expect(field(page, "Nature *")).to_be_focused()
    audited(page, "evenement")
    page.keyboard.type("Entretien")
    page.keyboard.press("Tab")
    page.keyboard.type("Sur")
    for _ in range(30):  # on through the themes to the duration
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "duration_minutes":
            break
    page.keyboard.type("45")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(f"Maëlys {last_name.upper()}")
    assert page.url == dossier_url

    # A CEJ entry (dispositifs may not know her yet: the page waits and retries by itself),
    # then the allowance of this month.
    page.get_by_role("link", name="Entrée en programme").click()
    field(page, "Programme *").select_option("CEJ")
    field(page, "Date de début *").fill(today.strftime("%d/%m/%Y"))
    audited(page, "entree-programme")
    page.get_by_role("button", name="Enregistrer").click()  # a CEJ's rules, said beside their field
    expect(page.locator("[data-field=planned_end_date] .error")).to_contain_text("six à douze mois")
    field(page, "Fin prévue").fill((today + timedelta(days=240)).strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-field=weekly_hours] .error")).to_contain_text("15 à 20 heures")
    field(page, "Heures par semaine").fill("20")
    page.get_by_role("button", name="Enregistrer").click()
    programmes = page.locator("section[aria-labelledby=h-programmes]")
    expect(programmes).to_contain_text("Contrat d'engagement jeune (CEJ)", timeout=40_000)
    programmes.get_by_role("link", name="Demander une allocation").click()
    field(page, "Mois (aaaa-mm) *").fill(today.strftime("%Y-%m"))
    field(page, "Montant (€) *").fill("300")
    page.get_by_role("button", name="Enregistrer").click()
    expect(programmes).to_contain_text(f"{today.strftime('%Y-%m')} : 300,00 €")

    # A contract signed.
    page.get_by_role("link", name="Contrat", exact=True).click()
    expect(page.locator("h1")).to_have_text("Contrat signé")
    field(page, "Type de contrat *").select_option("CDI")
    field(page, "Date de début *").fill(today.strftime("%d/%m/%Y"))
    field(page, "Heures par semaine *").fill("35")
    field(page, "Secteur (domaine ROME) *").select_option("N")
    audited(page, "contrat")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("section[aria-labelledby=h-situations]")).to_contain_text("Contrat", timeout=40_000)

    # The dashboard followed each step without a reload.
    board.evaluate("window.__not_reloaded = true")
    expect(board.locator("#objective-CEJ")).to_contain_text("1 entrée(s) sur un objectif de 2", timeout=20_000)
    expect(card(board, "employment_contracts")).to_have_text("1", timeout=20_000)
    expect(card(board, "accompanied")).to_have_text("1")
    assert board.evaluate("window.__not_reloaded") is True
    board.screenshot(path=str(ARTIFACTS / "desk-tableau-de-bord.png"), full_page=True)

    # The dossier's timeline, across the three services, shows each entry.
    page.reload()
    timeline = page.locator("section[aria-labelledby=h-historique]")
    for entry in (
        "Premier accueil",
        "Événement du dossier",
        "Entrée en programme",
        "Allocation demandée",
        "Contrat signé",
    ):
        expect(timeline).to_contain_text(entry, timeout=20_000)
    expect(timeline.locator("tbody tr")).to_have_count(5)  # the double click recorded one welcome
    audited(page, "dossier")


def test_a_director_erases_the_personal_data_of_a_closed_dossier_after_confirming(desk, browser):
    ml, director, headers = signed_in("E", Role.DIRECTOR, "directrice-1")
    last_name = f"Efface{uuid.uuid4().hex[:4]}"
    jeune = welcomed(desk, ml, headers, last_name)
    page = auditable_page(browser)
    page.goto(f"{desk}/desk/?token={director}#/jeune/{jeune}")
    expect(page.locator("h1")).to_have_text(f"Maëlys {last_name.upper()}")
    expect(page.get_by_role("link", name="Effacer les données personnelles")).to_have_count(0)  # open dossier

    page.get_by_role("link", name="Clore le dossier").click()
    field(page, "Motif *").select_option("autonomous")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text(f"Maëlys {last_name.upper()}")
    page.get_by_role("link", name="Effacer les données personnelles").click()
    expect(page.locator(".warning")).to_contain_text("illisibles partout, définitivement")
    field(page, "Motif *").select_option("youth_request")
    audited(page, "effacement")
    page.get_by_role("button", name="Effacer définitivement").click()  # not confirmed: nothing sent
    expect(page.locator("#status")).to_have_text("Cochez la confirmation pour effacer.")
    expect(page.get_by_label("Je confirme l'effacement définitif")).to_be_focused()
    page.get_by_label("Je confirme l'effacement définitif").check()
    page.get_by_role("button", name="Effacer définitivement").click()
    expect(page.locator("h1")).to_contain_text("données personnelles effacées")
    expect(page.locator("main")).not_to_contain_text(last_name.upper())
    page.goto(f"{desk}/desk/#/")
    page.get_by_label("Nom ou prénom du jeune").fill(last_name)
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_contain_text("Aucun jeune de ce nom")  # out of the name index too


def test_a_counselor_gets_no_director_screen(desk, browser):
    ml = f"ML-C{uuid.uuid4().hex[:6].upper()}"
    counselor = issue_token(get_settings(), sub="conseiller-2", role=Role.COUNSELOR, ml_ids=[ml])
    page = browser.new_page(locale="fr-FR")
    page.goto(f"{desk}/desk/?token={counselor}#/objectifs")
    expect(page.locator("h1")).to_have_text("Rechercher un jeune")  # the objectives are a director's
    expect(page.get_by_role("link", name="Objectifs de l'année")).to_be_hidden()


def test_identifiers_are_picked_and_the_profile_is_corrected_from_what_is_recorded(desk, browser):
    """A workshop's second attendee joins the first one's session, a contract is taken from its
    offer (its employer, type and sector filled in), and the profile form starts from the dossier:
    only what the counselor changes is recorded."""
    ml, counselor, headers = signed_in("P", Role.COUNSELOR, "conseiller-3")
    first, second = (welcomed(desk, ml, headers, f"Atelier{n}") for n in ("un", "deux"))
    employer_name = f"Boulangerie {uuid.uuid4().hex[:4]}"
    employer = httpx.post(
        f"{desk}/employment/v1/{ml}/employers",
        json={"name": employer_name, "sector": "D", "size_band": "0-9", "commune_insee": "10387"},
        headers=headers,
    ).json()["id"]
    offer = httpx.post(
        f"{desk}/employment/v1/{ml}/offers",
        json={"employer_id": employer, "sector": "D", "contract_type": "CDD", "positions": 2, "commune_insee": "10387"},
        headers=headers,
    ).json()["id"]
    page = auditable_page(browser)
    page.goto(f"{desk}/desk/?token={counselor}#/jeune/{first}/evenement")

    # The first attendee opens a new session; an individual event asks for none.
    expect(page.locator("h1")).to_have_text("Événement du dossier")
    session = page.locator("[data-field=session_id]")
    expect(session).to_be_hidden()
    field(page, "Nature *").select_option("workshop")
    expect(session).to_be_visible()
    field(page, "Modalité *").select_option("on_site")
    page.get_by_label("Emploi", exact=True).check()
    field(page, "Séance collective").select_option(label="Nouvelle séance (premier participant)")
    audited(page, "evenement-atelier")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text("Maëlys ATELIERUN")

    # The second attendee picks it from the recent sessions.
    page.goto(f"{desk}/desk/#/jeune/{second}/evenement")
    field(page, "Nature *").select_option("workshop")
    field(page, "Modalité *").select_option("on_site")
    page.get_by_label("Emploi", exact=True).check()
    picked = page.locator("[data-field=session_id] option", has_text="1 participant")
    expect(picked).to_have_count(1)
    field(page, "Séance collective").select_option(picked.get_attribute("value"))
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text("Maëlys ATELIERDEUX")
    [held] = httpx.get(f"{desk}/intake/v1/{ml}/sessions", headers=headers).json()
    assert (held["nature"], held["attendees"]) == ("workshop", 2)

    # A contract taken from the offer: its employer, type and sector are filled in.
    page.goto(f"{desk}/desk/#/jeune/{first}/contrat")
    expect(page.locator("h1")).to_have_text("Contrat signé")
    offer_option = page.locator("[data-field=offer_id] option", has_text=employer_name)
    field(page, "Offre").select_option(offer_option.get_attribute("value"))
    expect(field(page, "Employeur")).to_have_value(employer)
    expect(field(page, "Type de contrat *")).to_have_value("CDD")
    expect(field(page, "Secteur (domaine ROME) *")).to_have_value("D")
    today = date.today()
    field(page, "Date de début *").fill(today.strftime("%d/%m/%Y"))
    field(page, "Date de fin").fill((today + timedelta(days=180)).strftime("%d/%m/%Y"))
    field(page, "Heures par semaine *").fill("35")
    audited(page, "contrat-offre")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("section[aria-labelledby=h-situations]")).to_contain_text(employer_name, timeout=40_000)
    [signed] = httpx.get(f"{desk}/employment/v1/{ml}/youths/{first}/situations", headers=headers).json()
    assert (signed["details"]["employer_id"], signed["details"]["offer_id"]) == (employer, offer)

    # The profile form shows what is recorded; saved unchanged, it records nothing.
    page.get_by_role("link", name="Modifier le profil").click()
    expect(field(page, "Commune (code INSEE)")).to_have_value("10387")
    expect(field(page, "Logement")).to_have_value("hosted")
    expect(field(page, "Date de naissance")).to_have_value("12/03/2005")
    expect(field(page, "Courriel")).to_have_value("atelierun@example.org")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".progress")).to_have_text("Aucune modification à enregistrer.")
    field(page, "Logement").select_option("own")
    audited(page, "profil")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text("Maëlys ATELIERUN")
    dossier = httpx.get(f"{desk}/intake/v1/{ml}/youths/{first}", headers=headers).json()
    assert dossier["profile"]["housing"] == "own" and dossier["profile"]["commune_insee"] == "10387"
    updated = [t for t in dossier["timeline"] if t["event_type"] == "intake.ProfileUpdated"]
    assert [u["payload"]["profile"] for u in updated] == [{"housing": "own"}]


def test_employers_offers_referrals_and_a_recruitment_session_through_the_screens(desk, browser):
    ml, counselor, headers = signed_in("O", Role.COUNSELOR, "conseiller-4")
    last_name = f"Candidat{uuid.uuid4().hex[:4]}"
    jeune = welcomed(desk, ml, headers, last_name)
    page = auditable_page(browser)
    page.goto(f"{desk}/desk/?token={counselor}#/entreprises")
    expect(page.locator("h1")).to_have_text("Entreprises et offres")
    expect(page.locator("main")).to_contain_text("Aucune offre.")

    # An employer, then an offer received from its row (the employer already chosen).
    page.get_by_role("link", name="Enregistrer un employeur").click()
    field(page, "Nom *").fill("Boulangerie du Marché")
    field(page, "Secteur (domaine ROME) *").select_option("D")
    field(page, "Effectif *").select_option("0-9")
    field(page, "Commune (code INSEE) *").fill("10387")
    audited(page, "employeur")
    page.get_by_role("button", name="Enregistrer").click()
    employers = page.locator("section[aria-labelledby=h-employeurs]")
    expect(employers).to_contain_text("Boulangerie du Marché")
    employers.get_by_role("link", name="Recevoir une offre").click()
    expect(page.locator("h1")).to_have_text("Recevoir une offre d'emploi")
    expect(field(page, "Employeur *")).not_to_have_value("")
    field(page, "Type de contrat *").select_option("CDD")
    field(page, "Secteur (domaine ROME) *").select_option("D")
    field(page, "Postes *").fill("1")
    field(page, "Commune (code INSEE) *").fill("10387")
    page.get_by_role("button", name="Enregistrer").click()
    offers = page.locator("section[aria-labelledby=h-offres]")
    expect(offers).to_contain_text("Ouverte")

    # The young person referred to it from the dossier, then hired: the outcome from the timeline.
    page.goto(f"{desk}/desk/#/jeune/{jeune}")
    page.get_by_role("link", name="Mise en relation avec une offre").click()
    expect(page.locator("main")).to_contain_text("Boulangerie du Marché")
    page.get_by_role("link", name="Choisir cette offre").click()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text(f"Maëlys {last_name.upper()}")
    outcome = page.get_by_role("link", name="Résultat de la mise en relation")
    for _ in range(40):  # the timeline is reporting's: it learns of the referral through Kafka
        if outcome.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    outcome.click()
    field(page, "Résultat *").select_option("hired")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text(f"Maëlys {last_name.upper()}")

    # A collective recruitment session: its employers ticked, its participants found by name.
    page.goto(f"{desk}/desk/#/entreprises/recrutement")
    expect(page.locator("h1")).to_have_text("Session de recrutement collectif")
    page.get_by_label("Boulangerie du Marché (10387)").check()
    field(page, "Secteur (domaine ROME) *").select_option("D")
    field(page, "Date *").fill(date.today().strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Enregistrer").click()  # nobody added yet: said beside the field
    expect(page.locator("[data-field=participants] .error")).not_to_be_empty()
    field(page, "Participants *").fill(last_name)
    page.keyboard.press("Enter")
    page.get_by_role("button", name=f"Ajouter Maëlys {last_name.upper()}", exact=False).click()
    expect(page.locator(".picked")).to_contain_text(last_name.upper())
    audited(page, "recrutement")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#status")).to_contain_text("Enregistré.")

    # The offer shows its referral and its hire; closed as filled.
    expect(offers).to_contain_text("Boulangerie du Marché")
    row = offers.locator("tbody tr").first
    expect(row.locator("td").nth(5)).to_have_text("1")
    expect(row.locator("td").nth(6)).to_have_text("1")
    audited(page, "entreprises")
    row.get_by_role("link", name="Clore l'offre").click()
    field(page, "Résultat *").select_option("filled")
    page.get_by_role("button", name="Enregistrer").click()
    expect(offers.locator("tbody tr").first).to_contain_text("Pourvue")
    timeline = httpx.get(f"{desk}/v1/{ml}/youths/{jeune}/timeline", headers=headers).json()
    outcomes = [e["payload"]["outcome"] for e in timeline if e["event_type"] == "employment.ReferralOutcomeRecorded"]
    assert outcomes == ["hired"]


def test_an_expired_session_keeps_the_form_and_takes_the_new_sign_in_from_another_tab(desk, browser):
    ml, _, headers = signed_in("S", Role.COUNSELOR, "conseiller-5")
    jeune = welcomed(desk, ml, headers, f"Session{uuid.uuid4().hex[:4]}")
    short = issue_token(get_settings(), sub="conseiller-5", role=Role.COUNSELOR, ml_ids=[ml], ttl_seconds=3)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{desk}/desk/?token={short}#/jeune/{jeune}/evenement")
    expect(page.locator("h1")).to_have_text("Événement du dossier")
    field(page, "Nature *").select_option("phone")
    field(page, "Modalité *").select_option("remote")
    field(page, "Durée (minutes)").fill("15")
    page.wait_for_timeout(4_000)  # the token runs out while the counselor types
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#status")).to_contain_text("Session expirée")
    expect(field(page, "Durée (minutes)")).to_have_value("15")  # nothing typed is lost

    colleague = issue_token(get_settings(), sub="conseiller-6", role=Role.COUNSELOR, ml_ids=[ml])
    context.new_page().goto(f"{desk}/desk/?token={colleague}")  # someone else signs in beside: not taken
    page.wait_for_timeout(500)
    expect(page.locator("#status")).to_contain_text("Session expirée")
    fresh = issue_token(get_settings(), sub="conseiller-5", role=Role.COUNSELOR, ml_ids=[ml])
    context.new_page().goto(f"{desk}/desk/?token={fresh}")  # the sign-in link again, in another tab
    expect(page.locator("#status")).to_have_text("Session renouvelée : vous pouvez enregistrer à nouveau.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_contain_text("SESSION")
    events = httpx.get(f"{desk}/intake/v1/{ml}/youths/{jeune}", headers=headers).json()["timeline"]
    assert [e["payload"].get("nature") for e in events] == ["individual_interview", "phone"]


def posted(url: str, body: dict, headers: dict) -> str:
    """A command sent until the service knows the young person (it learns of a welcome by Kafka)."""
    for _ in range(60):
        r = httpx.post(url, json=body, headers=headers)
        if r.status_code == 201:
            return r.json()["id"]
        assert r.status_code == 422 and r.json()["type"].endswith("/youth-unknown"), r.text
        time.sleep(0.5)
    raise AssertionError(f"{url} never knew the young person")


def test_an_allowance_paid_and_an_aid_cancelled_from_the_dossier(desk, browser):
    ml, counselor, headers = signed_in("A", Role.COUNSELOR, "conseiller-7")
    last_name = f"Versement{uuid.uuid4().hex[:4]}"
    jeune = welcomed(desk, ml, headers, last_name)
    base = f"{desk}/dispositifs/v1/{ml}"
    month = date.today().strftime("%Y-%m")
    enrolment = posted(
        f"{base}/youths/{jeune}/programmes", {"programme": "PACEA", "start_date": str(date.today())}, headers
    )
    posted(f"{base}/enrolments/{enrolment}/allowances", {"month": month, "amount_cents": 20_000}, headers)
    posted(f"{base}/youths/{jeune}/aids", {"kind": "faj", "amount_cents": 10_000, "funder": "departement"}, headers)
    page = auditable_page(browser)
    page.goto(f"{desk}/desk/?token={counselor}#/jeune/{jeune}")

    programmes = page.locator("section[aria-labelledby=h-programmes]")
    programmes.get_by_role("link", name="Versement").click()
    expect(page.locator("h1")).to_have_text("Enregistrer le versement d'une allocation")
    audited(page, "versement")
    page.get_by_role("button", name="Enregistrer").click()  # the amount requested, by default
    expect(programmes).to_contain_text(f"{month} : 200,00 € (versée)")

    timeline = page.locator("section[aria-labelledby=h-historique]")
    aid = timeline.locator("tr", has_text="Aide financière")
    for _ in range(40):  # the timeline is reporting's: it learns of the aid through Kafka
        if aid.get_by_role("link", name="Annuler (erreur)").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    aid.get_by_role("link", name="Annuler (erreur)").click()
    expect(page.locator("h1")).to_have_text("Annuler une aide saisie par erreur")
    field(page, "Motif *").select_option("entry_error")
    page.get_by_role("button", name="Enregistrer").click()
    for _ in range(40):
        if "annulé" in aid.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(aid).to_contain_text("annulé")


def test_a_long_list_of_employers_is_typed_with_completion_and_filtered(desk, browser):
    """Past thirty employers a picker is a text with completion, and the employers' table has a
    filter: a Mission Locale works with hundreds of them."""
    ml, counselor, headers = signed_in("L", Role.COUNSELOR, "conseiller-8")
    jeune = welcomed(desk, ml, headers, f"Longue{uuid.uuid4().hex[:4]}")
    ids = {}
    for n in range(1, 33):
        body = {"name": f"Entreprise {n:02d}", "sector": "N", "size_band": "0-9", "commune_insee": "10387"}
        ids[n] = httpx.post(f"{desk}/employment/v1/{ml}/employers", json=body, headers=headers).json()["id"]
    page = auditable_page(browser)
    page.goto(f"{desk}/desk/?token={counselor}#/entreprises")
    employers = page.locator("section[aria-labelledby=h-employeurs]")
    expect(employers.locator("tbody tr")).to_have_count(32)
    page.get_by_label("Filtrer les employeurs").fill("entreprise 07")
    expect(employers.locator("tbody tr:visible")).to_have_count(1)
    expect(employers.locator("tbody tr:visible")).to_contain_text("Entreprise 07")

    page.goto(f"{desk}/desk/#/jeune/{jeune}/immersion")
    expect(page.locator("h1")).to_have_text("Immersion en entreprise (PMSMP)")
    employer = field(page, "Employeur *")
    expect(employer).to_have_attribute("list", re.compile(".+"))
    today = date.today()
    field(page, "Date de début *").fill(today.strftime("%d/%m/%Y"))
    field(page, "Date de fin *").fill((today + timedelta(days=10)).strftime("%d/%m/%Y"))
    field(page, "Objectif *").select_option("discover")
    employer.fill("Entreprise inconnue")
    page.get_by_role("button", name="Enregistrer").click()  # not one of the list: said, nothing sent
    expect(page.locator("[data-field=employer_id] .error")).to_have_text("Choisissez dans la liste proposée.")
    employer.fill("Entreprise 12 (10387)")
    audited(page, "immersion-employeurs")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("section[aria-labelledby=h-situations]")).to_contain_text("Entreprise 12", timeout=40_000)
    [started] = httpx.get(f"{desk}/employment/v1/{ml}/youths/{jeune}/situations", headers=headers).json()
    assert started["details"]["employer_id"] == ids[12]


def test_a_workshop_s_attendance_sheet_adds_those_who_came(desk, browser):
    """The first attendee's event opens the session; the others are added from its sheet, each
    dossier getting the same event (nature, mode, themes, duration, time)."""
    ml, counselor, headers = signed_in("W", Role.COUNSELOR, "conseiller-9")
    names = [f"Feuille{n}{uuid.uuid4().hex[:3]}" for n in ("a", "b", "c")]
    youths = [welcomed(desk, ml, headers, name) for name in names]
    session = str(uuid.uuid4())
    first = {"nature": "workshop", "mode": "on_site", "themes": ["employment"], "session_id": session}
    first["duration_minutes"] = 90
    assert (
        httpx.post(f"{desk}/intake/v1/{ml}/youths/{youths[0]}/events", json=first, headers=headers).status_code == 201
    )

    page = auditable_page(browser)
    page.goto(f"{desk}/desk/?token={counselor}#/seances")
    expect(page.locator("h1")).to_have_text("Séances collectives")
    page.get_by_role("link", name="Feuille de présence").click()
    present = page.locator("section[aria-labelledby=h-presents]")
    expect(present.locator("tbody tr")).to_have_count(1)
    expect(present).to_contain_text(names[0].upper())
    for name in names[1:]:
        field(page, "Participants à ajouter").fill(name)
        page.keyboard.press("Enter")
        page.get_by_role("button", name=f"Ajouter Maëlys {name.upper()}", exact=False).click()
    audited(page, "feuille-de-presence")
    page.get_by_role("button", name="Ajouter à la séance").click()
    expect(page.locator("#status")).to_have_text("Participants ajoutés à la séance.")
    expect(present.locator("tbody tr")).to_have_count(3)

    sheet = httpx.get(f"{desk}/intake/v1/{ml}/sessions/{session}", headers=headers).json()
    assert sorted(a["last_name"] for a in sheet["attendees_list"]) == sorted(names)
    started = next(a for a in sheet["attendees_list"] if a["jeune_id"] == youths[0])["occurred_at"]
    for jeune in youths[1:]:
        [event] = [
            e
            for e in httpx.get(f"{desk}/intake/v1/{ml}/youths/{jeune}", headers=headers).json()["timeline"]
            if e["event_type"] == "intake.DossierEventRecorded"
        ]
        assert {k: event["payload"][k] for k in ("nature", "mode", "themes", "session_id", "duration_minutes")} == {
            **first,
            "session_id": session,
        }
        assert datetime.fromisoformat(event["occurred_at"]) == datetime.fromisoformat(started)


def test_the_event_form_lists_many_recent_sessions_latest_first(desk, browser):
    """A busy month has more sessions than a picker completes by name: they stay a list, told by
    their time, and the form opens as usual (it once failed past thirty)."""
    ml, counselor, headers = signed_in("M", Role.COUNSELOR, "conseiller-10")
    jeune = welcomed(desk, ml, headers, f"Seances{uuid.uuid4().hex[:4]}")
    workshop = {"nature": "workshop", "mode": "on_site", "themes": ["employment"]}
    for _ in range(32):
        body = workshop | {"session_id": str(uuid.uuid4())}
        assert httpx.post(f"{desk}/intake/v1/{ml}/youths/{jeune}/events", json=body, headers=headers).status_code == 201
    page = auditable_page(browser)
    page.goto(f"{desk}/desk/?token={counselor}#/jeune/{jeune}/evenement")
    expect(field(page, "Nature *")).to_be_focused()
    field(page, "Nature *").select_option("workshop")
    sessions = page.locator("select[name=session_id] option")
    expect(sessions).to_have_count(34)  # none, a new one, and the 32
    field(page, "Nature *").select_option("phone")
    expect(page.locator("[data-field=session_id]")).to_be_hidden()
