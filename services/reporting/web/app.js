// Relais dashboard: draws the indicator document (GET /v1/indicators) and redraws it on every
// Server-Sent Event of /v1/indicators/stream. The token comes from the URL (?token=...) once and
// is kept for the tab's session. A view (the network, one Mission Locale, one commune) is a list
// of sections; the page is built once per view, then each new document only refills it.
"use strict";

const params = new URLSearchParams(location.search);
if (params.get("token")) {
  sessionStorage.setItem("relais-token", params.get("token"));
  // Out of the address bar at once: it would stay in the history, bookmarks and screenshots.
  params.delete("token");
  history.replaceState(null, "", params.size ? `?${params}` : location.pathname);
}
const token = sessionStorage.getItem("relais-token") || "";
// JSON documents are fetched with the token in a header; only the live stream and the
// spreadsheet link (which cannot send headers) carry it in their address.
const withToken = { headers: { Authorization: `Bearer ${token}` } };
const euros = (cents) => new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(cents / 100);
const pct = (rate) => rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1).replace(".", ",")} %`;

// Names of the Missions Locales, their communes and sites come from the network directory
// (GET /v1/directory); a code it does not name is shown as it is.
const directory = { mls: {}, places: { unknown: "Commune inconnue" } };
const communeName = (code) => directory.places[code] && code !== "unknown" ? `${directory.places[code]} (${code})` : directory.places[code] || code;
const mlName = (code) => directory.mls[code] || code;
async function loadDirectory() {
  const response = await fetch("/v1/directory", withToken).catch(() => null);
  if (!response || !response.ok) return;
  const d = await response.json();
  for (const [code, ml] of Object.entries(d.missions_locales)) {
    directory.mls[code] = ml.name;
    Object.assign(directory.places, ml.communes, ml.sites);
  }
}
// Labels come from the catalogue of figures (GET /v1/catalogue), the one definition the
// spreadsheet and the reports share; the key itself stands in until it has arrived.
const catalogue = { figures: {}, values: {} };
const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const label = (key) => capital(catalogue.values[key] || key);
const named = (key) => catalogue.figures[key] || key;
async function loadCatalogue() {
  const response = await fetch("/v1/catalogue", withToken).catch(() => null);
  if (!response || !response.ok) return;
  const c = await response.json();
  c.figures.forEach((f) => { catalogue.figures[f.key] = f.label; });
  Object.assign(catalogue.values, c.value_labels);
}
const state = { ml: params.get("ml") || null, commune: params.get("commune") || null, view: null, source: null };
const year = params.get("year") || String(new Date().getFullYear());
$("from").value = params.get("from") || `${year}-01-01`;
$("to").value = params.get("to") || `${year}-12-31`;
$("asof").value = params.get("as_of") ? params.get("as_of").slice(0, 16) : "";

// ---- The views: what each page shows, computed from one document ----

// Rows of a figure from {key: value-object} entries, columns from [label, field, format, plot].
function figure(id, caption, entries, columns, options = {}) {
  return { id, caption, type: "bar", ...options,
    rows: entries.map(([key]) => ({ key, label: options.link === "commune" ? communeName(key) : options.link === "ml" ? mlName(key) : label(key) })),
    columns: columns.map(([name, field, format, plot = true]) => ({ label: name, format, plot,
      values: entries.map(([, v]) => (typeof field === "function" ? field(v) : v[field])) })) };
}

// "L'année 2023 en chiffres", as the activity reports say, when the period is a calendar year.
function periodTitle() {
  const [from, to] = [$("from").value, $("to").value];
  const y = from.slice(0, 4);
  return from === `${y}-01-01` && to === `${y}-12-31` ? `L'année ${y} en chiffres` : "Les chiffres clés";
}

function keyFigures(f, who) {
  return { id: "key", title: `${periodTitle()} — ${esc(who)}`, cards: [
    ["first_welcomes", named("first_welcomes"), fmt.format(f.first_welcomes)],
    ["accompanied", named("accompanied"), fmt.format(f.accompanied)],
    ["individual_interviews", named("individual_interviews"), fmt.format(f.individual_interviews)],
    ["workshop_participations", named("workshop_participations"), fmt.format(f.workshop_participations)],
    ["situation_entries", named("situation_entries"), fmt.format(f.situation_entries)],
    ["situation_rate", "des accompagnés en situation", pct(f.situation_rate)]] };
}

function networkView(doc) {
  const all = Object.entries(doc.by_ml || {});
  const active = all.filter(([, d]) => d.indicators.accompanied + d.indicators.first_welcomes + d.indicators.situation_entries > 0)
    .map(([ml, d]) => [ml, d.indicators]).sort((a, b) => b[1].accompanied - a[1].accompanied || a[0].localeCompare(b[0]));
  const entries = (p) => (i) => p.reduce((n, name) => n + i.programmes[name].entries, 0);
  const idle = all.length - active.length;
  return { title: "Le réseau des Missions Locales", sections: [keyFigures(doc.indicators, "Le réseau"), {
    id: "mls", title: "Les Missions Locales côte à côte",
    note: idle > 0 ? `${idle} autre(s) Mission(s) Locale(s) sans activité sur la période.` : "",
    figures: [figure("mls", "Jeunes accompagnés et premiers accueils, par Mission Locale (classées par nombre d'accompagnés)", active, [
      ["Accompagnés", "accompanied"], ["Premiers accueils", "first_welcomes"], ["Taux de situation", "situation_rate", pct, false],
      ["Entrées CEJ", entries(["CEJ", "CEJ_JR"]), undefined, false], ["Entrées PACEA", entries(["PACEA"]), undefined, false]],
    { horizontal: true, link: "ml", openTable: true, rowHeader: "Mission Locale" })] }] };
}

function communeSection(f) {
  const c = f.by_commune[state.commune] || { first_welcomes: 0, accompanied: 0, accompanied_with_situation: 0, situation_rate: null };
  return { id: "commune", title: `${esc(communeName(state.commune))} <button class="link" data-commune="">(toutes les communes)</button>`, cards: [
    ["commune_first_welcomes", "jeunes en premier accueil", fmt.format(c.first_welcomes)],
    ["commune_accompanied", "jeunes accompagnés", fmt.format(c.accompanied)],
    ["commune_with_situation", "accompagnés entrés en situation", fmt.format(c.accompanied_with_situation)],
    ["commune_rate", "taux de situation", pct(c.situation_rate)]] };
}

function missionLocaleView(doc) {
  const f = doc.indicators;
  const p = f.profile_of_accompanied;
  const communes = Object.entries(f.by_commune).sort((a, b) => b[1].accompanied - a[1].accompanied || a[0].localeCompare(b[0]));
  const programmes = Object.entries(f.programmes).filter(([, v]) => v.entries || v.active_youths || v.exits);
  const count = (v) => v;
  return { title: mlName(state.ml), sections: [
    keyFigures(f, mlName(state.ml)),
    ...(state.commune ? [communeSection(f)] : []),
    { id: "communes", title: "Les jeunes de nos villes", figures: [figure("communes", "Par commune de résidence (choisir une commune pour le détail)", communes,
      [["Accompagnés", "accompanied"], ["Premiers accueils", "first_welcomes"], ["Taux de situation", "situation_rate", pct, false]],
      { horizontal: true, link: "commune", openTable: true, rowHeader: "Commune" })] },
    { id: "profile", title: "Typologie des jeunes accompagnés", cards: [
      ["minors", named("profile_of_accompanied.minors"), fmt.format(p.minors)], ["no_diploma", named("profile_of_accompanied.no_diploma"), fmt.format(p.no_diploma)],
      ["qpv", named("profile_of_accompanied.qpv"), fmt.format(p.qpv)], ["zrr", named("profile_of_accompanied.zrr"), fmt.format(p.zrr)],
      ["rqth", "reconnus travailleurs handicapés (RQTH)", fmt.format(p.rqth)], ["no_driving_licence", "sans permis de conduire", fmt.format(p.no_driving_licence)]],
      figures: [figure("age", "Par âge", Object.entries(p.age_band), [["Jeunes", count]], { rowHeader: "Âge" }),
        figure("sex", "Par sexe", Object.entries(p.sex), [["Jeunes", count]], { type: "doughnut", rowHeader: "Sexe" }),
        figure("level", "Par niveau de formation", Object.entries(p.education_level), [["Jeunes", count]], { rowHeader: "Niveau" })] },
    { id: "employment", title: "L'emploi", cards: [
      ["employment_contracts", named("employment_contracts"), fmt.format(f.employment_contracts)], ["job_contracts", "dont contrats hors alternance", fmt.format(f.job_contracts)], ["youths_in_employment", named("youths_in_employment"), fmt.format(f.youths_in_employment)],
      ["alternance_contracts", named("alternance_contracts"), fmt.format(f.alternance_contracts)], ["youths_in_alternance", named("youths_in_alternance"), fmt.format(f.youths_in_alternance)],
      ["durable_contracts", named("durable_contracts"), fmt.format(f.durable_contracts)], ["durable_rate", named("durable_rate"), pct(f.durable_rate)],
      ["immersions", named("immersions"), fmt.format(f.immersions)], ["immersion_youths", named("immersion_youths"), fmt.format(f.immersion_youths)],
      ["offers_received", named("offers.received"), fmt.format(f.offers.received)], ["offer_referrals", named("offers.referrals"), fmt.format(f.offers.referrals)],
      ["referred_youths", named("offers.referred_youths"), fmt.format(f.offers.referred_youths)],
      ["hires", named("offers.hires"), fmt.format(f.offers.hires)], ["employers", named("offers.employers"), fmt.format(f.offers.employers)]],
      figures: [figure("kinds", "Entrées en situation par nature", Object.entries(f.situation_entries_by_kind), [["Entrées", count]], { type: "doughnut", rowHeader: "Nature" })] },
    { id: "training", title: "La formation", cards: [
      ["training_entries", named("training_entries"), fmt.format(f.training_entries)], ["training_youths", named("training_youths"), fmt.format(f.training_youths)],
      ["schooling", "retours en scolarité", fmt.format(f.situation_entries_by_kind.schooling)]] },
    { id: "programmes", title: "Les dispositifs", figures: [figure("programmes", "Programmes : entrées sur la période, jeunes suivis, sorties", programmes, [
      ["Entrées", "entries"], ["Jeunes suivis", "active_youths"], ["Objectif de l'année", "objective", (v) => v === null || v === undefined ? "—" : fmt.format(v), false],
      ["Sorties", "exits", undefined, false],
      ["Sorties positives", "positive_exits", undefined, false], ["Jeunes concernés par une allocation", "allowance_requested_youths", undefined, false],
      ["Allocations versées", "allowance_paid_cents", euros, false]], { rowHeader: "Programme" })] },
    { id: "social", title: "L'accompagnement social", figures: [
      figure("aids", "Aides financières", Object.entries(f.financial_aids), [["Aides", "count"], ["Jeunes", "youths", undefined, false], ["Montant", "amount_cents", euros, false]], { rowHeader: "Aide" }),
      figure("referrals", "Orientations vers les partenaires", Object.entries(f.social_referrals), [["Orientations", "count"], ["Jeunes", "youths", undefined, false]], { rowHeader: "Domaine" })] },
  ] };
}

// ---- Drawing: the skeleton once per view, then the figures of each new document ----

function skeleton(s) {
  return `<section aria-labelledby="h-${s.id}"><h2 id="h-${s.id}">${s.title}</h2>
    ${s.cards ? `<div class="cards" data-cards="${s.id}"></div>` : ""}
    ${(s.figures || []).length ? `<div class="figures">${s.figures.map(figureSkeleton).join("")}</div>` : ""}
    ${s.note !== undefined ? `<p class="note" data-note="${s.id}"></p>` : ""}</section>`;
}

function card([key, text, value]) {
  return `<div class="card" data-key="${key}"><div class="value">${value}</div><div class="label">${text}</div></div>`;
}

function show(doc, status) {
  const view = state.ml ? missionLocaleView(doc) : networkView(doc);
  const viewKey = `${state.ml}|${state.commune}`;
  const focused = document.activeElement && document.activeElement.closest("[data-ml],[data-commune]");
  const refocus = focused && (focused.dataset.ml !== undefined ? `[data-ml="${CSS.escape(focused.dataset.ml)}"]` : `[data-commune="${CSS.escape(focused.dataset.commune)}"]`);
  const before = new Map([...document.querySelectorAll(".card")].map((c) => [c.dataset.key, c.textContent]));
  if (state.view !== viewKey) {
    forgetCharts();
    $("main").innerHTML = view.sections.map(skeleton).join("");
    $("title").textContent = view.title;
    document.title = `${view.title} — Relais`;
    state.view = viewKey;
  }
  for (const s of view.sections) {
    if (s.cards) document.querySelector(`[data-cards="${s.id}"]`).innerHTML = s.cards.map(card).join("");
    if (s.note !== undefined) document.querySelector(`[data-note="${s.id}"]`).textContent = s.note;
    (s.figures || []).forEach((f) => fillFigure(f, (key) => navigate(f.link === "ml" ? key : state.ml, f.link === "commune" ? key : null)));
  }
  document.querySelectorAll(".card").forEach((c) => {  // make the figures that changed visible
    if (before.has(c.dataset.key) && before.get(c.dataset.key) !== c.textContent) c.classList.add("changed");
  });
  if (refocus && document.querySelector(refocus)) document.querySelector(refocus).focus();
  $("updated").textContent = status;
}

// ---- Where the documents come from ----

function query(extra = {}) {
  const q = new URLSearchParams({ from: $("from").value, to: $("to").value, ...extra });
  if (state.ml) q.set("ml_id", state.ml);
  return q;
}

function queryWithToken(extra = {}) {
  const q = query(extra);
  q.set("access_token", token);
  return q;
}

function navigate(ml, commune = null) {
  state.ml = ml; state.commune = commune;
  const q = new URLSearchParams(location.search);
  q.delete("token");
  ml ? q.set("ml", ml) : q.delete("ml");
  commune ? q.set("commune", commune) : q.delete("commune");
  history.pushState(null, "", `?${q}`);
  connect();
}

function connect() {
  if (state.source) { state.source.close(); state.source = null; }
  const asOf = $("asof").value;
  // The same figures for a spreadsheet: one row per figure and Mission Locale (CSV).
  $("csv").href = `/v1/indicators.csv?${queryWithToken(asOf ? { as_of: new Date(asOf).toISOString() } : {})}`;
  if (asOf) {  // figures as known at an instant: a fixed answer, no live stream
    $("status").textContent = `Chiffres connus au ${new Date(asOf).toLocaleString("fr-FR")}`;
    fetch(`/v1/indicators?${query({ as_of: new Date(asOf).toISOString() })}`, withToken).then(answer).then((doc) => show(doc, ""));
    return;
  }
  $("status").textContent = "Connexion au flux en direct…";
  state.source = new EventSource(`/v1/indicators/stream?${queryWithToken()}`);
  state.source.addEventListener("expired", () => {  // the token ran out: the server closed the stream
    state.source.close();
    state.source = null;
    $("status").textContent = "Session expirée : rouvrez l'adresse du tableau de bord (relais up, ou votre portail) pour un nouveau jeton.";
  });
  state.source.addEventListener("indicators", (e) => {
    $("status").textContent = "En direct";
    show(JSON.parse(e.data), `mis à jour à ${new Date().toLocaleTimeString("fr-FR")}`);
  });
  state.source.onerror = () => { $("status").textContent = "Flux interrompu, reconnexion…"; explainFailure(); };
}

// EventSource hides the status of a refused connection and retries for ever: ask once more to
// tell an expired or insufficient token (the user must act) from a network blip (it retries).
async function explainFailure() {
  const source = state.source;
  const response = await fetch(`/v1/indicators?${query()}`, withToken).catch(() => null);
  if (response && (response.status === 401 || response.status === 403) && source === state.source) {
    source.close();
    state.source = null;
    const problem = await response.json().catch(() => ({}));
    $("status").textContent = response.status === 401
      ? "Session expirée : rouvrez l'adresse du tableau de bord (relais up, ou votre portail) pour un nouveau jeton."
      : problem.detail || "Ce jeton ne permet pas de voir ces chiffres.";
  }
}

async function answer(response) {
  if (!response.ok) { const p = await response.json(); $("status").textContent = p.detail || p.title; throw new Error(p.title); }
  return response.json();
}

document.addEventListener("click", (e) => {
  const t = e.target.closest("[data-ml],[data-commune]");
  if (!t) return;
  if (t.dataset.ml !== undefined) navigate(t.dataset.ml);
  else navigate(state.ml, t.dataset.commune || null);
});
$("home").addEventListener("click", (e) => { e.preventDefault(); navigate(null); });
// A printed (or PDF) report shows every table, and charts at the paper's width.
$("print").addEventListener("click", () => window.print());
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  if (window.Chart) Object.values(Chart.instances).forEach((c) => c.resize());
});
$("period").addEventListener("submit", (e) => { e.preventDefault(); state.view = null; connect(); });
window.addEventListener("popstate", () => { const q = new URLSearchParams(location.search); state.ml = q.get("ml"); state.commune = q.get("commune"); connect(); });
if (!token) { $("status").textContent = "Jeton manquant : ouvrez l'adresse donnée par « relais up » (…/?token=…)."; } else { Promise.all([loadCatalogue(), loadDirectory()]).finally(connect); }
