"""The indicator document as a spreadsheet: one row per figure and Mission Locale ("long" form,
what a pivot table wants), with a French label beside each stable key. Semicolons and a byte
order mark, so that a double click opens it right in a French spreadsheet."""

import csv
import io
from typing import Any

NETWORK = "Réseau"
HEADER = ("mission_locale", "du", "au", "connus_au", "indicateur", "libellé", "valeur")

LABELS = {
    "events_considered": "événements pris en compte",
    "events_skipped": "événements ignorés",
    "first_welcomes": "jeunes en premier accueil",
    "accompanied": "jeunes accompagnés",
    "in_contact": "jeunes en contact",
    "individual_interviews": "entretiens individuels",
    "workshop_sessions": "séances d'ateliers",
    "workshop_participations": "présences en ateliers et informations collectives",
    "situation_entries": "entrées en situation",
    "situation_entries_by_kind": "entrées en situation",
    "youths_with_situation": "jeunes entrés en situation",
    "accompanied_with_situation": "accompagnés entrés en situation",
    "situation_rate": "part des accompagnés en situation",
    "employment_contracts": "contrats de travail",
    "job_contracts": "contrats de travail hors alternance",
    "alternance_contracts": "contrats en alternance",
    "youths_in_employment": "jeunes en emploi hors alternance",
    "youths_in_alternance": "jeunes en alternance",
    "durable_contracts": "contrats durables",
    "durable_rate": "part de contrats durables",
    "training_entries": "entrées en formation",
    "training_youths": "jeunes entrés en formation",
    "immersions": "PMSMP",
    "immersion_youths": "jeunes en PMSMP",
    "by_commune": "commune",
    "profile_of_accompanied": "accompagnés",
    "age_band": "âge",
    "sex": "sexe",
    "education_level": "niveau",
    "minors": "mineurs",
    "no_diploma": "sans diplôme",
    "qpv": "résidant en QPV",
    "zrr": "résidant en ZRR",
    "rqth": "RQTH",
    "neet": "NEET",
    "no_driving_licence": "sans permis",
    "programmes": "dispositif",
    "entries": "entrées",
    "objective": "objectif d'entrées de l'année",
    "objective_rate": "part de l'objectif atteinte",
    "active_youths": "jeunes suivis",
    "exits": "sorties",
    "positive_exits": "sorties positives",
    "allowance_requested_cents": "allocations demandées (centimes)",
    "allowance_paid_cents": "allocations versées (centimes)",
    "allowance_requested_youths": "jeunes concernés par une demande d'allocation",
    "allowance_paid_youths": "jeunes allocataires",
    "offers": "offres",
    "received": "reçues",
    "employers": "entreprises",
    "referrals": "mises en relation",
    "referred_youths": "jeunes mis en relation",
    "hires": "recrutements",
    "hired_youths": "jeunes recrutés",
    "filled": "pourvues",
    "by_sector": "secteur ROME",
    "financial_aids": "aides financières",
    "count": "nombre",
    "amount_cents": "montant (centimes)",
    "youths": "jeunes",
    "social_referrals": "orientations",
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
    "F": "femmes",
    "M": "hommes",
    "X": "non précisé",
    "unknown": "inconnue",
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
}


def flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} → {"a.b": 1}: every figure of a document under one dotted key."""
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for k, v in doc.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: doc}


def label(key: str) -> str:
    return " — ".join(LABELS.get(part, part) for part in key.split("."))


def _figures(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "events_considered": doc["events_considered"],
        "events_skipped": doc["events_skipped"],
        **flatten(doc["indicators"]),
    }


def to_csv(doc: dict[str, Any]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    documents = [(doc["ml_id"] or NETWORK, doc)] + sorted((doc.get("by_ml") or {}).items())
    for ml, d in documents:
        for key, value in _figures(d).items():
            shown = "" if value is None else str(value).replace(".", ",") if isinstance(value, float) else value
            writer.writerow((ml, d["from"], d["to"], d["as_of"] or "", key, label(key), shown))
    return out.getvalue()
