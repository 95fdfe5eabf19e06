"""JWT bearer authentication and the tenant/role checks of api.md.

Claims: `sub` (user id), `role`, `ml_ids` (Mission Locale codes, or ["*"]). Locally tokens are
HS256 with `RELAIS_JWT_SECRET` (`relais token` prints one); in production RS256 verified against
the keys at `RELAIS_JWT_JWKS_URL`.
"""

import time
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from relais_runtime.errors import Forbidden, Unauthorized
from relais_runtime.settings import Settings, get_settings


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

    def may_access(self, ml_id: str) -> bool:
        return "*" in self.ml_ids or ml_id in self.ml_ids

    @property
    def sees_personal_data(self) -> bool:
        return self.role in PERSONAL_DATA_READERS


def issue_token(
    settings: Settings, *, sub: str, role: Role, ml_ids: list[str], ttl_seconds: int = 8 * 3600
) -> str:
    """A local HS256 token (development, tests, demo)."""
    now = int(time.time())
    claims = {
        "sub": sub, "role": str(role), "ml_ids": ml_ids,
        "iss": settings.jwt_issuer, "iat": now, "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


@cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def decode_token(settings: Settings, token: str) -> Principal:
    try:
        if settings.jwt_jwks_url:
            key = _jwks_client(settings.jwt_jwks_url).get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256"], issuer=settings.jwt_issuer)
        else:
            claims = jwt.decode(
                token, settings.jwt_secret, algorithms=["HS256"], issuer=settings.jwt_issuer
            )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"Jeton invalide : {exc}") from None
    try:
        role = Role(claims["role"])
        ml_ids = claims["ml_ids"]
        if not isinstance(ml_ids, list) or not all(isinstance(m, str) for m in ml_ids):
            raise ValueError("ml_ids")
        return Principal(sub=str(claims["sub"]), role=role, ml_ids=frozenset(ml_ids))
    except (KeyError, ValueError):
        raise Unauthorized("Jeton invalide : revendications sub, role ou ml_ids absentes ou fausses") from None


_bearer = HTTPBearer(auto_error=False)


def current_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    settings: Settings = Depends(get_settings),
) -> Principal:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        return decode_token(settings, credentials.credentials)
    # A browser's EventSource cannot send headers: dashboards pass the token in the query of GETs.
    query_token = request.query_params.get("access_token") if request.method == "GET" else None
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
        if ml_id is not None and not principal.may_access(ml_id):
            raise Forbidden(f"Ce jeton ne donne pas accès à la Mission Locale {ml_id}.")
        return principal

    return check
