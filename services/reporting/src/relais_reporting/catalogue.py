"""The catalogue of figures: the indicator document as a typed model, each figure defined once
with its French label, the activity report's chapter it belongs to, its unit, its definition
and the lines of the seed reports it reproduces (shared/spec/indicators.md and v2.md).

Everything else is derived from here: the document's JSON Schema in the OpenAPI description
(and `contracts/indicators.schema.json`, checked for drift), the spreadsheet's labels, and the
dashboard's labels and sections (`GET /v1/catalogue`). `indicators.py` computes the values;
a test checks that what it computes is exactly this model, no key more, no key less.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from relais_contracts.events import dispositifs as d
from relais_contracts.events import employment as em
from relais_contracts.events import intake as it

# The chapters of the seed activity reports, in their order.
CHAPTERS = {
    "year": "L'année en chiffres",
    "youths": "Les jeunes de nos villes",
    "employment": "L'emploi",
    "training": "La formation et l'orientation",
    "programmes": "Les dispositifs",
    "social": "L'accompagnement social",
}
Chapter = Literal["year", "youths", "employment", "training", "programmes", "social"]
# youths: distinct young people; count: events; rate: a share from 0 to 1, 4 decimals, null when
# its whole is 0; cents: euros × 100; target: a number set by the Mission Locale; days: a duration.
Unit = Literal["youths", "count", "rate", "cents", "target", "days"]

SituationKind = Literal["employment", "alternance", "training", "schooling", "immersion", "volunteering"]
AgeBand = Literal["under_18", "18_21", "22_25", "over_25"]
Sex = Literal["F", "M", "X"]
EducationLevel = Literal["1", "2", "3", "4", "5", "6", "7", "8"]

# The French names of the vocabularies' values, wherever they are keys of the document.
VALUE_LABELS = {
    "employment": "emploi",
    "alternance": "alternance",
    "training": "formation",
    "schooling": "retour en scolarité",
    "immersion": "PMSMP",
    "volunteering": "service civique",
    "under_18": "moins de 18 ans",
    "18_21": "18 à 21 ans",
    "22_25": "22 à 25 ans",
    "over_25": "plus de 25 ans",
    "unknown": "inconnu(e)",
    "mobility_voucher": "aide à la mobilité",
    "service_ticket": "ticket service",
    "faj": "FAJ",
    "housing": "logement",
    "other": "autre",
    "emergency_housing": "hébergement d'urgence",
    "health": "santé",
    "mental_health": "santé mentale",
    "disability": "handicap",
    "justice": "justice",
    "rights": "accès aux droits",
    **{f"{n}": f"niveau {n}" for n in range(1, 9)},
    "CEJ_JR": "CEJ jeunes en rupture",
    "PPAE": "PPAE (suivi délégué)",
    "SPONSORSHIP": "parrainage",
    "TRAINING_OBLIGATION": "obligation de formation",
    "INTL_MOBILITY": "mobilité internationale",
    "JUSTICE_FOLLOWUP": "suivi justice",
    "OUTREACH": "aller vers",
    "RSA_SUPPORT": "accompagnement RSA",
    # contracts, trainings, funders, immersion objectives
    "INTERIM": "intérim",
    "SEASONAL": "saisonnier",
    "APPRENTICESHIP": "apprentissage",
    "PROFESSIONALISATION": "contrat de professionnalisation",
    "qualifying": "qualifiante",
    "pre_qualifying": "pré-qualifiante",
    "certifying": "certifiante",
    "language": "linguistique",
    "e2c": "E2C",
    "epide": "EPIDE",
    "poei": "POEI",
    "poec": "POEC",
    "higher_education": "enseignement supérieur",
    "region": "Région",
    "state": "État",
    "opco": "OPCO",
    "discover": "découvrir un métier",
    "confirm": "confirmer un projet",
    "recruit": "initier un recrutement",
    # exit reasons and situations
    "completed": "parcours terminé",
    "abandonment": "abandon",
    "age_limit": "limite d'âge",
    "sanction": "sanction",
    "moved": "déménagement",
    "none": "sans situation",
    # referral sources
    "self": "démarche personnelle",
    "family_friends": "famille, amis",
    "france_travail": "France Travail",
    "school": "établissement scolaire",
    "cio_psad": "CIO, PSAD",
    "social_services": "services sociaux",
    "prij": "PRIJ",
    "housing_partner": "partenaire logement",
    "association": "association",
    "employer": "employeur",
    "city_services": "services de la ville",
    # requests and themes
    "orientation": "orientation",
    "mobility": "mobilité",
    "finance": "ressources",
    "rights_access": "accès aux droits",
    "citizenship_leisure": "citoyenneté, loisirs",
    "project": "projet",
    "citizenship": "citoyenneté",
    "leisure_culture_sport": "loisirs, culture, sport",
    # modes
    "on_site": "sur site",
    "remote": "à distance",
    "outreach": "hors les murs (aller vers)",
    # housing and nationality
    "parents": "chez les parents",
    "own": "logement autonome",
    "hosted": "hébergé",
    "precarious": "logement précaire",
    "homeless": "sans domicile",
    "collective_residence": "foyer, résidence collective",
    "fr": "française",
    "eu": "Union européenne",
    "non_eu": "hors Union européenne",
}
# The ROME's fourteen domains (the letter of an offer's ROME code).
ROME_DOMAINS = {
    "A": "agriculture et pêche, espaces naturels et espaces verts, soins aux animaux",
    "B": "arts et façonnage d'ouvrages d'art",
    "C": "banque, assurance, immobilier",
    "D": "commerce, vente et grande distribution",
    "E": "communication, média et multimédia",
    "F": "construction, bâtiment et travaux publics",
    "G": "hôtellerie-restauration, tourisme, loisirs et animation",
    "H": "industrie",
    "I": "installation et maintenance",
    "J": "santé",
    "K": "services à la personne et à la collectivité",
    "L": "spectacle",
    "M": "support à l'entreprise",
    "N": "transport et logistique",
}

INNOVAM = "INNOVAM 2023"
NOA = "Nord-Ouest Aubeois 2023"


def figure(
    label: str, chapter: Chapter, unit: Unit, definition: str, *lines: str, default: Any = ..., whole: str | None = None
) -> Any:
    """A figure of the document: its value's field, with what the catalogue says of it. `lines`:
    the seed reports' own words it reproduces, « as printed » with the report's name first;
    `whole`: the key of the figure it is a part of, for the share the reports print beside it."""
    extra = {"x-label": label, "x-chapter": chapter, "x-unit": unit, "x-report-lines": list(lines)}
    return Field(default, description=definition, json_schema_extra=extra | ({"x-whole": whole} if whole else {}))


def group(label: str, chapter: Chapter, definition: str, whole: str | None = None) -> Any:
    """A group of figures (an object of the document): its label, chapter and what it holds;
    `whole`: the figure its counts of young people are parts of (a profile's: its group's size)."""
    extra = {"x-label": label, "x-chapter": chapter} | ({"x-whole": whole} if whole else {})
    return Field(description=definition, json_schema_extra=extra)


class Figures(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommuneFigures(Figures):
    first_welcomes: int = figure(
        "premiers accueils", "youths", "youths", "First welcomes of young people living there."
    )
    accompanied: int = figure("accompagnés", "youths", "youths", "Accompanied young people living there.")
    accompanied_with_situation: int = figure(
        "accompagnés entrés en situation", "youths", "youths", "Those also with a situation entry in the period."
    )
    situation_rate: float | None = figure(
        "part des accompagnés en situation", "youths", "rate", "accompanied_with_situation / accompanied."
    )


class ProfileFigures(Figures):
    age_band: dict[AgeBand, int] = figure(
        "âge", "youths", "youths", "Age in completed years on the period's last day (rule 7)."
    )
    sex: dict[Sex, int] = figure("sexe", "youths", "youths", "Sex of the latest profile.")
    education_level: dict[EducationLevel, int] = figure(
        "niveau", "youths", "youths", "Education level 1 to 8 of the latest profile."
    )
    minors: int = figure(
        "mineurs", "youths", "youths", "Under 18 on the period's last day.", f"{INNOVAM}: « 315 mineurs accompagnés »"
    )
    no_diploma: int = figure("sans diplôme", "youths", "youths", "Profile says no diploma.")
    qpv: int = figure("résidant en QPV", "youths", "youths", "Living in a quartier prioritaire de la ville.")
    zrr: int = figure("résidant en ZRR", "youths", "youths", "Living in a zone de revitalisation rurale.")
    rqth: int = figure("RQTH", "youths", "youths", "Recognised as disabled workers (RQTH).")
    neet: int = figure("NEET", "youths", "youths", "Neither in employment, education nor training.")
    no_driving_licence: int = figure("sans permis", "youths", "youths", "Profile says no driving licence.")
    has_car: int = figure("véhiculés", "youths", "youths", "Profile says the young person has a car.")
    with_children: int = figure("avec enfant(s)", "youths", "youths", "Profile counts one child or more.")
    france_travail_registered: int = figure(
        "inscrits à France Travail", "youths", "youths", "Profile says registered with France Travail."
    )
    housing: dict[it.Housing, int] = figure("logement", "youths", "youths", "Housing of the profile.")
    nationality_zone: dict[it.NationalityZone, int] = figure(
        "nationalité", "youths", "youths", "Nationality zone of the profile: France, EU, outside the EU."
    )


class BriefProfile(Figures):
    """The profile the reports give of a group (the entrants of a programme, the young people in
    training...): age, sex, level and the flags."""

    age_band: dict[AgeBand, int] = figure("âge", "youths", "youths", "Age on the period's last day.")
    sex: dict[Sex, int] = figure("sexe", "youths", "youths", "Sex of the latest profile.")
    education_level: dict[EducationLevel, int] = figure("niveau", "youths", "youths", "Education level 1 to 8.")
    minors: int = figure("mineurs", "youths", "youths", "Under 18 on the period's last day.")
    no_diploma: int = figure("sans diplôme", "youths", "youths", "Profile says no diploma.")
    qpv: int = figure("résidant en QPV", "youths", "youths", "Living in a quartier prioritaire de la ville.")
    zrr: int = figure("résidant en ZRR", "youths", "youths", "Living in a zone de revitalisation rurale.")
    rqth: int = figure("RQTH", "youths", "youths", "Recognised as disabled workers (RQTH).")
    neet: int = figure("NEET", "youths", "youths", "Neither in employment, education nor training.")


class TrainingProfile(BriefProfile):
    sex: dict[Sex, int] = figure(
        "sexe", "youths", "youths", "Sex of the latest profile.", f"{NOA}: « 44% sont des femmes » (en formation)"
    )
    qpv: int = figure(
        "résidant en QPV",
        "youths",
        "youths",
        "Living in a quartier prioritaire de la ville.",
        f"{NOA}: « 10% résident en QPV » (en formation)",
    )
    minors: int = figure(
        "mineurs",
        "youths",
        "youths",
        "Under 18 on the period's last day.",
        f"{NOA}: « 17% étaient mineurs » (en formation)",
    )


class SituationProfiles(Figures):
    employment: BriefProfile = group(
        "profil des jeunes en emploi",
        "employment",
        "Young people with a job contract in the period.",
        whole="youths_in_employment",
    )
    alternance: BriefProfile = group(
        "profil des jeunes en alternance",
        "employment",
        "Young people with an alternance contract in the period.",
        whole="youths_in_alternance",
    )
    training: TrainingProfile = group(
        "profil des jeunes en formation",
        "training",
        "Young people with a training entry (schooling included).",
        whole="training_youths",
    )


class TrainingObligation(Figures):
    """Code de l'éducation, art. L114-1: training is compulsory up to 18; Missions Locales see
    that 16 to 18 year olds fulfil it."""

    minors: int = figure(
        "mineurs accompagnés",
        "training",
        "youths",
        "Accompanied young people under 18 on the period's last day.",
        f"{INNOVAM}: « 315 mineurs accompagnés »",
    )
    with_situation: int = figure(
        "mineurs entrés en situation",
        "training",
        "youths",
        "Those of them with a situation entry in the period.",
        whole="training_obligation.minors",
    )
    by_kind: dict[SituationKind, int] = figure(
        "mineurs entrés en situation, par nature",
        "training",
        "youths",
        "Those of them with a situation entry of each kind.",
        f"{INNOVAM}: « 4 entrés en emploi - 10 entrés en formation - 75 rescolarisés - 2 en service civique »",
        whole="training_obligation.minors",
    )


class AidedContracts(Figures):
    fixed_term: int = figure(
        "en CDD", "employment", "count", "Signed with an end date.", f"{INNOVAM}: « CAE 14 2 CIE 13 7 » (dont CDD)"
    )
    open_ended: int = figure(
        "en CDI", "employment", "count", "Signed without an end date.", f"{INNOVAM}: « CAE 14 2 CIE 13 7 » (dont CDI)"
    )


class SiteFigures(Figures):
    first_welcomes: int = figure("premiers accueils", "youths", "youths", "First welcomes of young people of the site.")
    accompanied: int = figure("accompagnés", "youths", "youths", "Accompanied young people of the site.")


class ModeFigures(Figures):
    first_welcomes: int = figure("premiers accueils", "year", "count", "FirstWelcomeRecorded in that mode.")
    dossier_events: int = figure("événements dossier", "year", "count", "DossierEventRecorded in that mode.")


class CounselorFigures(Figures):
    individual_interviews: int = figure(
        "entretiens individuels", "year", "count", "Individual interviews recorded by the counselor (R9)."
    )
    workshop_participations: int = figure(
        "présences en ateliers", "year", "count", "Workshop and group information events recorded by them."
    )
    youths: int = figure(
        "jeunes suivis", "year", "youths", "Young people with a first welcome or dossier event recorded by them."
    )


class ProgrammeFigures(Figures):
    entries: int = figure(
        "entrées",
        "programmes",
        "count",
        "ProgrammeEntered in the period.",
        f"{INNOVAM}: « 426 contrats ont été signés » (PACEA)",
        f"{NOA}: « 243 jeunes entrés dans le dispositif » (CEJ)",
    )
    objective: int | None = figure(
        "objectif d'entrées de l'année",
        "programmes",
        "target",
        "The latest ObjectiveSet for the year the period ends in (v2.md, E3); null when none.",
    )
    objective_rate: float | None = figure("part de l'objectif atteinte", "programmes", "rate", "entries / objective.")
    active_youths: int = figure(
        "jeunes suivis",
        "programmes",
        "youths",
        "Young people with an enrolment active over the period (v2.md, active_youths).",
        f"{NOA}: « 627 jeunes en parcours » (PACEA)",
    )
    exits: int = figure("sorties", "programmes", "count", "ProgrammeExited in the period.")
    positive_exits: int = figure(
        "sorties positives",
        "programmes",
        "count",
        "Exits to employment, alternance, training, schooling or volunteering.",
    )
    allowance_requested_cents: int = figure(
        "allocations demandées",
        "programmes",
        "cents",
        "Allowances requested in the period.",
        f"{NOA}: « Montant des allocations demandées 287 jeunes concernés » (PACEA: 112 030 €)",
    )
    allowance_paid_cents: int = figure(
        "allocations versées",
        "programmes",
        "cents",
        "Allowances paid in the period.",
        f"{INNOVAM}: « 184 837€ d'allocations PACEA ont été versées à 426 jeunes »",
    )
    allowance_requested_youths: int = figure(
        "jeunes concernés par une demande d'allocation",
        "programmes",
        "youths",
        "Young people with an allowance requested in the period.",
        f"{NOA}: « 287 jeunes concernés » (PACEA)",
    )
    allowance_paid_youths: int = figure(
        "jeunes allocataires",
        "programmes",
        "youths",
        "Young people with an allowance paid in the period.",
        f"{INNOVAM}: « 184 837€ d'allocations PACEA ont été versées à 426 jeunes »",
    )
    exits_by_reason: dict[d.ExitReason, int] = figure(
        "sorties par motif", "programmes", "count", "ProgrammeExited in the period per reason."
    )
    exits_by_situation: dict[d.ExitSituation, int] = figure(
        "sorties par situation", "programmes", "count", "ProgrammeExited in the period per situation at exit."
    )
    entries_by_partner: dict[str, int] = figure(
        "entrées par partenaire",
        "programmes",
        "count",
        "Entries per partner named (the CEJ jeunes en rupture's, for one).",
        f"{INNOVAM}: « En 2023, 23 CEJ JR ont été contractualisés avec le CLLAJ et 2 avec ASPHALTE »",
    )
    planned_days: int | None = figure(
        "durée prévue moyenne (jours)",
        "programmes",
        "days",
        "Average days from start to planned end of the enrolments entered in the period; null: none.",
    )
    effective_days: int | None = figure(
        "durée effective moyenne (jours)",
        "programmes",
        "days",
        "Average days from entry to exit of the enrolments exited in the period; null: none.",
    )
    youths_with_situation: int = figure(
        "jeunes suivis entrés en situation",
        "programmes",
        "youths",
        "Young people followed (active_youths) with a situation entry in the period.",
        f"{INNOVAM}: « 30 jeunes ont été parrainés en 2023 dont 18 sont entrés en situation » (parrainage)",
        whole="programmes.*.active_youths",
    )
    situations_by_kind: dict[SituationKind, int] = figure(
        "jeunes suivis entrés en situation, par nature",
        "programmes",
        "youths",
        "Young people followed with a situation entry of each kind.",
        f"{INNOVAM}: « 10 en emploi - 5 en contrats en alternance - 3 entrés en formation » (parrainage)",
        whole="programmes.*.active_youths",
    )
    active_zrr: int = figure(
        "jeunes suivis résidant en ZRR",
        "programmes",
        "youths",
        "Young people followed living in a zone de revitalisation rurale (share: of the accompanied in ZRR).",
        f"{NOA}: « 50% des jeunes ruraux ont bénéficié du Contrat d'Engagement Jeune »",
        whole="profile_of_accompanied.zrr",
    )
    entrants_profile: BriefProfile = group(
        "profil des entrants", "programmes", "The young people who entered the programme in the period."
    )


class OfferFigures(Figures):
    received: int = figure(
        "offres reçues",
        "employment",
        "count",
        "JobOfferReceived in the period.",
        f"{INNOVAM}: « 112 entreprises ont fait appel à la Mission Locale pour nous confier 179 offres d'emploi »",
    )
    employers: int = figure(
        "entreprises",
        "employment",
        "count",
        "Distinct employers of those offers.",
        f"{INNOVAM}: « 112 entreprises ont fait appel à la Mission Locale pour nous confier 179 offres d'emploi »",
    )
    referrals: int = figure(
        "mises en relation",
        "employment",
        "count",
        "CandidateReferred in the period.",
        f"{NOA}: « 1 047 positionnements »",
    )
    referred_youths: int = figure(
        "jeunes mis en relation",
        "employment",
        "youths",
        "Young people referred.",
        f"{INNOVAM}: « 379 jeunes ont été mis en relation sur ces 179 offres »",
    )
    hires: int = figure(
        "recrutements",
        "employment",
        "count",
        "ReferralOutcomeRecorded hired in the period.",
        f"{INNOVAM}: « 126 mises en relation ont abouti à un recrutement »",
    )
    hired_youths: int = figure("jeunes recrutés", "employment", "youths", "Young people with a hired outcome.")
    filled: int = figure("offres pourvues", "employment", "count", "JobOfferClosed as filled in the period.")
    filled_rate: float | None = figure("part des offres pourvues", "employment", "rate", "filled / received.")
    by_contract_type: dict[em.ContractType, int] = figure(
        "offres par type de contrat", "employment", "count", "Offers received per contract type."
    )
    by_sector: dict[em.RomeDomain, int] = figure(
        "offres par secteur ROME",
        "employment",
        "count",
        "Offers received per ROME domain (the code's letter).",
        f"{INNOVAM}: « Les offres d'emploi par secteur d'activité Services à la personne et à la collectivité 35 »",
    )


class SectorContracts(Figures):
    employment: int = figure("contrats de travail", "employment", "count", "Job contracts signed in that sector.")
    alternance: int = figure("contrats en alternance", "employment", "count", "Alternance contracts in that sector.")


class RecruitmentSessions(Figures):
    sessions: int = figure("sessions", "employment", "count", "RecruitmentSessionHeld in the period.")
    participants: int = figure("participants", "employment", "count", "Young people who took part, summed.")


class AidFigures(Figures):
    count: int = figure(
        "aides accordées",
        "social",
        "count",
        "FinancialAidGranted in the period.",
        f"{INNOVAM}: « 971 aides à la mobilité »",
    )
    amount_cents: int = figure(
        "montant", "social", "cents", "Their total.", f"{INNOVAM}: « ... pour un total de 71 064 € »"
    )
    youths: int = figure(
        "jeunes aidés", "social", "youths", "Young people granted one.", f"{INNOVAM}: « ... pour 159 jeunes »"
    )


class ReferralFigures(Figures):
    count: int = figure("orientations", "social", "count", "SocialReferralMade in the period.")
    youths: int = figure("jeunes orientés", "social", "youths", "Young people referred to a partner.")
    by_partner: dict[str, int] = figure("orientations par partenaire", "social", "count", "Referrals per partner.")


class Indicators(Figures):
    first_welcomes: int = figure(
        "jeunes en premier accueil",
        "year",
        "youths",
        "Young people with a FirstWelcomeRecorded in the period.",
        f"{INNOVAM}: « 1073 jeunes nouveaux »",
        f"{NOA}: « 420 Jeunes en 1er accueil »",
    )
    accompanied: int = figure(
        "jeunes accompagnés",
        "year",
        "youths",
        "Young people with an individual interview, workshop or group information in the period (R9).",
        f"{INNOVAM}: « accompagné 2228 jeunes »",
        f"{NOA}: « 1 022 Jeunes accompagnés »",
    )
    in_contact: int = figure(
        "jeunes en contact",
        "year",
        "youths",
        "Young people with a first welcome or a dossier event of any nature but administrative and correction.",
    )
    individual_interviews: int = figure(
        "entretiens individuels",
        "year",
        "count",
        "Individual interviews, first welcomes of that nature included (R9).",
        f"{NOA}: « 7 168 Entretiens individuels »",
    )
    workshop_sessions: int = figure(
        "séances d'ateliers",
        "year",
        "count",
        "Distinct sessions of workshop and group information events.",
        f"{INNOVAM}: « En 2023, nous avons réalisé 185 ateliers pour 679 participations. »",
    )
    workshop_participations: int = figure(
        "présences en ateliers et informations collectives",
        "year",
        "count",
        "Workshop and group information events.",
        f"{NOA}: « 5 172 présents aux ateliers et informations collectives »",
    )
    situation_entries: int = figure(
        "entrées en situation",
        "year",
        "count",
        "Contracts, trainings, PMSMP and civic services started in the period.",
        f"{INNOVAM}: « 1564 entrées en situation pour 1230 jeunes »",
    )
    situation_entries_by_kind: dict[SituationKind, int] = figure(
        "entrées en situation par nature", "year", "count", "situation_entries per kind (events.md)."
    )
    youths_with_situation: int = figure(
        "jeunes entrés en situation",
        "year",
        "youths",
        "Young people with a situation entry.",
        f"{INNOVAM}: « 1564 entrées en situation pour 1230 jeunes »",
    )
    accompanied_with_situation: int = figure(
        "accompagnés entrés en situation", "year", "youths", "Young people both accompanied and with a situation entry."
    )
    situation_rate: float | None = figure(
        "part des accompagnés en situation",
        "year",
        "rate",
        "accompanied_with_situation / accompanied.",
        f"{INNOVAM}: « 55% des jeunes accompagnés ont accédé à une situation »",
    )
    employment_contracts: int = figure(
        "contrats de travail",
        "employment",
        "count",
        "Every ContractSigned.",
        f"{NOA}: « 674 Contrats de travail négociés »",
    )
    job_contracts: int = figure(
        "contrats de travail hors alternance",
        "employment",
        "count",
        "ContractSigned of the employment kind (v2.md).",
        f"{NOA}: « soit 622 contrats de travail signés »",
    )
    alternance_contracts: int = figure(
        "contrats en alternance",
        "employment",
        "count",
        "ContractSigned of the alternance kind.",
        f"{NOA}: « 52 entrées en alternance »",
    )
    youths_in_employment: int = figure(
        "jeunes en emploi hors alternance",
        "employment",
        "youths",
        "Young people with a job contract.",
        f"{NOA}: « 398 jeunes ont accédé à l'emploi »",
    )
    youths_in_alternance: int = figure(
        "jeunes en alternance", "employment", "youths", "Young people with an alternance contract."
    )
    durable_contracts: int = figure(
        "contrats durables", "employment", "count", "Job contracts that are CDI or last six months or more (v2.md)."
    )
    durable_rate: float | None = figure(
        "part de contrats durables",
        "employment",
        "rate",
        "durable_contracts / job_contracts.",
        f"{NOA}: « 46% en emploi durable »",
    )
    training_entries: int = figure(
        "entrées en formation",
        "training",
        "count",
        "TrainingEntered, schooling included.",
        f"{INNOVAM}: « 366 entrées en formation »",
    )
    training_youths: int = figure(
        "jeunes entrés en formation", "training", "youths", "Young people with a training entry."
    )
    immersions: int = figure(
        "PMSMP",
        "training",
        "count",
        "ImmersionStarted in the period.",
        f"{NOA}: « 160 PMSMP »",
    )
    training_by_type: dict[em.TrainingType, int] = figure(
        "entrées en formation par type",
        "training",
        "count",
        "TrainingEntered per training type.",
        f"{NOA}: « 43 jeunes sont entrés dans l'Ecole de la Deuxième Chance (E2C) »",
    )
    training_by_funder: dict[em.Funder, int] = figure(
        "entrées en formation par financeur", "training", "count", "TrainingEntered per funder."
    )
    training_regional_plan: int = figure(
        "entrées en formation du plan régional",
        "training",
        "count",
        "Trainings under the Region's training plan.",
        f"{NOA}: « 55% des jeunes sont entrés en formation dans le cadre du Plan Régional de Formation »",
    )
    immersions_by_objective: dict[em.ImmersionObjective, int] = figure(
        "PMSMP par objectif", "training", "count", "ImmersionStarted per objective (D5135-3)."
    )
    contracts_by_type: dict[em.ContractType, int] = figure(
        "contrats par type",
        "employment",
        "count",
        "ContractSigned per contract type (CAE and CIE: contrats aidés).",
        f"{NOA}: « 50% entrées en contrat d'apprentissage »",
        f"{INNOVAM}: « 36 contrats aidés ont été mis en œuvre par la Mission Locale en 2023 »",
    )
    aided_contracts: dict[Literal["CAE", "CIE"], AidedContracts] = group(
        "contrats aidés", "employment", "CAE and CIE signed, for a fixed term (CDD) or an open one (CDI)."
    )
    situation_profiles: SituationProfiles = group(
        "profils des jeunes en situation", "employment", "The young people in employment, alternance, training."
    )
    training_obligation: TrainingObligation = group(
        "obligation de formation des 16-18 ans",
        "training",
        "Code de l'éducation, art. L114-1: the accompanied minors and their situations.",
    )
    contracts_by_sector: dict[em.RomeDomain, SectorContracts] = group(
        "contrats par secteur ROME", "employment", "Job and alternance contracts per ROME domain of the job."
    )
    recruitment_sessions: RecruitmentSessions = group(
        "recrutements collectifs", "employment", "Collective recruitment sessions and their participants."
    )
    immersion_youths: int = figure(
        "jeunes en PMSMP",
        "training",
        "youths",
        "Young people with an immersion.",
        f"{INNOVAM}: « 112 jeunes ont bénéficié d'une PMSMP »",
    )
    by_commune: dict[str, CommuneFigures] = group(
        "par commune", "youths", "Per INSEE commune of the latest profile ('unknown' when none)."
    )
    profile_of_accompanied: ProfileFigures = group(
        "profil des accompagnés", "youths", "The accompanied, by their latest profile (rule 7).", whole="accompanied"
    )
    first_welcome_profile: ProfileFigures = group(
        "profil des jeunes en premier accueil",
        "youths",
        "The young people first welcomed in the period, by the profile given at their welcome.",
        whole="first_welcomes",
    )
    referral_sources: dict[it.ReferralSource, int] = figure(
        "jeunes en premier accueil par prescripteur",
        "youths",
        "youths",
        "Who sent the young people welcomed.",
        whole="first_welcomes",
    )
    requests: dict[it.Request, int] = figure(
        "jeunes en premier accueil par demande",
        "youths",
        "youths",
        "What the young people welcomed asked for.",
        whole="first_welcomes",
    )
    by_mode: dict[it.Mode, ModeFigures] = group(
        "par modalité", "year", "Welcomes and dossier events on site, remote, or outreach (the mobile office)."
    )
    themes: dict[it.Theme, int] = figure(
        "événements dossier par thème", "year", "count", "Dossier events per theme they dealt with."
    )
    by_site: dict[str, SiteFigures] = group("par site", "youths", "Per site of the dossier ('unknown' when none).")
    counselors: dict[str, CounselorFigures] = group(
        "activité des conseillers", "year", "Per counselor, by their pseudonymous actor_id."
    )
    programmes: dict[d.Programme, ProgrammeFigures] = group("dispositifs", "programmes", "One object per programme.")
    offers: OfferFigures = group("offres d'emploi", "employment", "Offers, referrals and hires.")
    financial_aids: dict[d.AidKind, AidFigures] = group("aides financières", "social", "Per kind of aid.")
    social_referrals: dict[d.ReferralDomain, ReferralFigures] = group(
        "orientations vers les partenaires", "social", "Per domain."
    )


class IndicatorDocument(Figures):
    """The answer of `GET /v1/indicators` and `relais indicators` (indicators.md, "The answer")."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    ml_id: str | None = Field(description="The Mission Locale; null for the network.")
    from_: str = Field(alias="from", description="First day of the period (YYYY-MM-DD).")
    to: str = Field(description="Last day of the period (YYYY-MM-DD).")
    as_of: str | None = Field(description="Only events recorded up to this instant count; null: all.")
    events_considered: int = figure(
        "événements pris en compte", "year", "count", "Events of the period that were counted or cancelled."
    )
    events_skipped: int = figure("événements ignorés", "year", "count", "Events of unknown types or newer versions.")
    indicators: Indicators
    by_ml: dict[str, "IndicatorDocument"] | None = Field(description="The network: each Mission Locale's document.")


@dataclass(frozen=True)
class Entry:
    """One figure, or one group of figures, of the catalogue. `key` is dotted from the document's
    `indicators` (`events_considered` and `events_skipped` beside them), with `*` where a
    vocabulary's value or a commune comes (`programmes.*.entries`); `keys` names that vocabulary."""

    key: str
    label: str
    chapter: str
    unit: str | None  # None: a group
    definition: str
    report_lines: tuple[str, ...]
    keys: str | None  # the vocabulary of the `*` that follows, if any
    whole: str | None = None  # the key of the figure its young people are a part of (`*`: the same value)


def _vocabulary(annotation: Any) -> str | None:
    if getattr(annotation, "__origin__", None) is not dict:
        return None
    key_type = annotation.__args__[0]
    return {em.RomeDomain: "rome", Sex: "sex"}.get(key_type, "commune" if key_type is str else "values")


def _model_in(annotation: Any) -> type[BaseModel] | None:
    inner = annotation.__args__[1] if getattr(annotation, "__origin__", None) is dict else annotation
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _entries(model: type[BaseModel], prefix: str, whole: str | None = None) -> list[Entry]:
    found = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if "x-label" not in extra:
            continue
        key = f"{prefix}{name}"
        keys = _vocabulary(info.annotation)
        inner = _model_in(info.annotation)
        found.append(
            Entry(
                key,
                str(extra["x-label"]),
                str(extra["x-chapter"]),
                None if inner else str(extra["x-unit"]),
                info.description or "",
                tuple(extra.get("x-report-lines", ())),  # type: ignore[arg-type]
                keys,
                str(extra.get("x-whole") or whole) if extra.get("x-whole") or whole else None,
            )
        )
        if inner is not None:
            found += _entries(inner, f"{key}.*." if keys else f"{key}.", extra.get("x-whole") or whole)  # type: ignore[arg-type]
    return found


CATALOGUE: dict[str, Entry] = {e.key: e for e in _entries(IndicatorDocument, "") + _entries(Indicators, "")}


def value_label(vocabulary: str | None, value: str, names: Mapping[str, str] | None = None) -> str:
    """The French name of a key of the document that is a vocabulary's value, or a commune's, a
    site's or a counselor's code (named by `names`, the network directory's, when it knows it)."""
    if vocabulary == "commune":
        return (names or {}).get(value) or VALUE_LABELS.get(value, value)
    if vocabulary == "rome":
        return f"{value} — {ROME_DOMAINS.get(value, value)}"
    if vocabulary == "sex":
        return {"F": "femmes", "M": "hommes", "X": "non précisé"}.get(value, value)
    return VALUE_LABELS.get(value, value)


def entry_of(key: str, names: Mapping[str, str] | None = None) -> tuple[Entry | None, str]:
    """The catalogue's entry for a dotted key of the document (None when it has none), and the
    key's French label (`programmes.PACEA.entries` → « dispositifs — PACEA — entrées »)."""
    labels: list[str] = []
    pattern: list[str] = []
    entry: Entry | None = None
    vocabulary: str | None = None
    for part in key.split("."):
        found = CATALOGUE.get(".".join([*pattern, part]))
        if found is not None:
            entry = found
            pattern.append(part)
            labels.append(entry.label)
            vocabulary = entry.keys
        elif vocabulary is not None:
            pattern.append("*")
            labels.append(value_label(vocabulary, part, names))
            vocabulary = None
        else:
            return None, key
    return entry, " — ".join(labels)


def whole_of(entry: Entry, key: str) -> str | None:
    """The key of the whole a figure's value is a part of (`programmes.CEJ.youths_with_situation`
    → `programmes.CEJ.active_youths`); None when it has none, or is its own whole."""
    if entry.whole is None:
        return None
    parts = key.split(".")
    whole = ".".join(parts[i] if p == "*" and i < len(parts) else p for i, p in enumerate(entry.whole.split(".")))
    return None if whole == key else whole


def label(key: str, names: Mapping[str, str] | None = None) -> str:
    """The French label of a dotted key of the document (the key itself if unknown)."""
    return entry_of(key, names)[1]


# What the seed reports publish that Relais does not produce, and why (docs/catalogue.md).
NOT_PRODUCED = (
    ("L'édito, les temps forts, les perspectives, les partenariats", "the direction's own words: `--editorial`"),
    ("Les finances (compte de résultat, subventions, taxe d'apprentissage)", "no accounting in Relais"),
    ("L'équipe (effectifs, formations des salariés)", "no staff records in Relais"),
    (f"{INNOVAM}: « 47,5% orientés par l'agence de Villejuif »", "France Travail's agencies are not recorded"),
    (
        f"{INNOVAM}: « 45% sur le secteur non marchand » (contrats aidés)",
        "an employer's legal status (market or not) is not recorded, only its ROME domain",
    ),
    (
        f"{INNOVAM}: « 305 prescriptions ont été réalisées par la Mission Locale sur cette plateforme »",
        "an outside platform",
    ),
    (
        f"{INNOVAM}: « 80% de ces recrutements sont en CDD » (hires through an offer, by the offer's contract)",
        "not yet: a hire is not joined to its offer's contract type (contracts signed by type are: contracts_by_type)",
    ),
    (
        "Hires from a collective recruitment (neither report prints them)",
        "a hire is not linked to its session in the events; sessions and participants are counted",
    ),
)


def coverage_markdown() -> str:
    """docs/catalogue.md: every figure by chapter, the report lines it reproduces, and what the
    reports publish that Relais does not produce."""
    out = [
        "# The catalogue of figures",
        "",
        "Generated from `services/reporting/src/relais_reporting/catalogue.py` by",
        "`.venv/bin/python -m relais_reporting.catalogue`; a test keeps it equal to the code.",
        "A `*` in a key stands for each value of a vocabulary (a programme, a kind of aid...).",
        "",
    ]
    for chapter, title in CHAPTERS.items():
        out += [f"## {title}", "", "| figure | key | unit | report lines reproduced |", "|---|---|---|---|"]
        for e in CATALOGUE.values():
            if e.chapter == chapter and e.unit is not None:
                lines = "<br>".join(e.report_lines) or "—"
                out.append(f"| {e.label} | `{e.key}` | {e.unit} | {lines} |")
        out.append("")
    out += ["## Published by the reports, not produced by Relais", "", "| report | why |", "|---|---|"]
    out += [f"| {line} | {why} |" for line, why in NOT_PRODUCED]
    return "\n".join(out) + "\n"


SCHEMA_FILE = Path(__file__).resolve().parents[4] / "contracts" / "indicators.schema.json"
COVERAGE_FILE = Path(__file__).resolve().parents[4] / "docs" / "catalogue.md"


def schema_text() -> str:
    """The indicator document's JSON Schema as published in `contracts/` (and in OpenAPI)."""
    return json.dumps(IndicatorDocument.model_json_schema(by_alias=True), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # .venv/bin/python -m relais_reporting.catalogue
    SCHEMA_FILE.write_text(schema_text())
    COVERAGE_FILE.parent.mkdir(exist_ok=True)
    COVERAGE_FILE.write_text(coverage_markdown())
    print(f"wrote {SCHEMA_FILE} and {COVERAGE_FILE}")
