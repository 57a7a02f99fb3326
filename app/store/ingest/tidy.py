"""Validate the tidy observation format row by row; see docs/data-format.md.

Errors name the row (header = row 1) and the column, and say what was expected. Rows are
checked one at a time (a file is streamed, never held whole); `parse_rows` adds the duplicate
check for a small file held in memory, and the loader does it for big ones in bounded memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from app.codes import (
    DIMENSION_VALUE_RE,
    DIMENSION_VALUES,
    DIMENSIONS,
    LEVELS,
    format_dimensions,
    parse_period,
)
from app.errors import LoadError
from app.store.ingest.table import LoadLimits, Table, read_table

REQUIRED_COLUMNS = ("indicator", "place_type", "place_code", "period")
OPTIONAL_COLUMNS = ("value", "note", "source_document", "source_table", "source_locator")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + DIMENSIONS
TEXT_COLUMNS = ("note", "source_document", "source_table", "source_locator")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_CHARS = 2_000
# Validated periods and dimension slices are remembered per load (a backfill repeats a few
# hundred of each millions of times); beyond this many distinct ones they are not.
MAX_REMEMBERED = 65_536


class TidyRow(NamedTuple):
    """One validated row, in the column order of the observations table (after dataset_id)."""

    indicator: str
    place_type: str
    place_code: str
    period: str
    dimensions: str
    value: float | None
    note: str
    source_document: str
    source_table: str
    source_locator: str

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.indicator, self.place_type, self.place_code, self.period, self.dimensions)


@dataclass(frozen=True)
class Vocabulary:
    """What the store knows: rows naming anything else are rejected."""

    indicators: frozenset[str]
    places: Mapping[str, frozenset[str]]
    non_negative: frozenset[str] = frozenset()


def parse_rows(
    data: bytes, filename: str, vocabulary: Vocabulary, defaults: Mapping[str, str] | None = None
) -> list[TidyRow]:
    """Validate every row of a small file held in memory, duplicates included; the first
    error raises LoadError naming row and column."""
    seen: dict[tuple[str, str, str, str, str], int] = {}
    result: list[TidyRow] = []
    with read_table(data, filename, LoadLimits()) as table:
        for number, row in iter_rows(table, vocabulary, defaults):
            if row.key in seen:
                raise duplicate_error(number, seen[row.key])
            seen[row.key] = number
            result.append(row)
    return result


def duplicate_error(number: int, first: int) -> LoadError:
    return LoadError(
        f"duplicates row {first} (same indicator, place, period and dimensions)", row=number
    )


def iter_rows(
    table: Table, vocabulary: Vocabulary, defaults: Mapping[str, str] | None = None
) -> Iterator[tuple[int, TidyRow]]:
    """(row number, validated row) for every data row; raises at the first invalid one, and
    when the file has no data row. Duplicates are not checked here."""
    parser = RowParser(table.header, vocabulary, defaults or {})
    count = 0
    for number, cells in table.rows:
        yield number, parser.parse(number, cells)
        count += 1
    if not count:
        raise LoadError("the file has a header but no data rows", row=2)


class RowParser:
    """Checks the header once, then turns the cells of each row into a TidyRow."""

    def __init__(
        self, header: list[str], vocabulary: Vocabulary, defaults: Mapping[str, str]
    ) -> None:
        _check_header(header)
        self.header = header
        self.vocabulary = vocabulary
        self.at = {name: i for i, name in enumerate(header)}
        self.text_columns = [(c, self.at[c]) for c in TEXT_COLUMNS if c in self.at]
        self.dimension_columns = [(d, self.at[d]) for d in DIMENSIONS if d in self.at]
        self.provenance = [
            (self.at.get(c), defaults.get(c, ""))
            for c in ("source_document", "source_table", "source_locator")
        ]
        self.periods: dict[str, str] = {}
        self.slices: dict[tuple[str, ...], str] = {}

    def parse(self, number: int, cells: list[str]) -> TidyRow:
        if max(map(len, cells)) > MAX_CELL_CHARS:
            column = next(
                h for h, c in zip(self.header, cells, strict=True) if len(c) > MAX_CELL_CHARS
            )
            raise LoadError(f"cell longer than {MAX_CELL_CHARS} characters", number, column)
        at = self.at
        indicator, place_type = cells[at["indicator"]], cells[at["place_type"]]
        place_code, period_text = cells[at["place_code"]], cells[at["period"]]
        for column, text in zip(
            REQUIRED_COLUMNS, (indicator, place_type, place_code, period_text), strict=True
        ):
            if not text:
                raise LoadError("value is required", number, column)
        for column, i in self.text_columns:
            if cells[i].startswith(FORMULA_PREFIXES):
                raise LoadError(
                    "text starts with a formula character (= + - @): not accepted", number, column
                )
        vocabulary = self.vocabulary
        if indicator not in vocabulary.indicators:
            raise LoadError(
                f"unknown indicator '{indicator}'; expected one of: "
                + ", ".join(sorted(vocabulary.indicators)),
                number,
                "indicator",
            )
        if place_type not in LEVELS:
            raise LoadError(
                f"unknown place_type '{place_type}'; expected one of: {', '.join(LEVELS)}",
                number,
                "place_type",
            )
        if place_code not in vocabulary.places.get(place_type, frozenset()):
            raise LoadError(
                f"no {place_type} with code '{place_code}' in the store", number, "place_code"
            )
        period = self.periods.get(period_text) or self._period(number, period_text)

        value_text = cells[at["value"]] if "value" in at else ""
        value = _parse_value(value_text, number)
        if value is not None and value < 0 and indicator in vocabulary.non_negative:
            raise LoadError(
                f"'{value_text}' is negative; '{indicator}' is a count (0 or more). "
                "Differences such as sobrepoblación are computed by the server, not loaded",
                number,
                "value",
            )
        note = cells[at["note"]] if "note" in at else ""
        if value is None and not note:
            raise LoadError(
                "value is empty: give a number, or say in 'note' why it is missing",
                number,
                "value",
            )
        values = tuple(cells[i] for _, i in self.dimension_columns)
        dimensions = self.slices.get(values)
        if dimensions is None:
            dimensions = self._dimensions(number, values)
        (doc_at, doc), (table_at, table), (locator_at, locator) = self.provenance
        return TidyRow(
            indicator,
            place_type,
            place_code,
            period,
            dimensions,
            value,
            note,
            (cells[doc_at] if doc_at is not None else "") or doc,
            (cells[table_at] if table_at is not None else "") or table,
            (cells[locator_at] if locator_at is not None else "") or locator,
        )

    def _period(self, number: int, text: str) -> str:
        try:
            code = parse_period(text).code
        except ValueError as exc:
            raise LoadError(str(exc), number, "period") from None
        if len(self.periods) < MAX_REMEMBERED:
            self.periods[text] = code
        return code

    def _dimensions(self, number: int, values: tuple[str, ...]) -> str:
        dims: dict[str, str] = {}
        for (dim, _), text in zip(self.dimension_columns, values, strict=True):
            if not text:
                continue
            allowed = DIMENSION_VALUES.get(dim)
            if allowed is not None and text not in allowed:
                raise LoadError(
                    f"'{text}' is not valid; expected one of: {', '.join(allowed)}", number, dim
                )
            if allowed is None and not DIMENSION_VALUE_RE.match(text):
                raise LoadError(
                    f"'{text}' is not valid; use lower-case letters, digits, _ - + .", number, dim
                )
            dims[dim] = text
        formatted = format_dimensions(dims)
        if len(self.slices) < MAX_REMEMBERED:
            self.slices[values] = formatted
        return formatted


def _check_header(header: Iterable[str]) -> None:
    names = list(header)
    for name in names:
        if name not in KNOWN_COLUMNS:
            raise LoadError(
                f"unknown column; expected columns among: {', '.join(KNOWN_COLUMNS)}",
                row=1,
                column=name or "(empty)",
            )
    if len(set(names)) != len(names):
        dup = next(h for h in names if names.count(h) > 1)
        raise LoadError("column appears twice", row=1, column=dup)
    for name in REQUIRED_COLUMNS:
        if name not in names:
            raise LoadError("required column is missing", row=1, column=name)


def _parse_value(text: str, number: int) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise LoadError(
            f"'{text}' is not a number (use . for decimals, no thousands separator)",
            number,
            "value",
        ) from None
    if not math.isfinite(value):
        raise LoadError(f"'{text}' is not a finite number", number, "value")
    return value
