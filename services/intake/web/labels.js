// The desk's French words for the fields of the commands and for the values the catalogue of
// figures does not name (GET /v1/catalogue gives the rest). A missing word shows the code itself.
"use strict";

const FIELD_LABELS = {
  first_name: "Prénom", last_name: "Nom", birth_date: "Date de naissance", email: "Courriel",
  phone: "Téléphone", address: "Adresse", nature: "Nature", mode: "Modalité", site: "Site (code)",
  referral_source: "Orienté par", requests: "Demandes du jeune", profile: "Profil",
  occurred_at: "Date et heure (si ce n'est pas maintenant)", themes: "Thèmes abordés",
  session_id: "Séance collective", duration_minutes: "Durée (minutes)", reason: "Motif",
  sex: "Sexe", commune_insee: "Commune (code INSEE)", qpv: "Habite un QPV", zrr: "Habite une ZRR",
  education_level: "Niveau de formation", diploma: "Diplôme obtenu", housing: "Logement",
  children: "Enfants à charge", driving_licence: "Permis de conduire", has_car: "Dispose d'un véhicule",
  rqth: "Reconnaissance de travailleur handicapé (RQTH)", neet: "Ni en emploi, ni en études, ni en formation",
  france_travail_registered: "Inscrit à France Travail", nationality_zone: "Nationalité",
  programme: "Programme", start_date: "Date de début", planned_end_date: "Fin prévue",
  new_planned_end_date: "Nouvelle fin prévue", exit_date: "Date de sortie", exit_situation: "Situation à la sortie",
  month: "Mois (aaaa-mm)", amount_cents: "Montant (€)", kind: "Type", funder: "Financeur",
  domain: "Domaine", partner: "Partenaire", contract_type: "Type de contrat", weekly_hours: "Heures par semaine",
  end_date: "Date de fin", training_type: "Type de formation", regional_plan: "Plan régional de formation",
  sector: "Secteur (domaine ROME)", employer_id: "Employeur", employer_ids: "Employeurs", offer_id: "Offre",
  positions: "Postes", outcome: "Résultat", name: "Nom", size_band: "Effectif", jeune_id: "Jeune",
  year: "Année", target: "Objectif (entrées)", objective: "Objectif", participants: "Participants",
  date: "Date", birth_month: "Mois de naissance",
};

const VALUE_WORDS = {
  individual_interview: "entretien individuel", group_information: "information collective",
  workshop: "atelier", phone: "téléphone", visit: "visite", email: "courriel", letter: "courrier",
  sms: "SMS", on_site: "sur site", remote: "à distance", outreach: "hors les murs",
  CEJ: "Contrat d'engagement jeune (CEJ)", PACEA: "PACEA", PIAL: "PIAL", POP: "POP", PRIJ: "PRIJ", IAE: "IAE",
  CDI: "CDI", CDD: "CDD", CAE: "CAE (contrat aidé)", CIE: "CIE (contrat aidé)",
  "0-9": "0 à 9 salariés", "10-49": "10 à 49 salariés", "50-249": "50 à 249 salariés", "250+": "250 salariés et plus",
  hired: "embauché", rejected: "non retenu", withdrawn: "désistement", no_answer: "sans réponse",
  open: "ouverte", filled: "pourvue", expired: "expirée", cancelled: "annulée",
  entry_error: "saisie par erreur", duplicate: "doublon", wrong_youth: "mauvais jeune", did_not_happen: "n'a pas eu lieu",
  correction: "correction", youth_request: "à la demande du jeune", retention_period_expired: "durée de conservation échue",
  administrative: "administratif", autonomous: "autonomie", no_contact: "sans contact",
  dismissal: "licenciement", resignation: "démission", early_termination: "rupture anticipée",
  F: "femme", M: "homme", X: "non précisé",
  fr: "française", eu: "Union européenne", non_eu: "hors Union européenne",
};
