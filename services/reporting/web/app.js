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
// Dates are typed and shown the French way (jj/mm/aaaa) whatever the browser's language: a date
// input would follow the browser's. The queries carry them as ISO dates.
const frDay = (iso) => (iso ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : "");
function isoDay(text) {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  if (!m) return null;
  const iso = `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
}
function asOfInstant() {  // « jj/mm/aaaa hh:mm », Paris time as the user's clock shows it
  const m = /^\s*(\S+)\s+(\d{1,2}):(\d{2})\s*$/.exec($("asof").value);
  const day = m ? isoDay(m[1]) : null;
  return day ? new Date(`${day}T${m[2].padStart(2, "0")}:${m[3]}:00`) : null;
}
const period = () => ({ from: isoDay($("from").value), to: isoDay($("to").value) });
function shiftYear(iso) {  // the same day a year earlier (29 February → 28 February)
  const y = Number(iso.slice(0, 4)) - 1;
  const md = iso.slice(5) === "02-29" ? "02-28" : iso.slice(5);
  return `${y}-${md}`;
}

const state = { ml: params.get("ml") || null, commune: params.get("commune") || null, view: null, source: null,
  previous: null, monthly: null, monthlyBefore: null, context: null, refreshed: 0 };
const year = params.get("year") || String(new Date().getFullYear());
$("from").value = frDay(params.get("from") || `${year}-01-01`);
$("to").value = frDay(params.get("to") || `${year}-12-31`);
if (params.get("as_of")) {
  const at = new Date(params.get("as_of"));
  $("asof").value = `${frDay(params.get("as_of").slice(0, 10))} ${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
}

// ---- The views: what each page shows, computed from one document ----

function rowLabel(key, options) {
  if (options.link === "commune") return communeName(key);
  if (options.labels === "place") return key === "unknown" ? "Site inconnu" : directory.places[key] || key;
  if (options.link === "ml") return mlName(key);
  if (options.labels === "as-is") return key;
  if (options.labels === "sex") return { F: "Femmes", M: "Hommes", X: "Non précisé" }[key] || key;
  if (options.labels === "rome") return `${key} — ${catalogue.values[`rome.${key}`] || key}`;
  return label(key);
}

// Rows of a figure from {key: value-object} entries, columns from [label, field, format, plot].
// `options.before(indicators)`: the same rows in the N−1 document, for a column « N−1 » beside
// the first (in the table only: the chart keeps the period's own figures).
function figure(id, caption, entries, columns, options = {}) {
  const read = (field, v) => (v === undefined ? 0 : typeof field === "function" ? field(v) : v[field]);
  const earlier = options.before && state.previous ? options.before(state.previous.indicators) || {} : null;
  const [first, ...others] = columns;
  const all = earlier ? [first, [`${first[0]} (N−1)`, (v, key) => read(first[1], earlier[key]), first[2], false, true], ...others] : columns;
  return { id, caption, type: "bar", ...options,
    rows: entries.map(([key]) => ({ key, label: rowLabel(key, options) })),
    columns: all.map(([name, field, format, plot = true, secondary = false]) => ({ label: name, format, plot, secondary,
      values: entries.map(([key, v]) => (typeof field === "function" ? field(v, key) : v[field])) })) };
}

// "L'année 2023 en chiffres", as the activity reports say, when the period is a calendar year.
function periodTitle() {
  const { from, to } = period();
  const y = from.slice(0, 4);
  return from === `${y}-01-01` && to === `${y}-12-31` ? `L'année ${y} en chiffres` : "Les chiffres clés";
}

// A card: [key, label, path in the document's indicators, format, share]. It shows the value,
// the same figure a year earlier (N−1) and the change, as the activity reports do; `share`: the
// path of the whole the value is a part of, shown as a percentage beside the count.
const count = (v) => fmt.format(v ?? 0);
const at = (indicators, path) => path.split(".").reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), indicators);
function change(now, before, format) {
  if (now === null || now === undefined || before === null || before === undefined) return "—";
  if (format === pct) return `${((now - before) * 100).toFixed(1).replace(".", ",").replace("-", "−")} pt`.replace(/^(?!−)/, "+");
  if (before === 0) return "—";
  const p = Math.round(((now - before) / before) * 100);
  return `${p >= 0 ? "+" : "−"}${Math.abs(p)} %`;
}
function card([key, text, path, format = count, share], doc) {
  const value = at(doc.indicators, path);
  const whole = share ? at(doc.indicators, share) : null;
  const part = share ? `<div class="share">soit ${pct(whole ? value / whole : null)}</div>` : "";
  const prev = state.previous && at(state.previous.indicators, path);
  const before = state.previous && prev !== undefined
    ? `<div class="before">N−1 : ${format(prev)} <span class="change">(${change(value, prev, format)})</span></div>` : "";
  return `<div class="card" data-key="${key}"><div class="value">${format(value)}</div><div class="label">${text}</div>${part}${before}</div>`;
}

function keyFigures(who) {
  return { id: "key", title: `${periodTitle()} — ${esc(who)}`, cards: [
    ["first_welcomes", named("first_welcomes"), "first_welcomes"],
    ["accompanied", named("accompanied"), "accompanied"],
    ["individual_interviews", named("individual_interviews"), "individual_interviews"],
    ["workshop_participations", named("workshop_participations"), "workshop_participations"],
    ["situation_entries", named("situation_entries"), "situation_entries"],
    ["situation_rate", "des accompagnés en situation", "situation_rate", pct]] };
}

// « Mois par mois »: the year's monthly series beside the year before's, one chart each.
function monthsSection() {
  const m = state.monthly;
  if (!m) return { id: "months", title: "Mois par mois", note: "" };
  const months = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
  return { id: "months", title: `Mois par mois en ${m.year}`, figures: Object.entries(m.captions).map(([key, caption]) =>
    figure(`month-${key}`, caption, months.map((name, i) => [name, i]), [
      [String(m.year), (i) => m.series[key][i]],
      ...(state.monthlyBefore ? [[String(m.year - 1), (i) => state.monthlyBefore.series[key][i]]] : [])],
    { rowHeader: "Mois", labels: "as-is" })) };
}

// The year's objectives (v2.md, E3) as progress: entries against the target, per programme.
function objectives(f) {
  const set = Object.entries(f.programmes).filter(([, v]) => v.objective !== null && v.objective !== undefined);
  if (!set.length) return `<p class="note">Aucun objectif fixé pour cette année.</p>`;
  return set.map(([p, v]) => `<div class="objective"><span id="objective-${esc(p)}">${esc(label(p))} : ${fmt.format(v.entries)} entrée(s) sur un objectif de ${fmt.format(v.objective)} (${pct(v.objective_rate)})</span>
    <progress aria-labelledby="objective-${esc(p)}" max="${v.objective}" value="${Math.min(v.entries, v.objective)}"></progress></div>`).join("");
}

function networkView(doc) {
  const all = Object.entries(doc.by_ml || {});
  const active = all.filter(([, d]) => d.indicators.accompanied + d.indicators.first_welcomes + d.indicators.situation_entries > 0)
    .map(([ml, d]) => [ml, d.indicators]).sort((a, b) => b[1].accompanied - a[1].accompanied || a[0].localeCompare(b[0]));
  const entries = (p) => (i) => p.reduce((n, name) => n + i.programmes[name].entries, 0);
  const idle = all.length - active.length;
  return { title: "Le réseau des Missions Locales", sections: [keyFigures("Le réseau"), monthsSection(), {
    id: "mls", title: "Les Missions Locales côte à côte",
    note: idle > 0 ? `${idle} autre(s) Mission(s) Locale(s) sans activité sur la période.` : "",
    figures: [figure("mls", "Jeunes accompagnés et premiers accueils, par Mission Locale (classées par nombre d'accompagnés)", active, [
      ["Accompagnés", "accompanied"], ["Premiers accueils", "first_welcomes"], ["Taux de situation", "situation_rate", pct, false],
      ["Entrées CEJ", entries(["CEJ", "CEJ_JR"]), undefined, false], ["Entrées PACEA", entries(["PACEA"]), undefined, false]],
    { horizontal: true, link: "ml", openTable: true, rowHeader: "Mission Locale",
      before: () => Object.fromEntries(Object.entries(state.previous.by_ml || {}).map(([ml, d]) => [ml, d.indicators])) })] },
    { id: "objectives", title: "Les objectifs de l'année", html: () => objectives(doc.indicators) }] };
}

function communeSection() {
  const c = `by_commune.${state.commune}`;
  return { id: "commune", title: `${esc(communeName(state.commune))} <button class="link" data-commune="">(toutes les communes)</button>`, cards: [
    ["commune_first_welcomes", "jeunes en premier accueil", `${c}.first_welcomes`],
    ["commune_accompanied", "jeunes accompagnés", `${c}.accompanied`],
    ["commune_with_situation", "accompagnés entrés en situation", `${c}.accompanied_with_situation`],
    ["commune_rate", "taux de situation", `${c}.situation_rate`, pct]] };
}

const ranked = (o) => Object.entries(o).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const some = (o) => ranked(o).filter(([, v]) => v);

function missionLocaleView(doc) {
  const f = doc.indicators;
  const p = f.profile_of_accompanied;
  const communes = Object.entries(f.by_commune).sort((a, b) => b[1].accompanied - a[1].accompanied || a[0].localeCompare(b[0]));
  const sites = Object.entries(f.by_site).sort((a, b) => b[1].accompanied - a[1].accompanied || a[0].localeCompare(b[0]));
  const programmes = Object.entries(f.programmes).filter(([, v]) => v.entries || v.active_youths || v.exits);
  const counselors = Object.entries(f.counselors).sort((a, b) => b[1].youths - a[1].youths || a[0].localeCompare(b[0]));
  const v = (x) => x;
  const profile = (key, text) => [key, text || named(`profile_of_accompanied.${key}`), `profile_of_accompanied.${key}`, count, "accompanied"];
  return { title: mlName(state.ml), sections: [
    keyFigures(mlName(state.ml)),
    ...(state.commune ? [communeSection()] : []),
    monthsSection(),
    { id: "communes", title: "Les jeunes de nos villes", figures: [
      figure("communes", "Par commune de résidence (choisir une commune pour le détail)", communes,
        [["Accompagnés", "accompanied"], ["Premiers accueils", "first_welcomes"], ["Taux de situation", "situation_rate", pct, false]],
        { horizontal: true, link: "commune", openTable: true, rowHeader: "Commune", before: (i) => i.by_commune }),
      figure("sites", "Par site de la Mission Locale", sites, [["Accompagnés", "accompanied"], ["Premiers accueils", "first_welcomes"]],
        { horizontal: true, rowHeader: "Site", labels: "place", before: (i) => i.by_site })] },
    { id: "welcome", title: "Le premier accueil", figures: [
      figure("sources", "Qui les a orientés vers nous (prescripteurs)", some(f.referral_sources), [["Jeunes", v]], { horizontal: true, rowHeader: "Prescripteur", before: (i) => i.referral_sources }),
      figure("requests", "Leurs demandes au premier accueil", some(f.requests), [["Jeunes", v]], { horizontal: true, rowHeader: "Demande", before: (i) => i.requests }),
      figure("modes", "Sur site, à distance, hors les murs", Object.entries(f.by_mode), [["Premiers accueils", "first_welcomes"], ["Événements dossier", "dossier_events"]], { rowHeader: "Modalité" })] },
    { id: "profile", title: "Typologie des jeunes accompagnés", cards: [
      profile("minors"), profile("no_diploma"), profile("qpv"), profile("zrr"),
      profile("rqth", "reconnus travailleurs handicapés (RQTH)"), profile("no_driving_licence", "sans permis de conduire"),
      profile("with_children"), profile("france_travail_registered")],
      figures: [figure("age", "Par âge", Object.entries(p.age_band), [["Jeunes", v]], { rowHeader: "Âge" }),
        figure("sex", "Par sexe", Object.entries(p.sex), [["Jeunes", v]], { type: "doughnut", rowHeader: "Sexe", labels: "sex" }),
        figure("level", "Par niveau de formation", Object.entries(p.education_level), [["Jeunes", v]], { rowHeader: "Niveau" }),
        figure("housing", "Par logement", Object.entries(p.housing), [["Jeunes", v]], { horizontal: true, rowHeader: "Logement" })] },
    { id: "employment", title: "L'emploi", cards: [
      ["employment_contracts", named("employment_contracts"), "employment_contracts"], ["job_contracts", "dont contrats hors alternance", "job_contracts"],
      ["youths_in_employment", named("youths_in_employment"), "youths_in_employment"],
      ["alternance_contracts", named("alternance_contracts"), "alternance_contracts"], ["youths_in_alternance", named("youths_in_alternance"), "youths_in_alternance"],
      ["durable_contracts", named("durable_contracts"), "durable_contracts"], ["durable_rate", named("durable_rate"), "durable_rate", pct],
      ["offers_received", named("offers.received"), "offers.received"], ["offer_referrals", named("offers.referrals"), "offers.referrals"],
      ["referred_youths", named("offers.referred_youths"), "offers.referred_youths"],
      ["hires", named("offers.hires"), "offers.hires"], ["employers", named("offers.employers"), "offers.employers"],
      ["filled_rate", named("offers.filled_rate"), "offers.filled_rate", pct],
      ["sessions", "recrutements collectifs", "recruitment_sessions.sessions"], ["session_participants", "participants aux recrutements collectifs", "recruitment_sessions.participants"]],
      figures: [figure("kinds", "Entrées en situation par nature", Object.entries(f.situation_entries_by_kind), [["Entrées", v]], { type: "doughnut", rowHeader: "Nature" }),
        figure("contracts", "Contrats signés par type", some(f.contracts_by_type), [["Contrats", v]], { horizontal: true, rowHeader: "Type de contrat", before: (i) => i.contracts_by_type }),
        figure("aided", "Contrats aidés en CDD et en CDI", Object.entries(f.aided_contracts), [["En CDD", "fixed_term"], ["En CDI", "open_ended"]], { rowHeader: "Contrat aidé" }),
        figure("offer-sectors", "Offres reçues par secteur (domaine ROME)", some(f.offers.by_sector), [["Offres", v]], { horizontal: true, rowHeader: "Secteur", labels: "rome", before: (i) => i.offers.by_sector })] },
    { id: "training", title: "La formation et l'orientation", cards: [
      ["training_entries", named("training_entries"), "training_entries"], ["training_youths", named("training_youths"), "training_youths"],
      ["schooling", "retours en scolarité", "situation_entries_by_kind.schooling"], ["regional_plan", named("training_regional_plan"), "training_regional_plan"],
      ["immersions", named("immersions"), "immersions"], ["immersion_youths", named("immersion_youths"), "immersion_youths"],
      ["minors", named("training_obligation.minors"), "training_obligation.minors"],
      ["minors_in_situation", named("training_obligation.with_situation"), "training_obligation.with_situation", count, "training_obligation.minors"]],
      figures: [figure("training-types", "Entrées en formation par type", some(f.training_by_type), [["Entrées", v]], { horizontal: true, rowHeader: "Type", before: (i) => i.training_by_type }),
        figure("funders", "Entrées en formation par financeur", some(f.training_by_funder), [["Entrées", v]], { rowHeader: "Financeur", before: (i) => i.training_by_funder }),
        figure("minors-kinds", "Mineurs (obligation de formation) entrés en situation, par nature", Object.entries(f.training_obligation.by_kind), [["Jeunes", v]], { rowHeader: "Nature" })] },
    { id: "programmes", title: "Les dispositifs", html: () => objectives(f), figures: [figure("programmes", "Programmes : entrées sur la période, jeunes suivis, sorties", programmes, [
      ["Entrées", "entries"], ["Jeunes suivis", "active_youths"], ["Objectif de l'année", "objective", (x) => x === null || x === undefined ? "—" : fmt.format(x), false],
      ["Sorties", "exits", undefined, false],
      ["Sorties positives", "positive_exits", undefined, false], ["Jeunes suivis entrés en situation", "youths_with_situation", undefined, false],
      ["Jeunes concernés par une allocation", "allowance_requested_youths", undefined, false],
      ["Allocations versées", "allowance_paid_cents", euros, false]], { rowHeader: "Programme", before: (i) => i.programmes })] },
    { id: "social", title: "L'accompagnement social", figures: [
      figure("aids", "Aides financières", Object.entries(f.financial_aids), [["Aides", "count"], ["Jeunes", "youths", undefined, false], ["Montant", "amount_cents", euros, false]], { rowHeader: "Aide", before: (i) => i.financial_aids }),
      figure("referrals", "Orientations vers les partenaires", Object.entries(f.social_referrals), [["Orientations", "count"], ["Jeunes", "youths", undefined, false]], { rowHeader: "Domaine", before: (i) => i.social_referrals })] },
    { id: "counselors", title: "L'activité des conseillers", figures: [
      figure("counselors", "Par conseiller (identifiant pseudonyme)", counselors, [["Jeunes suivis", "youths"], ["Entretiens individuels", "individual_interviews"],
        ["Présences en ateliers", "workshop_participations", undefined, false]], { horizontal: true, rowHeader: "Conseiller", labels: "as-is" })] },
  ] };
}

// ---- Drawing: the skeleton once per view, then the figures of each new document ----

function skeleton(s) {
  return `<section aria-labelledby="h-${s.id}"><h2 id="h-${s.id}">${s.title}</h2>
    ${s.cards ? `<div class="cards" data-cards="${s.id}"></div>` : ""}
    ${s.html ? `<div class="objectives" data-html="${s.id}"></div>` : ""}
    ${(s.figures || []).length ? `<div class="figures">${s.figures.map(figureSkeleton).join("")}</div>` : ""}
    ${s.note !== undefined ? `<p class="note" data-note="${s.id}"></p>` : ""}</section>`;
}

function show(doc, status) {
  state.doc = doc;
  state.status = status;
  const view = state.ml ? missionLocaleView(doc) : networkView(doc);
  const viewKey = `${state.ml}|${state.commune}|${Boolean(state.monthly)}|${Boolean(state.monthlyBefore)}`;
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
    if (s.cards) document.querySelector(`[data-cards="${s.id}"]`).innerHTML = s.cards.map((c) => card(c, doc)).join("");
    if (s.html) document.querySelector(`[data-html="${s.id}"]`).innerHTML = s.html();
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
  const q = new URLSearchParams({ ...period(), ...extra });
  if (state.ml) q.set("ml_id", state.ml);
  return q;
}

// What the live document is compared with: the same period a year earlier (N−1), and the
// monthly series of the period's year and the year before. Fetched when the page or the period
// changes; this year's months again at most every ten seconds while the figures move.
async function fetchJson(url) {
  const response = await fetch(url, withToken).catch(() => null);
  return response && response.ok ? response.json() : null;
}
function monthlyUrl(y, asOf) {
  const q = new URLSearchParams({ year: y });
  if (state.ml) q.set("ml_id", state.ml);
  if (asOf) q.set("as_of", asOf.toISOString());
  return `/v1/indicators/monthly?${q}`;
}
async function loadContext() {
  const { from, to } = period();
  const asOf = asOfInstant();
  const context = `${state.ml}|${from}|${to}|${asOf}`;
  state.context = context;
  state.previous = state.monthly = state.monthlyBefore = null;
  const y = Number(to.slice(0, 4));
  const extra = asOf ? { as_of: asOf.toISOString() } : {};
  const [previous, monthly, monthlyBefore] = await Promise.all([
    fetchJson(`/v1/indicators?${query({ from: shiftYear(from), to: shiftYear(to), ...extra })}`),
    fetchJson(monthlyUrl(y, asOf)), fetchJson(monthlyUrl(y - 1, asOf))]);
  if (state.context !== context) return;  // the page changed meanwhile
  Object.assign(state, { previous, monthly, monthlyBefore, refreshed: Date.now() });
  if (state.doc) show(state.doc, state.status);
}
async function refreshMonths() {
  if (!state.monthly || Date.now() - state.refreshed < 10_000) return;
  state.refreshed = Date.now();
  const context = state.context;
  const monthly = await fetchJson(monthlyUrl(state.monthly.year, null));
  if (monthly && state.context === context) { state.monthly = monthly; show(state.doc, state.status); }
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
  state.doc = null;
  const asOf = asOfInstant();
  // The same figures for a spreadsheet: one row per figure and Mission Locale (CSV).
  $("csv").href = `/v1/indicators.csv?${queryWithToken(asOf ? { as_of: asOf.toISOString() } : {})}`;
  loadContext();
  if (asOf) {  // figures as known at an instant: a fixed answer, no live stream
    $("status").textContent = `Chiffres connus au ${asOf.toLocaleString("fr-FR", { dateStyle: "long", timeStyle: "short" })}`;
    fetch(`/v1/indicators?${query({ as_of: asOf.toISOString() })}`, withToken).then(answer).then((doc) => show(doc, ""));
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
    refreshMonths();
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
// The annual report of the period's year, fetched with the token in a header (never in an
// address) and opened in a new tab from memory.
$("report").addEventListener("click", async () => {
  const url = `/v1/${state.ml ? `${encodeURIComponent(state.ml)}/` : ""}report?year=${period().to.slice(0, 4)}`;
  const tab = window.open("", "_blank");
  $("status").textContent = "Rapport d'activité en préparation…";
  const response = await fetch(url, withToken).catch(() => null);
  if (!response || !response.ok) { if (tab) tab.close(); $("status").textContent = "Le rapport n'a pas pu être préparé."; return; }
  const page = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
  if (tab) tab.location = page; else location.assign(page);
  $("status").textContent = state.source ? "En direct" : "";
});
// A printed (or PDF) report shows every table, and charts at the paper's width.
$("print").addEventListener("click", () => window.print());
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  if (window.Chart) Object.values(Chart.instances).forEach((c) => c.resize());
});
$("period").addEventListener("submit", (e) => {
  e.preventDefault();
  const { from, to } = period();
  const asOfBad = $("asof").value.trim() !== "" && !asOfInstant();
  $("from").setCustomValidity(from ? "" : "Date attendue au format jj/mm/aaaa.");
  $("to").setCustomValidity(to ? (from && from > to ? "La fin de la période précède son début." : "") : "Date attendue au format jj/mm/aaaa.");
  $("asof").setCustomValidity(asOfBad ? "Date et heure attendues au format jj/mm/aaaa hh:mm." : "");
  if (!e.target.reportValidity()) return;
  state.view = null;
  connect();
});
["from", "to", "asof"].forEach((id) => $(id).addEventListener("input", () => $(id).setCustomValidity("")));
window.addEventListener("popstate", () => { const q = new URLSearchParams(location.search); state.ml = q.get("ml"); state.commune = q.get("commune"); connect(); });
if (!token) { $("status").textContent = "Jeton manquant : ouvrez l'adresse donnée par « relais up » (…/?token=…)."; } else { Promise.all([loadCatalogue(), loadDirectory()]).finally(connect); }
