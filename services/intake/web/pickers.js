// The desk's pickers: identifiers (a workshop's session, an employer, an offer) are picked from
// what the services list, never typed; and the forms they fill in (an offer fills its contract,
// a collective event asks for its session, the profile form starts from the dossier).
"use strict";

// What the pickers offer: identifiers are picked, never typed.
const plural = (n, word) => `${n} ${word}${n > 1 ? "s" : ""}`;
async function sessionChoices() {
  const sessions = await api.get(`/intake/v1/${ML}/sessions`).catch(() => []);
  const listed = sessions.map((s) => ({
    value: s.session_id,
    label: [frInstant(s.first_at), valueLabel(s.nature), s.themes.map((t) => valueLabel(t)).join(", "), plural(s.attendees, "participant")].filter(Boolean).join(" · "),
  }));
  // A new session's id is made here, once per form: its first attendee's event carries it.
  const picks = [{ value: crypto.randomUUID(), label: "Nouvelle séance (premier participant)" }, ...listed];
  // Always a list, the latest first: a session is told by its time, not typed.
  return { session_id: Object.assign(picks, { none: "— aucune (événement individuel) —", hint: "Atelier ou information collective : la même séance pour chacun de ses participants.", scroll: true }) };
}
async function employerChoices() {
  const employers = await api.get(`/employment/v1/${ML}/employers`).catch(() => []);
  return Object.assign(employers.map((e) => ({ value: e.employer_id, label: `${e.name} (${e.commune_insee})` })), { none: "— non renseigné —" });
}
let offersShown = [];  // the offers of the contract form, to fill in what the picked one says
async function contractChoices() {
  const [employers, offers] = await Promise.all([employerChoices(), api.get(`/employment/v1/${ML}/offers`).catch(() => [])]);
  const names = new Map(employers.map((e) => [e.value, e.label]));
  offersShown = offers.filter((o) => o.status !== "cancelled");
  const picks = offersShown.map((o) => ({ value: o.offer_id, label: [names.get(o.employer_id) || "Employeur", valueLabel(o.contract_type), valueLabel(o.sector, "sector"), o.commune_insee].join(" · ") }));
  return { employer_id: employers, offer_id: Object.assign(picks, { none: "— hors offre —" }) };
}
async function recorded(id) {  // the profile form starts from what the dossier holds
  const d = await api.get(`/intake/v1/${ML}/youths/${id}`);
  return { ...(d.personal_data || {}), profile: d.profile };
}
// The event form asks for a session only for a collective event.
function sessionOnlyWhenCollective(form) {
  const nature = form.querySelector('[data-field="nature"] select');
  const box = form.querySelector('[data-field="session_id"]');
  const control = pickedControl(form, "session_id");
  if (!nature || !box || !control) return;
  const sync = () => {
    box.hidden = !["workshop", "group_information"].includes(nature.value);
    if (box.hidden) control.value = "";
  };
  nature.addEventListener("change", sync);
  sync();
}
// Picking an offer fills in its employer, contract type and sector: it comes first.
function offerFillsTheContract(form) {
  const offer = pickedControl(form, "offer_id");
  if (!offer) return;
  const first = form.querySelector('[data-field="contract_type"]');
  if (first) first.before(offer.closest(".field"));
  offer.addEventListener("change", () => {
    const picked = offersShown.find((o) => o.offer_id === pickedValue(form, offer));
    if (!picked) return;
    for (const [name, value] of [["employer_id", picked.employer_id], ["contract_type", picked.contract_type], ["sector", picked.sector]]) {
      setPicked(form, name, value);
    }
  });
}

// Young people found by name and added one by one (a recruitment session's participants, a
// session's late attendees).
function youthPicker({ id, label, error, key }) {
  const chosen = new Map();  // jeune_id → name shown
  const list = el("ul", { class: "picked", "aria-live": "polite" });
  const query = el("input", { id, type: "search", autocomplete: "off", "aria-describedby": `${id}-hint ${id}-error` });
  const found = el("div", { class: "found" });
  const draw = () => list.replaceChildren(...[...chosen].map(([jeune, text]) => el("li", {}, `${text} `,
    actionButton("Retirer", `Retirer ${text}`, () => { chosen.delete(jeune); draw(); }))));
  const search = async () => {
    if (query.value.trim().length < 2) return;
    const hits = await api.get(`/intake/v1/${ML}/youths?query=${encodeURIComponent(query.value.trim())}`).catch(() => []);
    found.replaceChildren(...(hits.length ? hits.map((h) => {
      const text = `${h.first_name} ${h.last_name.toUpperCase()} (${frDate(h.birth_date)})`;
      return el("p", {}, `${text} `, actionButton("Ajouter", `Ajouter ${text}`, () => { chosen.set(h.jeune_id, text); draw(); found.replaceChildren(); query.value = ""; query.focus(); }));
    }) : [el("p", { text: "Aucun jeune de ce nom." })]));
  };
  query.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); search(); } });
  const node = el("div", { class: "field", "data-field": key }, el("label", { for: id, text: label }),
    el("span", { class: "hint", id: `${id}-hint`, text: "Tapez un nom puis Entrée, et ajoutez chaque participant." }),
    el("div", { class: "search-row" }, query, actionButton("Chercher", "Chercher un participant", search)), found, list, error);
  return { node, focus: query, read: () => [...chosen.keys()] };
}
function actionButton(text, name, onClick) {
  const node = el("button", { type: "button", class: "secondary", "aria-label": name, text });
  node.addEventListener("click", onClick);
  return node;
}
