"""RFC 9457 problem documents: every error a client sees, in French, never a stack trace.

The exceptions behind them live in `relais_runtime.kernel.errors`, free of HTTP, so that domain
modules can raise them.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from relais_runtime.kernel.errors import Problem
from relais_runtime.sql import DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://relais.example/problems/"
RETRY_AFTER_SECONDS = 5
MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Ressource introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    500: "Erreur interne",
    503: "Service indisponible",
}


def problem_response(status: int, rule: str, detail: str, instance: str | None = None, **extra: Any) -> JSONResponse:
    body = {
        "type": PROBLEM_BASE + rule,
        "title": TITLES.get(status, "Erreur"),
        "status": status,
        "detail": detail,
        **({"instance": instance} if instance else {}),
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


# The French words of the validation errors a form shows next to its field (the counselor's
# desk); `type` keeps pydantic's code for programs.
FRENCH_MESSAGES = {
    "missing": "Champ obligatoire.",
    "string_too_short": "Trop court : au moins {min_length} caractère(s).",
    "string_too_long": "Trop long : au plus {max_length} caractères.",
    "string_pattern_mismatch": "Format non reconnu.",
    "string_type": "Texte attendu.",
    "enum": "Valeur non prévue : choisissez dans la liste.",
    "literal_error": "Valeur non prévue : choisissez dans la liste.",
    "date_parsing": "Date invalide (aaaa-mm-jj).",
    "date_from_datetime_parsing": "Date invalide (aaaa-mm-jj).",
    "date_from_datetime_inexact": "Date attendue, sans heure.",
    "datetime_parsing": "Date et heure invalides.",
    "datetime_from_date_parsing": "Date et heure invalides.",
    "timezone_aware": "Précisez le fuseau horaire.",
    "int_parsing": "Nombre entier attendu.",
    "int_type": "Nombre entier attendu.",
    "int_from_float": "Nombre entier attendu.",
    "bool_parsing": "Oui ou non attendu.",
    "bool_type": "Oui ou non attendu.",
    "greater_than_equal": "Doit valoir au moins {ge}.",
    "greater_than": "Doit dépasser {gt}.",
    "less_than_equal": "Doit valoir au plus {le}.",
    "less_than": "Doit rester sous {lt}.",
    "too_short": "Au moins {min_length} élément(s).",
    "too_long": "Au plus {max_length} éléments.",
    "extra_forbidden": "Champ inconnu.",
    "uuid_parsing": "Identifiant invalide.",
    "json_invalid": "Le corps de la requête n'est pas du JSON valide.",
    "model_attributes_type": "Objet attendu.",
    "list_type": "Liste attendue.",
}


def french_message(error: dict[str, Any]) -> str:
    """A validation error in French; a rule of ours (`value_error`) keeps its own words."""
    template = FRENCH_MESSAGES.get(error["type"])
    if template is None:
        return f"Valeur refusée : {error['msg'].removeprefix('Value error, ')}"
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return template


def _field(loc: tuple[Any, ...]) -> str:
    # FastAPI prefixes the location with body/query/path: keep it, it tells where to look.
    return ".".join(str(p) for p in loc)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.rule, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e["loc"]), "message": french_message(e), "type": e["type"]} for e in exc.errors()]
        fields = ", ".join(e["field"] for e in errors)
        return problem_response(422, "validation", f"Champs invalides : {fields}", request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        rule = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        # Starlette's own details are English one-word reasons: answer in French instead.
        detail = TITLES.get(exc.status_code, str(exc.detail))
        return problem_response(exc.status_code, rule, detail, request.url.path)

    async def on_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # Nothing was committed (the transaction failed): retrying the same request is safe.
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        response = problem_response(
            503,
            "database-unavailable",
            "La base de données ne répond pas ; rien n'a été enregistré. Réessayez dans quelques secondes.",
            request.url.path,
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, on_database_unavailable)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500,
            "internal",
            "Une erreur inattendue est survenue ; elle a été journalisée.",
            request.url.path,
        )
