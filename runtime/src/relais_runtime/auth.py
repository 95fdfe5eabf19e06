"""JWT bearer authentication and the tenant/role checks of api.md.

Claims: `sub` (user id), `role`, `ml_ids` (Mission Locale codes, or ["*"]), and `iat`, `exp`
(required: a token lives at most `RELAIS_JWT_MAX_TTL_SECONDS`), `aud` when
`RELAIS_JWT_AUDIENCE` is set. Locally tokens are HS256 with `RELAIS_JWT_SECRET` (`relais token`
prints one); in production RS256 verified against the keys at `RELAIS_JWT_JWKS_URL`.

A token in the query string (`access_token`) is accepted only where a browser cannot send a
header: the live stream (`EventSource`) and the spreadsheet download link.
"""

import re
import time
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from relais_runtime.kernel.errors import Forbidden, InvalidRequest, Unauthorized
from relais_runtime.settings import Settings, get_settings

# The contract's patterns (relais_contracts.types): what a token may name, so that no command can
# record an actor or a Mission Locale that its event could not carry.
SUBJECT = re.compile(r"^\S[^\x00-\x1f]{0,127}$")
ML_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
QUERY_TOKEN_PATHS = ("/v1/indicators/stream", "/v1/indicators.csv")


class Role(StrEnum):
    COUNSELOR = "counselor"
    DIRECTOR = "director"
    NETWORK_ANALYST = "network_analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"


WRITERS = frozenset({Role.COUNSELOR, Role.DIRECTOR, Role.ADMIN})
PERSONAL_DATA_READERS = frozenset({Role.COUNSELOR, Role.DIRECTOR, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    ml_ids: frozenset[str]
    expires_at: float = float("inf")  # seconds since the epoch (the token's `exp`)

    def may_access(self, ml_id: str) -> bool:
        return "*" in self.ml_ids or ml_id in self.ml_ids

    @property
    def sees_personal_data(self) -> bool:
        return self.role in PERSONAL_DATA_READERS


def issue_token(settings: Settings, *, sub: str, role: Role, ml_ids: list[str], ttl_seconds: int = 8 * 3600) -> str:
    """A local HS256 token (development, tests, demo)."""
    now = int(time.time())
    claims = {
        "sub": sub,
        "role": str(role),
        "ml_ids": ml_ids,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


@cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def decode_token(settings: Settings, token: str) -> Principal:
    options = {"require": ["exp", "iat", "sub"]}
    try:
        if settings.jwt_jwks_url:
            key = _jwks_client(settings.jwt_jwks_url).get_signing_key_from_jwt(token).key
            algorithms = ["RS256"]
        else:
            key, algorithms = settings.jwt_secret, ["HS256"]
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            options=options,
        )  # type: ignore[arg-type]
    except jwt.ExpiredSignatureError:
        # Said in words: an expired session is the one failure a user meets every day.
        raise Unauthorized("Jeton expiré : reconnectez-vous pour en obtenir un nouveau.") from None
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"Jeton invalide : {exc}") from None
    if claims["exp"] - claims["iat"] > settings.jwt_max_ttl_seconds:
        raise Unauthorized(f"Jeton invalide : sa durée de vie dépasse {settings.jwt_max_ttl_seconds} secondes.")
    try:
        role = Role(claims["role"])
        ml_ids = claims["ml_ids"]
        sub = claims["sub"]
        if not isinstance(sub, str) or not SUBJECT.match(sub):
            raise ValueError("sub")
        if (
            not isinstance(ml_ids, list)
            or not 1 <= len(ml_ids) <= 1000
            or not all(isinstance(m, str) and (m == "*" or ML_ID.match(m)) for m in ml_ids)
        ):
            raise ValueError("ml_ids")
        return Principal(sub=sub, role=role, ml_ids=frozenset(ml_ids), expires_at=float(claims["exp"]))
    except (KeyError, ValueError):
        raise Unauthorized(
            "Jeton invalide : revendications sub (1 à 128 caractères), role ou ml_ids absentes ou fausses"
        ) from None


_bearer = HTTPBearer(auto_error=False)


def current_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    settings: Settings = Depends(get_settings),
) -> Principal:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return decode_token(settings, credentials.credentials)
    # A browser's EventSource (and a download link) cannot send headers: there, and only there,
    # the dashboard passes the token in the query.
    query_token = (
        request.query_params.get("access_token")
        if request.method == "GET" and request.url.path in QUERY_TOKEN_PATHS
        else None
    )
    if query_token:
        return decode_token(settings, query_token)
    raise Unauthorized("Un jeton Bearer est requis (en-tête Authorization).")


def require(*roles: Role, tenant: bool = True):
    """A dependency: the caller has one of `roles` and, if `tenant`, may act on the path's ml_id."""
    allowed = frozenset(roles)

    def check(request: Request, principal: Principal = Depends(current_principal)) -> Principal:
        if allowed and principal.role not in allowed:
            raise Forbidden(f"Le rôle « {principal.role} » ne permet pas cette action.")
        ml_id = request.path_params.get("ml_id") if tenant else None
        if ml_id is not None and not ML_ID.match(ml_id):
            raise InvalidRequest(
                "Code de Mission Locale invalide (lettres, chiffres, - et _, 64 au plus).", field="path.ml_id"
            )
        if ml_id is not None and not principal.may_access(ml_id):
            raise Forbidden(f"Ce jeton ne donne pas accès à la Mission Locale {ml_id}.")
        return principal

    return check


# The checks the write services' routes use (api.md, "Roles"): who records, who reads dossiers.
WRITE = require(*WRITERS)
READ = require(*WRITERS, Role.AUDITOR)
# What only a Mission Locale's direction decides (an erasure, the year's objectives).
DIRECT = require(Role.DIRECTOR, Role.ADMIN)
