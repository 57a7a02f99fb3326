"""The stable codes other agencies script against: levels, periods and dimensions.

Pure vocabulary with no dependencies, so every layer (store, catalog, stats, api, ogc) can use it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

Level = Literal[
    "national", "oficina_regional", "departamento", "provincia", "distrito", "establishment"
]
LEVELS: tuple[str, ...] = (
    "national",
    "oficina_regional",
    "departamento",
    "provincia",
    "distrito",
    "establishment",
)
UNIT_LEVELS: dict[str, int] = {"departamento": 2, "provincia": 4, "distrito": 6}
NATIONAL_CODE = "PE"
OFICINA_REGIONAL_CODES: tuple[str, ...] = (
    "OR-NORTE",
    "OR-LIMA",
    "OR-SUR",
    "OR-CENTRO",
    "OR-ORIENTE",
    "OR-SURORIENTE",
    "OR-NORORIENTE",
    "OR-ALTIPLANO",
)
ESTABLISHMENT_KINDS: dict[str, str] = {
    "ep": "Establecimiento penitenciario (intramuros)",
    "eml": "Establecimiento de medio libre (extramuros)",
}
LOCATION_PRECISIONS: tuple[str, ...] = (
    "exact",
    "district_capital",
    "province_capital",
    "department_capital",
)
ESTABLISHMENT_CODE_RE = re.compile(r"^(EP|EML)-[A-Z0-9-]+$")

DIMENSIONS: tuple[str, ...] = (
    "sex",
    "legal_status",
    "age_band",
    "regime",
    "stage",
    "tb_type",
    "programme",
    "category",
    "series",
)
DIMENSION_VALUES: dict[str, tuple[str, ...]] = {
    "sex": ("M", "F"),
    "legal_status": ("procesado", "sentenciado"),
    "series": ("baseline", "expected", "obtained"),
}
DIMENSION_VALUE_RE = re.compile(r"^[a-z0-9][a-z0-9_+\-.]*$")

_PERIOD_RE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$")


GRANULARITY_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True, order=True)
class Period:
    """A month (YYYY-MM), quarter (YYYY-Qn) or year (YYYY).

    Ordered by the month it ends, then month < quarter < year (end_key = year, month, rank).
    """

    end_key: tuple[int, int, int]
    code: str

    @property
    def granularity(self) -> Literal["month", "quarter", "year"]:
        if "-Q" in self.code:
            return "quarter"
        return "month" if "-" in self.code else "year"

    @property
    def year(self) -> int:
        return self.end_key[0]

    @property
    def months(self) -> int:
        """How many months the period spans (1, 3 or 12)."""
        return GRANULARITY_MONTHS[self.granularity]

    @property
    def end_month(self) -> str:
        """The month at the end of this period, as YYYY-MM (where a stock is measured)."""
        return f"{self.end_key[0]:04d}-{self.end_key[1]:02d}"


@functools.lru_cache(maxsize=4096)
def parse_period(text: str) -> Period:
    """Parse a period code; raises ValueError with the accepted forms. Memoised: a series
    or a map parses the same few hundred codes on every request."""
    match = _PERIOD_RE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"'{text}' is not a period: use YYYY-MM, YYYY-Qn or YYYY")
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
    elif match.group(3):
        month = int(match.group(3)) * 3
    else:
        month = 12
    # At equal end month, a month sorts before a quarter before a year.
    rank = {"month": 0, "quarter": 1, "year": 2}
    code = text.strip()
    granularity = "quarter" if match.group(3) else ("month" if match.group(2) else "year")
    return Period((year, month, rank[granularity]), code)


def period_sort_key(code: str) -> tuple[int, int, int]:
    return parse_period(code).end_key


def format_dimensions(dims: dict[str, str]) -> str:
    """Canonical text form of a dimension slice: 'k=v;k=v' sorted by key, '' for the total."""
    return ";".join(f"{k}={dims[k]}" for k in sorted(dims) if dims[k])


def parse_dimensions(text: str) -> dict[str, str]:
    if not text:
        return {}
    return dict(part.split("=", 1) for part in text.split(";"))
