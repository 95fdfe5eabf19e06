// The desk's screen of the Mission Locale's employers and their offers, and the forms it opens:
// an employer registered, an offer received or closed, a collective recruitment session with
// its participants found by name.
"use strict";

// ---- Employers and their offers ------------------------------------------------------------
async function companies() {
  const [employers, offers] = await Promise.all([api.get(`/employment/v1/${ML}/employers`), api.get(`/employment/v1/${ML}/offers`)]);
  const names = new Map(employers.map((e) => [e.employer_id, e.name]));
  const offerRows = offers.map((o) => [names.get(o.employer_id) || "—", valueLabel(o.contract_type), valueLabel(o.sector, "sector"), o.commune_insee,
    String(o.positions), String(o.referrals), String(o.hires), valueLabel(o.status),
    o.status === "open" ? link(`#/entreprises/cloture/${o.offer_id}`, "Clore l'offre") : ""]);
  const employerRows = employers.map((e) => [e.name, valueLabel(e.sector, "sector"), valueLabel(e.size_band), e.commune_insee,
    link(`#/entreprises/offre/${e.employer_id}`, "Recevoir une offre")]);
  show("Entreprises et offres", el("h1", { text: "Entreprises et offres" }),
    el("nav", { class: "actions-bar", "aria-label": "Enregistrer" }, link("#/entreprises/employeur", "Enregistrer un employeur"),
      link("#/entreprises/offre", "Recevoir une offre"), link("#/entreprises/recrutement", "Session de recrutement collectif")),
    section("Offres", offerRows.length ? filterable(table(["Employeur", "Contrat", "Secteur", "Commune", "Postes", "Mises en relation", "Embauches", "Statut", ""], offerRows, "Offres de la Mission Locale"), "Filtrer les offres") : el("p", { text: "Aucune offre." })),
    section("Employeurs", employerRows.length ? filterable(table(["Nom", "Secteur", "Effectif", "Commune", ""], employerRows, "Employeurs de la Mission Locale"), "Filtrer les employeurs") : el("p", { text: "Aucun employeur." })));
  focusFirst(main);
}

// A long table (more than a screen of rows) gets a text filter above it.
function filterable(tableNode, label) {
  const rows = [...tableNode.tBodies[0].rows];
  if (rows.length <= MANY_PICKS) return tableNode;
  const input = el("input", { type: "search", id: `filter-${slug(label)}`, autocomplete: "off" });
  input.addEventListener("input", () => {
    const wanted = input.value.trim().toLowerCase();
    for (const row of rows) row.hidden = wanted !== "" && !row.textContent.toLowerCase().includes(wanted);
  });
  return el("div", {}, el("label", { for: input.id, text: label }), input, tableNode);
}

const COMPANY_FORMS = {
  employeur: { path: "/v1/{ml_id}/employers", title: "Enregistrer un employeur" },
  offre: { path: "/v1/{ml_id}/offers", title: "Recevoir une offre d'emploi", choices: async () => ({ employer_id: await employerChoices() }), initialRef: "employer_id" },
  cloture: { path: "/v1/{ml_id}/offers/{offer_id}/close", title: "Clore l'offre", ref: "offer_id" },
  recrutement: { path: "/v1/{ml_id}/recruitment-sessions", title: "Session de recrutement collectif", choices: async () => ({ employer_ids: await employerChoices() }), widgets: { participants: youthPicker } },
};

async function companyForm(name, ref) {
  const spec = COMPANY_FORMS[name];
  if (!spec) return companies();
  const form = await commandForm({
    api, service: "employment", path: spec.path, title: spec.title, params: { ml_id: ML, [spec.ref]: ref },
    choices: spec.choices ? await spec.choices() : {}, widgets: spec.widgets,
    onDone: () => { flash = "Enregistré."; location.hash = "#/entreprises"; },
  });
  if (spec.initialRef && ref) setPicked(form, spec.initialRef, ref);  // from the employer's row: that employer
  show(spec.title, form, link("#/entreprises", "Retour aux entreprises"));
  form.firstFocus().focus();
}
