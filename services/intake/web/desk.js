// The counselor's desk: find or welcome a young person, read their dossier across the three
// services, and record what was done. Every call goes through the reverse proxy (one origin:
// /intake, /dispositifs, /employment, and reporting at /), with the token of the dashboard's
// flow: given once in the address (?token=…), then kept for the tab's session.
"use strict";

const params = new URLSearchParams(location.search);
const claimsOf = (jwt) => {
  try { return JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))); } catch { return {}; }
};
// A session runs out (tokens expire) while a form is being filled: the counselor opens the
// sign-in link again in another tab, which hands its new token to the desk's other tabs of the
// same person (same origin only), so nothing typed is lost.
const sessions = "BroadcastChannel" in window ? new BroadcastChannel("relais-desk-session") : null;
if (params.get("token")) {
  sessionStorage.setItem("relais-token", params.get("token"));
  sessions?.postMessage({ token: params.get("token") });
  params.delete("token");  // out of the address bar, the history and the screenshots
  history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}${location.hash}`);
}
let token = sessionStorage.getItem("relais-token") || "";
let claims = claimsOf(token);
sessions?.addEventListener("message", (event) => {
  const fresh = claimsOf(event.data.token || "");
  if (fresh.sub && fresh.sub === claims.sub && fresh.exp > (claims.exp || 0)) {
    token = event.data.token;
    claims = fresh;
    sessionStorage.setItem("relais-token", token);
    say("Session renouvelée : vous pouvez enregistrer à nouveau.");
  }
});
const EXPIRED = "Session expirée : ouvrez à nouveau votre lien de connexion dans un autre onglet ; cette page reprendra la nouvelle session, et ce que vous avez saisi reste ici.";
const ML = params.get("ml") || (claims.ml_ids || []).find((m) => m !== "*") || "";
const DIRECTOR = ["director", "admin"].includes(claims.role);
const $ = (id) => document.getElementById(id);
const main = $("main");

const EVENT_WORDS = {
  "intake.FirstWelcomeRecorded": "Premier accueil", "intake.DossierEventRecorded": "Événement du dossier",
  "intake.DossierEventCancelled": "Événement annulé", "intake.ProfileUpdated": "Profil mis à jour",
  "intake.DossierClosed": "Dossier clos", "intake.DossierReopened": "Dossier rouvert",
  "dispositifs.ProgrammeEntered": "Entrée en programme", "dispositifs.ProgrammeSuspended": "Programme suspendu",
  "dispositifs.ProgrammeResumed": "Programme repris", "dispositifs.ProgrammeExtended": "Programme prolongé",
  "dispositifs.ProgrammeExited": "Sortie de programme", "dispositifs.AllowanceRequested": "Allocation demandée",
  "dispositifs.AllowancePaid": "Allocation versée", "dispositifs.FinancialAidGranted": "Aide financière",
  "dispositifs.SocialReferralMade": "Orientation sociale", "dispositifs.EntryCancelled": "Saisie annulée",
  "employment.ContractSigned": "Contrat signé", "employment.TrainingEntered": "Entrée en formation",
  "employment.ImmersionStarted": "Immersion (PMSMP)", "employment.CivicServiceStarted": "Service civique",
  "employment.SituationEnded": "Fin de situation", "employment.CandidateReferred": "Mise en relation",
  "employment.ReferralOutcomeRecorded": "Résultat de mise en relation", "employment.EntryCancelled": "Saisie annulée",
};
const SITUATION_WORDS = { ContractSigned: "Contrat", TrainingEntered: "Formation", ImmersionStarted: "Immersion (PMSMP)", CivicServiceStarted: "Service civique" };
const STATUS_WORDS = { open: "ouvert", closed: "clos", active: "en cours", suspended: "suspendu", exited: "sorti" };
const euros = (cents) => new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" }).format(cents / 100);

// ---- Calls ----------------------------------------------------------------------------------
const headers = () => ({ Authorization: `Bearer ${token}`, "Content-Type": "application/json" });
async function problemOf(response) {
  if (response.status === 401) { say(EXPIRED); return { status: 401, detail: EXPIRED }; }
  try { return await response.json(); } catch { return { status: response.status, detail: `Le service a répondu ${response.status}.` }; }
}
const UNKNOWN_YET = /\/youth-unknown$/;
const pause = (ms) => new Promise((done) => setTimeout(done, ms));
const api = {
  async get(url) {
    const response = await fetch(url, { headers: headers() });
    if (!response.ok) throw await problemOf(response);
    return response.json();
  },
  // A command with its Idempotency-Key. Right after a first welcome, the other services may not
  // know the young person yet (they learn it from intake's events): the desk says so and sends
  // the same command again, with the same key, until they do. A lost answer is retried the same.
  async command(method, url, body, key, waiting) {
    for (let attempt = 0; ; attempt += 1) {
      let response;
      try {
        response = await fetch(url, { method: method.toUpperCase(), headers: { ...headers(), "Idempotency-Key": key }, body: JSON.stringify(body) });
      } catch {
        response = null;
      }
      if (response && response.ok) return response.json();
      const problem = response ? await problemOf(response) : { detail: "Le service ne répond pas." };
      const unknownYet = response && response.status === 422 && UNKNOWN_YET.test(problem.type || "");
      const away = !response || [502, 503, 504].includes(response.status);
      if ((!unknownYet && !away) || attempt >= 20) throw problem;
      waiting(unknownYet
        ? "Ce jeune n'est pas encore connu de ce service : son premier accueil est en cours de transmission. Nouvel essai automatique…"
        : "Le service ne répond pas pour l'instant. Nouvel essai automatique…");
      await pause(1500);
    }
  },
};
let flash = "";
function say(text) { $("status").textContent = text; }

// ---- Screens --------------------------------------------------------------------------------
function show(title, ...nodes) {
  document.title = `${title} — Relais, guichet`;
  main.replaceChildren(...nodes);
  if (flash) { say(flash); flash = ""; }
}
function focusFirst(node) {  // after a new screen, the keyboard starts from its title
  const title = node.querySelector("h1") || main;
  title.setAttribute("tabindex", "-1");
  title.focus();
}

async function home() {
  const input = el("input", { id: "query", type: "search", autocomplete: "off", "aria-describedby": "query-hint" });
  const results = el("div", { id: "results", "aria-live": "polite" });
  const form = el("form", { role: "search", class: "search" },
    el("label", { for: "query", text: "Nom ou prénom du jeune" }), el("span", { class: "hint", id: "query-hint", text: "Au moins deux lettres ; les accents et majuscules sont ignorés." }),
    input, el("button", { type: "submit", text: "Rechercher" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (input.value.trim().length < 2) { results.replaceChildren(el("p", { text: "Tapez au moins deux lettres." })); return; }
    try {
      const hits = await api.get(`/intake/v1/${ML}/youths?query=${encodeURIComponent(input.value.trim())}`);
      results.replaceChildren(hits.length ? table(["Nom", "Prénom", "Né(e) le", "Dossier"], hits.map((h) => [
        el("a", { href: `#/jeune/${h.jeune_id}`, text: h.last_name.toUpperCase() }), h.first_name, frDate(h.birth_date), STATUS_WORDS[h.status] || h.status,
      ]), "Jeunes trouvés") : el("p", {}, "Aucun jeune de ce nom. ", el("a", { href: "#/accueil", text: "Faire son premier accueil" })));
    } catch (problem) {
      results.replaceChildren(el("p", { class: "problem", role: "alert", text: problem.detail || "La recherche a échoué." }));
    }
  });
  show("Rechercher un jeune", el("h1", { text: "Rechercher un jeune" }), form, results,
    el("p", {}, el("a", { class: "button", href: "#/accueil", text: "Premier accueil d'un nouveau jeune" })));
  input.focus();
}

async function welcome() {
  const form = await commandForm({
    api, service: "intake", path: "/v1/{ml_id}/youths", params: { ml_id: ML }, title: "Premier accueil",
    submitLabel: "Enregistrer le premier accueil",
    onDone: (answer) => { flash = "Premier accueil enregistré."; location.hash = `#/jeune/${answer.id}`; },
  });
  show("Premier accueil", form);
  form.firstFocus().focus();
}

function table(heads, rows, caption) {
  return el("table", {}, el("caption", { class: "visually-hidden", text: caption }), el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c ?? ""))))));
}
const link = (href, text) => el("a", { href, text });
const slug = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();
const section = (title, ...nodes) => el("section", { "aria-labelledby": `h-${slug(title)}` }, el("h2", { id: `h-${slug(title)}`, text: title }), ...nodes);
// What an entry says, in words; an identifier only by the name `names` knows it by (an employer).
function summaryOf(payload, names = new Map()) {
  const skip = new Set(["jeune_id", "profile", "requests"]);
  return Object.entries(payload || {}).filter(([k, v]) => !skip.has(k) && v !== null && v !== "" && !(Array.isArray(v) && !v.length) && typeof v !== "object")
    .filter(([k, v]) => !k.endsWith("_id") || names.has(v))
    .map(([k, v]) => `${fieldLabel(k)} : ${k.endsWith("_id") ? names.get(v) : k.endsWith("_cents") ? euros(v) : /date$/.test(k) ? frDate(v) : valueLabel(v, k)}`).join(" · ");
}

async function dossier(id) {
  const base = `/v1/${ML}/youths/${id}`;
  const [d, programmes, situations, timeline] = await Promise.allSettled([
    api.get(`/intake${base}`), api.get(`/dispositifs${base}/programmes`), api.get(`/employment${base}/situations`), api.get(`${base}/timeline`),
  ]);
  if (d.status === "rejected") {
    show("Dossier introuvable", el("h1", { text: "Dossier introuvable" }), el("p", { role: "alert", text: d.reason.detail || "Ce dossier n'existe pas dans cette Mission Locale." }), link("#/", "Retour à la recherche"));
    return;
  }
  const dossier = d.value;
  const person = dossier.personal_data;
  const name = person ? `${person.first_name} ${person.last_name.toUpperCase()}` : "Jeune (données personnelles effacées ou non visibles)";
  const act = (action, text, ref) => link(`#/jeune/${id}/${action}${ref ? `/${ref}` : ""}`, text);
  const actions = el("nav", { class: "actions-bar", "aria-label": "Enregistrer" },
    act("evenement", "Événement du dossier"), act("programme", "Entrée en programme"), act("aide", "Aide financière"),
    act("orientation", "Orientation sociale"), act("contrat", "Contrat"), act("formation", "Formation"), act("immersion", "Immersion (PMSMP)"),
    act("service-civique", "Service civique"), act("offre", "Mise en relation avec une offre"), act("profil", "Modifier le profil"),
    dossier.status === "open" ? act("cloture", "Clore le dossier") : act("reouverture", "Rouvrir le dossier"),
    DIRECTOR && dossier.status === "closed" && person ? act("effacement", "Effacer les données personnelles") : null);
  const identity = el("dl", {},
    ...(person ? [["Né(e) le", frDate(person.birth_date)], ["Courriel", person.email || "—"], ["Téléphone", person.phone || "—"], ["Adresse", person.address || "—"]] : [])
      .concat([["Dossier", STATUS_WORDS[dossier.status] || dossier.status], ["Premier accueil", frInstant(dossier.first_welcome_at)]],
        Object.entries(dossier.profile || {}).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [fieldLabel(k), typeof v === "boolean" ? (v ? "oui" : "non") : valueLabel(v)]))
      .flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: String(v) })]));
  const progs = programmes.status === "fulfilled" ? programmes.value : [];
  const programmesNode = progs.length ? table(["Programme", "Statut", "Début", "Fin prévue", "Allocations", "Actions"], progs.map((e) => [
    valueLabel(e.programme), STATUS_WORDS[e.status] || e.status, frDate(e.start_date), frDate(e.planned_end_date),
    e.allowances.length ? el("ul", { class: "allowances" }, ...e.allowances.map((a) => el("li", {}, `${a.month} : ${euros(a.amount_cents)} `,
      a.paid ? "(versée)" : el("span", { class: "row-actions" }, act("versement", "Versement", a.allowance_id), act("annulation-allocation", "Annuler la demande", a.allowance_id))))) : "aucune",
    el("span", { class: "row-actions" }, ...(e.status === "exited" ? [] : [
      act("allocation", "Demander une allocation", e.id), e.status === "active" ? act("suspension", "Suspendre", e.id) : act("reprise", "Reprendre", e.id),
      act("prolongation", "Prolonger", e.id), act("sortie", "Sortie", e.id)]), act("annulation-programme", "Annuler (erreur)", e.id)),
  ]), "Programmes") : el("p", { text: programmes.status === "fulfilled" ? "Aucun programme." : "Les programmes ne sont pas disponibles pour l'instant." });
  const sits = situations.status === "fulfilled" ? situations.value : [];
  const employers = sits.some((s) => s.details.employer_id) ? new Map((await employerChoices()).map((e) => [e.value, e.label])) : new Map();
  const situationsNode = sits.length ? table(["Situation", "Début", "Fin", "Détails", "Actions"], sits.map((s) => [
    SITUATION_WORDS[s.kind] || s.kind, frDate(s.start_date), frDate(s.ended_on || s.end_date), summaryOf(s.details, employers),
    el("span", { class: "row-actions" }, s.ended_on ? null : act("fin", "Fin de la situation", s.situation_id), act("annulation-situation", "Annuler (erreur)", s.situation_id)),
  ]), "Situations") : el("p", { text: situations.status === "fulfilled" ? "Aucune situation." : "Les situations ne sont pas disponibles pour l'instant." });
  // The timeline of all services (reporting) when it has the young person, else intake's own.
  const intakeEntries = new Map(dossier.timeline.map((t) => [t.event_id, t]));
  const entries = timeline.status === "fulfilled" ? timeline.value : dossier.timeline.map((t) => ({ ...t, event_type: `intake.${t.event_type}` }));
  const cancelled = new Set(entries.filter((t) => /EntryCancelled$/.test(t.event_type)).map((t) => t.payload.cancelled_event_id));
  const outcomes = new Set(entries.filter((t) => t.event_type === "employment.ReferralOutcomeRecorded").map((t) => t.payload.offer_id));
  const timelineNode = table(["Date", "Quoi", "Détails", "Par", ""], [...entries].reverse().map((t) => {
    const own = intakeEntries.get(t.event_id);
    const cancellable = own && !own.cancelled && /DossierEventRecorded$/.test(t.event_type);
    const referral = t.event_type === "employment.CandidateReferred" && !outcomes.has(t.payload.offer_id);
    const fact = FACT_CANCELS[t.event_type];  // an aid or a social referral, cancelled by its own id
    const cancelledHere = cancelled.has(t.event_id) || (own && own.cancelled);
    return [frInstant(t.occurred_at), EVENT_WORDS[t.event_type] || t.event_type, summaryOf(t.payload, employers), t.actor_id,
      cancelledHere ? "annulé" : cancellable ? act("annulation-evenement", "Annuler (erreur)", t.event_id)
        : fact ? act(fact, "Annuler (erreur)", t.stream_id)
        : referral ? act("resultat", "Résultat de la mise en relation", t.payload.offer_id) : ""];
  }), "Historique, tous services");
  const note = timeline.status === "rejected" ? el("p", { class: "hint", text: "L'historique des autres services n'a pas encore reçu ce jeune ; celui de l'accueil est affiché." }) : null;
  show(name, el("h1", { text: name }), actions, section("Identité et profil", identity), section("Programmes", programmesNode),
    section("Situations", situationsNode), section("Historique", note, timelineNode));
  focusFirst(main);
}

const FACT_CANCELS = { "dispositifs.FinancialAidGranted": "annulation-aide", "dispositifs.SocialReferralMade": "annulation-orientation" };

// What each action link of the dossier records: the command (as its service's OpenAPI names
// it), the {braces} it fills, and the fields the desk fills itself.
const ACTIONS = {
  evenement: { service: "intake", path: "/v1/{ml_id}/youths/{jeune_id}/events", title: "Événement du dossier", choices: sessionChoices },
  profil: { service: "intake", method: "patch", path: "/v1/{ml_id}/youths/{jeune_id}", title: "Modifier le profil", initial: recorded },
  cloture: { service: "intake", path: "/v1/{ml_id}/youths/{jeune_id}/close", title: "Clore le dossier" },
  reouverture: { service: "intake", path: "/v1/{ml_id}/youths/{jeune_id}/reopen", title: "Rouvrir le dossier" },
  "annulation-evenement": { service: "intake", path: "/v1/{ml_id}/youths/{jeune_id}/events/{event_id}/cancel", ref: "event_id", title: "Annuler un événement saisi par erreur" },
  effacement: { service: "intake", path: "/v1/{ml_id}/youths/{jeune_id}/erase-personal-data", title: "Effacer les données personnelles", confirm: true },
  programme: { service: "dispositifs", path: "/v1/{ml_id}/youths/{jeune_id}/programmes", title: "Entrée en programme" },
  allocation: { service: "dispositifs", path: "/v1/{ml_id}/enrolments/{enrolment_id}/allowances", ref: "enrolment_id", title: "Demander l'allocation d'un mois" },
  suspension: { service: "dispositifs", path: "/v1/{ml_id}/enrolments/{enrolment_id}/suspend", ref: "enrolment_id" },
  reprise: { service: "dispositifs", path: "/v1/{ml_id}/enrolments/{enrolment_id}/resume", ref: "enrolment_id" },
  prolongation: { service: "dispositifs", path: "/v1/{ml_id}/enrolments/{enrolment_id}/extend", ref: "enrolment_id" },
  sortie: { service: "dispositifs", path: "/v1/{ml_id}/enrolments/{enrolment_id}/exit", ref: "enrolment_id" },
  "annulation-programme": { service: "dispositifs", path: "/v1/{ml_id}/enrolments/{enrolment_id}/cancel", ref: "enrolment_id" },
  aide: { service: "dispositifs", path: "/v1/{ml_id}/youths/{jeune_id}/aids" },
  orientation: { service: "dispositifs", path: "/v1/{ml_id}/youths/{jeune_id}/referrals" },
  contrat: { service: "employment", path: "/v1/{ml_id}/youths/{jeune_id}/contracts", title: "Contrat signé", choices: contractChoices },
  formation: { service: "employment", path: "/v1/{ml_id}/youths/{jeune_id}/trainings", title: "Entrée en formation" },
  immersion: { service: "employment", path: "/v1/{ml_id}/youths/{jeune_id}/immersions", title: "Immersion en entreprise (PMSMP)", choices: async () => ({ employer_id: await employerChoices() }) },
  "service-civique": { service: "employment", path: "/v1/{ml_id}/youths/{jeune_id}/civic-services", title: "Service civique" },
  fin: { service: "employment", path: "/v1/{ml_id}/youths/{jeune_id}/situations/{situation_id}/end", ref: "situation_id", title: "Fin d'une situation" },
  "annulation-situation": { service: "employment", path: "/v1/{ml_id}/youths/{jeune_id}/situations/{situation_id}/cancel", ref: "situation_id", title: "Annuler une situation saisie par erreur" },
  offre: { service: "employment", path: "/v1/{ml_id}/offers/{offer_id}/referrals", ref: "offer_id", title: "Mise en relation avec une offre", preset: ["jeune_id"] },
  versement: { service: "dispositifs", path: "/v1/{ml_id}/allowances/{allowance_id}/payment", ref: "allowance_id", title: "Enregistrer le versement d'une allocation" },
  "annulation-allocation": { service: "dispositifs", path: "/v1/{ml_id}/allowances/{allowance_id}/cancel", ref: "allowance_id", title: "Annuler une demande d'allocation erronée" },
  "annulation-aide": { service: "dispositifs", path: "/v1/{ml_id}/aids/{aid_id}/cancel", ref: "aid_id", title: "Annuler une aide saisie par erreur" },
  "annulation-orientation": { service: "dispositifs", path: "/v1/{ml_id}/referrals/{referral_id}/cancel", ref: "referral_id", title: "Annuler une orientation saisie par erreur" },
  resultat: { service: "employment", path: "/v1/{ml_id}/offers/{offer_id}/referrals/{jeune_id}/outcome", ref: "offer_id", title: "Résultat de la mise en relation" },
};

async function action(id, name, ref) {
  const spec = ACTIONS[name];
  if (!spec) return dossier(id);
  if (name === "offre" && !ref) return pickOffer(id);
  const back = link(`#/jeune/${id}`, "Retour au dossier");
  const preset = Object.fromEntries((spec.preset || []).map((k) => [k, id]));
  const [choices, initial] = await Promise.all([spec.choices ? spec.choices() : {}, spec.initial ? spec.initial(id) : undefined]);
  const form = await commandForm({
    api, service: spec.service, method: spec.method, path: spec.path, title: spec.title, omit: [...(spec.omit || []), ...(spec.preset || [])],
    params: { ml_id: ML, jeune_id: id, [spec.ref]: ref }, preset, choices, initial,
    submitLabel: spec.confirm ? "Effacer définitivement" : "Enregistrer",
    onDone: () => { flash = "Enregistré."; location.hash = `#/jeune/${id}`; },
  });
  if (spec.confirm) {  // an erasure cannot be undone: it is said, and confirmed, before it is sent
    form.insertBefore(el("p", { class: "warning", text: "Les données personnelles de ce jeune (nom, date de naissance, coordonnées) seront illisibles partout, définitivement. Le dossier et ses chiffres restent." }), form.children[1]);
    const box = el("input", { type: "checkbox", id: "confirm-erase", required: true });
    form.querySelector(".actions").prepend(el("span", { class: "choice" }, box, el("label", { for: "confirm-erase", text: "Je confirme l'effacement définitif" })));
    form.addEventListener("submit", (event) => {
      if (!box.checked) { event.stopImmediatePropagation(); event.preventDefault(); say("Cochez la confirmation pour effacer."); box.focus(); }
    }, true);
  }
  sessionOnlyWhenCollective(form);
  offerFillsTheContract(form);
  show(form.querySelector("h1").textContent, form, back);
  form.firstFocus().focus();
}

async function pickOffer(id) {
  const [offers, employers] = await Promise.all([api.get(`/employment/v1/${ML}/offers?status=open`).catch(() => []), employerChoices()]);
  const names = new Map(employers.map((e) => [e.value, e.label]));
  const rows = offers.map((o) => [names.get(o.employer_id) || "—", valueLabel(o.contract_type), valueLabel(o.sector, "sector"), o.commune_insee, String(o.positions), link(`#/jeune/${id}/offre/${o.offer_id}`, "Choisir cette offre")]);
  show("Choisir une offre", el("h1", { text: "Choisir une offre" }),
    rows.length ? table(["Employeur", "Contrat", "Secteur", "Commune", "Postes", ""], rows, "Offres ouvertes de la Mission Locale") : el("p", { text: "Aucune offre ouverte." }),
    link(`#/jeune/${id}`, "Retour au dossier"));
  focusFirst(main);
}

async function objectives() {
  const form = await commandForm({
    api, service: "dispositifs", path: "/v1/{ml_id}/objectives", params: { ml_id: ML }, title: "Objectif d'entrées de l'année",
    onDone: () => { say("Objectif enregistré : le tableau de bord le montre."); },
  });
  show("Objectifs", form);
  form.firstFocus().focus();
}

// ---- Routing --------------------------------------------------------------------------------
async function route() {
  say("");
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  try {
    if (!token || !ML) {
      show("Connexion", el("h1", { text: "Connexion requise" }), el("p", { text: "Ouvrez le guichet avec l'adresse que donne `relais up` ou `relais token` (un jeton de conseiller ou de directeur d'une Mission Locale)." }));
    } else if (parts[0] === "accueil") await welcome();
    else if (parts[0] === "objectifs" && DIRECTOR) await objectives();
    else if (parts[0] === "entreprises") await companyForm(parts[1], parts[2]);
    else if (parts[0] === "seances") await (parts[1] ? sheetScreen(parts[1]) : sessionsScreen());
    else if (parts[0] === "jeune" && parts[1] && parts[2]) await action(parts[1], parts[2], parts[3]);
    else if (parts[0] === "jeune" && parts[1]) await dossier(parts[1]);
    else await home();
  } catch (problem) {
    show("Erreur", el("h1", { text: "Cette page n'a pas pu s'afficher" }), el("p", { role: "alert", text: problem.detail || problem.message || String(problem) }), link("#/", "Retour à la recherche"));
  }
}

async function start() {
  $("who").textContent = token ? `${claims.sub || ""} · ${ML}` : "";
  $("nav-objectives").hidden = !DIRECTOR;
  $("dashboard").href = `/?ml=${encodeURIComponent(ML)}`;
  // French words of the values the catalogue of figures names (the dashboard's own).
  window.catalogueValues = await api.get("/v1/catalogue").then((c) => c.value_labels).catch(() => ({}));
  window.addEventListener("hashchange", route);
  await route();
}
start();
