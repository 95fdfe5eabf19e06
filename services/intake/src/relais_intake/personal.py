"""Personal data stays home: sealed with a key per young person, searchable only blindly.

- `PersonalDataVault` seals a young person's identity (name, birth date, contacts, address)
  with AES-GCM under a key of their own, kept in the `personal_data_keys` table beside the event
  store. The events hold only the sealed text; `erase` destroys the key, and every copy of that
  text — in events, backups, exports — becomes unreadable (crypto-shredding).
- The name search uses a blind index: HMACs of the normalised name words and their prefixes, so
  the index table holds no name in clear either.
"""

import base64
import hmac
import os
import unicodedata
import uuid
from datetime import date
from hashlib import sha256

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Connection, Engine, LargeBinary, MetaData, String, Table, Uuid, delete, insert, select

metadata = MetaData()
personal_data_keys = Table(
    "personal_data_keys",
    metadata,
    Column("jeune_id", Uuid, primary_key=True),
    Column("key", LargeBinary(32), nullable=False),
)


class PersonalData(BaseModel):
    """Who the young person is. Lives in the intake store only, sealed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_name: str
    last_name: str
    birth_date: date
    email: str | None = None
    phone: str | None = None
    address: str | None = None


class PersonalDataVault:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine)

    def _key(self, jeune_id: uuid.UUID, conn: Connection | None = None) -> bytes | None:
        query = select(personal_data_keys.c.key).where(personal_data_keys.c.jeune_id == jeune_id)
        if conn is not None:
            return conn.execute(query).scalar_one_or_none()
        with self.engine.connect() as own:
            return own.execute(query).scalar_one_or_none()

    def _key_or_new(self, jeune_id: uuid.UUID) -> bytes:
        key = self._key(jeune_id)
        if key is not None:
            return key
        key = AESGCM.generate_key(bit_length=256)
        # The key commits before any event that uses it: a crash leaves at worst an unused key.
        with self.engine.begin() as conn:
            conn.execute(insert(personal_data_keys).values(jeune_id=jeune_id, key=key))
        return key

    def seal(self, jeune_id: uuid.UUID, data: PersonalData) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self._key_or_new(jeune_id)).encrypt(
            nonce, orjson.dumps(data.model_dump(mode="json")), jeune_id.bytes
        )
        return base64.b64encode(nonce + sealed).decode()

    def open(self, jeune_id: uuid.UUID, sealed: str, conn: Connection | None = None) -> PersonalData | None:
        """The personal data, or None once erased (`conn`: read within that transaction)."""
        key = self._key(jeune_id, conn)
        if key is None:
            return None
        raw = base64.b64decode(sealed)
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], jeune_id.bytes)
        return PersonalData.model_validate_json(plain)

    def erase(self, jeune_id: uuid.UUID) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(personal_data_keys).where(personal_data_keys.c.jeune_id == jeune_id))


def normalise(text: str) -> list[str]:
    """Lower-case words without accents: « Éloïse DUPONT-Lefèvre » → [eloise, dupont, lefevre]."""
    stripped = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in stripped).split()
    return [w for w in words if w]


MIN_PREFIX = 2


class BlindIndex:
    """HMAC tokens of name words and their prefixes: search without names in clear."""

    def __init__(self, key: bytes):
        self.key = key

    def token(self, ml_id: str, word: str) -> str:
        return hmac.new(self.key, f"{ml_id}\x1f{word}".encode(), sha256).hexdigest()[:32]

    def tokens_of(self, ml_id: str, data: PersonalData) -> set[str]:
        words = normalise(f"{data.first_name} {data.last_name}")
        return {self.token(ml_id, w[:n]) for w in words for n in range(MIN_PREFIX, len(w) + 1)}

    def query_tokens(self, ml_id: str, query: str) -> list[str]:
        return [self.token(ml_id, w) for w in normalise(query) if len(w) >= MIN_PREFIX]


directory = Table(
    "youth_search_tokens",
    metadata,
    Column("ml_id", String(64), primary_key=True),
    Column("token", String(32), primary_key=True),
    Column("jeune_id", Uuid, primary_key=True),
)
