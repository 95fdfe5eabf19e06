// Relais dashboard: draws the indicator document (GET /v1/indicators) and redraws it on every
// Server-Sent Event of /v1/indicators/stream. The token comes from the URL (?token=...) once and
// is kept for the tab's session.
"use strict";

const params = new URLSearchParams(location.search);
if (params.get("token")) { sessionStorage.setItem("relais-token", params.get("token")); }
const token = sessionStorage.getItem("relais-token") || "";
const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat("fr-FR");
const euros = (cents) => new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(cents / 100);
const pct = (rate) => rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1).replace(".", ",")} %`;
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

// Names of the communes the demo network and the seed reports cover (INSEE code → name).
const COMMUNES = { "94003": "Arcueil", "94016": "Cachan", "94037": "Gentilly", "94043": "Le Kremlin-Bicêtre",
  "94076": "Villejuif", "10268": "Nogent-sur-Seine", "10323": "Romilly-sur-Seine", "10006": "Aix-Villemaur-Pâlis",
  "10245": "Marcilly-le-Hayer", "10333": "Saint-Just-Sauvage", "10362": "Saint-Martin-de-Bossenay",
  "10034": "Bouy-sur-Orvin", "10418": "Villenauxe-la-Grande", "10387": "Troyes", "unknown": "Commune inconnue" };
const LABELS = { mobility_voucher: "Aide à la mobilité", service_ticket: "Ticket service", faj: "FAJ", housing: "Logement",
  other: "Autre", emergency_housing: "Hébergement d'urgence", health: "Santé", mental_health: "Santé mentale",
  disability: "Handicap", justice: "Justice", rights: "Accès aux droits" };
const communeName = (code) => COMMUNES[code] ? `${COMMUNES[code]} (${code})` : code;
const state = { ml: params.get("ml") || null, commune: params.get("commune") || null, doc: null, source: null };
const year = params.get("year") || String(new Date().getFullYear());
$("from").value = params.get("from") || `${year}-01-01`;
$("to").value = params.get("to") || `${year}-12-31`;
$("asof").value = params.get("as_of") ? params.get("as_of").slice(0, 16) : "";

function query(extra = {}) {
  const q = new URLSearchParams({ from: $("from").value, to: $("to").value, access_token: token, ...extra });
  if (state.ml) q.set("ml_id", state.ml);
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
  if (asOf) {  // figures as known at an instant: a fixed answer, no live stream
    const instant = new Date(asOf).toISOString();
    fetch(`/v1/indicators?${query({ as_of: instant })}`).then(answer).then((doc) => show(doc, `Chiffres connus au ${new Date(asOf).toLocaleString("fr-FR")}`));
    return;
  }
  $("status").textContent = "Connexion au flux en direct…";
  state.source = new EventSource(`/v1/indicators/stream?${query()}`);
  state.source.addEventListener("indicators", (e) => show(JSON.parse(e.data), `En direct — mis à jour à ${new Date().toLocaleTimeString("fr-FR")}`));
  state.source.onerror = () => { $("status").textContent = "Flux interrompu, reconnexion…"; };
}

async function answer(response) {
  if (!response.ok) { const p = await response.json(); $("status").textContent = p.detail || p.title; throw new Error(p.title); }
  return response.json();
}

function card(label, value, key) { return `<div class="card" data-key="${key}"><div class="value">${value}</div><div class="label">${label}</div></div>`; }

function bars(rows, columns, caption, linkKind) {
  const max = Math.max(1, ...rows.map((r) => r[1][columns[0][0]] || 0));
  const head = columns.map(([, label], i) => `<th scope="col" class="num${i > 1 ? " hide-narrow" : ""}">${label}</th>`).join("");
  const body = rows.map(([name, v]) => {
    const shown = linkKind === "commune" ? communeName(name) : (LABELS[name] || name);
    const link = linkKind ? `<button class="link" data-${linkKind}="${esc(name)}">${esc(shown)}</button>` : esc(shown);
    const cells = columns.map(([key, , format], i) => `<td class="num${i > 1 ? " hide-narrow" : ""}">${(format || fmt.format)(v[key] ?? 0)}</td>`).join("");
    return `<tr><th scope="row">${link}</th>${cells}<td style="width:30%"><div class="bar" style="width:${(100 * (v[columns[0][0]] || 0)) / max}%" aria-hidden="true"></div></td></tr>`;
  }).join("");
  return `<table><caption>${caption}</caption><thead><tr><th scope="col">Nom</th>${head}<th scope="col"><span class="hide-narrow">Répartition</span></th></tr></thead><tbody>${body}</tbody></table>`;
}

function network(doc) {
  const all = Object.entries(doc.by_ml || {});
  const active = all.filter(([, d]) => d.indicators.accompanied + d.indicators.first_welcomes + d.indicators.situation_entries > 0);
  const rows = active.map(([ml, d]) => [ml, {
    first_welcomes: d.indicators.first_welcomes, accompanied: d.indicators.accompanied,
    situation_rate: d.indicators.situation_rate, cej: d.indicators.programmes.CEJ.entries + d.indicators.programmes.CEJ_JR.entries,
    pacea: d.indicators.programmes.PACEA.entries }]).sort((a, b) => b[1].accompanied - a[1].accompanied);
  $("title").textContent = "Le réseau des Missions Locales";
  return keyFigures(doc.indicators, "Le réseau") + `<section><h2>Les Missions Locales côte à côte</h2>${bars(rows, [
    ["accompanied", "Accompagnés"], ["first_welcomes", "Premiers accueils"], ["situation_rate", "Taux de situation", pct],
    ["cej", "Entrées CEJ"], ["pacea", "Entrées PACEA"]], "Classées par nombre de jeunes accompagnés", "ml")}
    ${all.length > active.length ? `<p>${all.length - active.length} autre(s) Mission(s) Locale(s) sans activité sur la période.</p>` : ""}</section>`;
}

function keyFigures(f, who) {
  return `<section><h2>Les chiffres clés — ${esc(who)}</h2><div class="cards">
    ${card("jeunes en premier accueil", fmt.format(f.first_welcomes), "first_welcomes")}
    ${card("jeunes accompagnés", fmt.format(f.accompanied), "accompanied")}
    ${card("entretiens individuels", fmt.format(f.individual_interviews), "individual_interviews")}
    ${card("présences en ateliers et informations collectives", fmt.format(f.workshop_participations), "workshop_participations")}
    ${card("entrées en situation", fmt.format(f.situation_entries), "situation_entries")}
    ${card("des accompagnés en situation", pct(f.situation_rate), "situation_rate")}
  </div></section>`;
}

function missionLocale(doc) {
  const f = doc.indicators;
  $("title").textContent = state.ml;
  const communes = Object.entries(f.by_commune).sort((a, b) => b[1].accompanied - a[1].accompanied);
  const programmes = Object.entries(f.programmes).filter(([, p]) => p.entries || p.active_youths);
  const kinds = { employment: "Emploi", alternance: "Alternance", training: "Formation", schooling: "Retour en scolarité", immersion: "PMSMP", volunteering: "Service civique" };
  let html = keyFigures(f, state.ml);
  if (state.commune && f.by_commune[state.commune]) {
    const c = f.by_commune[state.commune];
    html += `<section><h2>${esc(communeName(state.commune))} <button class="link" data-commune="">(toutes les communes)</button></h2><div class="cards">
      ${card("jeunes en premier accueil", fmt.format(c.first_welcomes), "c1")}${card("jeunes accompagnés", fmt.format(c.accompanied), "c2")}
      ${card("accompagnés entrés en situation", fmt.format(c.accompanied_with_situation), "c3")}${card("taux de situation", pct(c.situation_rate), "c4")}</div></section>`;
  }
  html += `<section><h2>Les jeunes de nos villes</h2>${bars(communes, [["accompanied", "Accompagnés"], ["first_welcomes", "Premiers accueils"], ["situation_rate", "Taux de situation", pct]], "Par commune de résidence (cliquer pour le détail)", "commune")}</section>`;
  html += `<section><h2>L'emploi</h2><div class="cards">
    ${card("contrats de travail", fmt.format(f.employment_contracts), "e1")}${card("jeunes en emploi", fmt.format(f.youths_in_employment), "e2")}
    ${card("contrats durables", fmt.format(f.durable_contracts), "e3")}${card("PMSMP", fmt.format(f.immersions), "e4")}
    ${card("offres reçues", fmt.format(f.offers.received), "e5")}${card("mises en relation", fmt.format(f.offers.referrals), "e6")}
    ${card("recrutements", fmt.format(f.offers.hires), "e7")}${card("entreprises", fmt.format(f.offers.employers), "e8")}</div>
    ${bars(Object.entries(f.situation_entries_by_kind).map(([k, v]) => [kinds[k], { n: v }]), [["n", "Entrées"]], "Entrées en situation par nature")}</section>`;
  html += `<section><h2>La formation</h2><div class="cards">${card("entrées en formation", fmt.format(f.training_entries), "t1")}
    ${card("retours en scolarité", fmt.format(f.situation_entries_by_kind.schooling), "t2")}</div></section>`;
  html += `<section><h2>Les dispositifs</h2>${bars(programmes.map(([p, v]) => [p, { ...v, paid: v.allowance_paid_cents }]), [
    ["entries", "Entrées"], ["active_youths", "Jeunes suivis"], ["exits", "Sorties"], ["positive_exits", "Sorties positives"], ["paid", "Allocations versées", euros]],
    "Programmes : entrées sur la période, jeunes suivis, sorties")}</section>`;
  html += `<section><h2>L'accompagnement social</h2>${bars(Object.entries(f.financial_aids).map(([k, v]) => [k, v]), [["count", "Aides"], ["youths", "Jeunes"], ["amount_cents", "Montant", euros]], "Aides financières")}
    ${bars(Object.entries(f.social_referrals).map(([k, v]) => [k, { n: v }]), [["n", "Orientations"]], "Orientations vers les partenaires")}</section>`;
  return html;
}

function show(doc, status) {
  const before = new Map([...document.querySelectorAll(".card")].map((c) => [c.dataset.key, c.textContent]));
  state.doc = doc;
  $("main").innerHTML = state.ml ? missionLocale(doc) : network(doc);
  $("status").textContent = status;
  document.querySelectorAll(".card").forEach((c) => {  // make the figures that changed visible
    if (before.has(c.dataset.key) && before.get(c.dataset.key) !== c.textContent) c.classList.add("changed");
  });
}

document.addEventListener("click", (e) => {
  const t = e.target.closest("[data-ml],[data-commune]");
  if (!t) return;
  if (t.dataset.ml !== undefined) navigate(t.dataset.ml);
  else navigate(state.ml, t.dataset.commune || null);
});
$("home").addEventListener("click", (e) => { e.preventDefault(); navigate(null); });
$("period").addEventListener("submit", (e) => { e.preventDefault(); connect(); });
window.addEventListener("popstate", () => { const q = new URLSearchParams(location.search); state.ml = q.get("ml"); state.commune = q.get("commune"); connect(); });
if (!token) { $("status").textContent = "Jeton manquant : ouvrez l'adresse donnée par « relais up » (…/?token=…)."; } else { connect(); }
