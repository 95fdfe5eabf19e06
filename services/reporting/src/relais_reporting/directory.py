"""The network directory: each Mission Locale's name, the communes it covers and its sites, so
that directors and analysts read names rather than codes, in the reports and on the dashboard.

A JSON file the network's administrator keeps (`RELAIS_DIRECTORY_FILE`, by default
`deploy/network/directory.json`); a code it does not name is shown as it is. A file that is not
valid stops the service at start with the reason, rather than serving wrong names.
"""

import json
import logging
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from relais_contracts.types import Code, InseeCode, MlId

log = logging.getLogger(__name__)
Name = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
MAX_BYTES = 4 * 1024 * 1024  # 436 Missions Locales and their communes fit in well under 1 MiB


class MissionLocale(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    communes: dict[InseeCode, Name] = Field(default_factory=dict, max_length=500)
    sites: dict[Code, Name] = Field(default_factory=dict, max_length=60)


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    missions_locales: dict[MlId, MissionLocale] = Field(default_factory=dict, max_length=2000)

    def name_of(self, ml_id: str | None) -> str:
        if ml_id is None:
            return "Le réseau des Missions Locales"
        known = self.missions_locales.get(ml_id)
        return known.name if known else f"Mission Locale {ml_id}"

    def names(self, ml_id: str | None = None) -> dict[str, str]:
        """Communes' and sites' names (of one Mission Locale, or of all), by code."""
        chosen = [self.missions_locales[ml_id]] if ml_id in self.missions_locales else []
        if ml_id is None:
            chosen = list(self.missions_locales.values())
        found: dict[str, str] = {}
        for ml in chosen:
            found |= ml.communes | ml.sites
        return found


class DirectoryInvalid(ValueError):
    """The directory file cannot be used: the reason, for the operator."""


def load_directory(path: Path) -> Directory:
    if not path.is_file():
        log.warning("no network directory at %s: Missions Locales are shown by their codes", path)
        return Directory()
    if path.stat().st_size > MAX_BYTES:
        raise DirectoryInvalid(f"{path} is over {MAX_BYTES // 1024 // 1024} MiB")
    try:
        return Directory.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise DirectoryInvalid(f"{path}: {where}: {first['msg']}") from None
