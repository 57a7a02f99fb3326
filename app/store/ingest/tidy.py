"""Parse and validate the tidy observation format (CSV or XLSX); see docs/data-format.md.

Validation is complete before anything is written: errors name the row (header = row 1) and
the column, and say what was expected.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from app.codes import (
    DIMENSION_VALUE_RE,
    DIMENSION_VALUES,
    DIMENSIONS,
    LEVELS,
    format_dimensions,
    parse_period,
)
from app.errors import LoadError

REQUIRED_COLUMNS = ("indicator", "place_type", "place_code", "period")
OPTIONAL_COLUMNS = ("value", "note", "source_document", "source_table", "source_locator")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + DIMENSIONS
TEXT_COLUMNS = ("note", "source_document", "source_table", "source_locator")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_CELL_CHARS = 2_000
# A 20 MB XLSX could unpack to gigabytes (zip bomb): the sizes its members declare are
# checked first; zipfile never inflates a member beyond its declared size.
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class TidyRow:
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


def read_table(data: bytes, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: text}) from CSV or XLSX bytes; row 1 is the header."""
    if len(data) > MAX_FILE_BYTES:
        raise LoadError(f"file is {len(data)} bytes; the limit is {MAX_FILE_BYTES} bytes")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    return _read_csv(data)


def _read_csv(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise LoadError(
            f"byte {exc.start} is not UTF-8; save the file as CSV UTF-8", row=row
        ) from exc
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n") + 1
        raise LoadError("the file contains NUL bytes: it is not a text CSV", row=row)
    reader = csv.reader(io.StringIO(text, newline=""))
    return _rows_from(reader)


def _read_xlsx(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    import zipfile
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook

    unreadable = (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, ParseError)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise LoadError(
                f"the workbook unpacks to {unpacked} bytes; the limit is "
                f"{MAX_XLSX_UNPACKED_BYTES} bytes"
            )
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except (*unreadable, IndexError) as exc:
        raise LoadError(f"not a readable XLSX workbook ({exc.__class__.__name__})") from exc

    def cells() -> Iterator[list[str]]:
        # Read-only sheets are parsed lazily: a damaged sheet fails here, mid-iteration.
        number = 1
        try:
            for values in sheet.iter_rows(values_only=True):
                yield ["" if v is None else _cell_text(v) for v in values]
                number += 1
        except unreadable as exc:
            raise LoadError(
                f"the worksheet is damaged here ({exc.__class__.__name__})", row=number
            ) from exc

    return _rows_from(cells())


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_from(rows: Iterable[list[str]]) -> Iterator[tuple[int, dict[str, str]]]:
    iterator = iter(rows)
    try:
        header = [h.strip() for h in next(iterator)]
    except StopIteration:
        raise LoadError("the file is empty: expected a header row", row=1) from None
    while header and header[-1] == "":
        header.pop()
    for name in header:
        if name not in KNOWN_COLUMNS:
            raise LoadError(
                f"unknown column; expected columns among: {', '.join(KNOWN_COLUMNS)}",
                row=1,
                column=name or "(empty)",
            )
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise LoadError("column appears twice", row=1, column=dup)
    for name in REQUIRED_COLUMNS:
        if name not in header:
            raise LoadError("required column is missing", row=1, column=name)

    def generate() -> Iterator[tuple[int, dict[str, str]]]:
        for number, cells in enumerate(iterator, start=2):
            if number - 1 > MAX_ROWS:
                raise LoadError(f"more than {MAX_ROWS} data rows", row=number)
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                raise LoadError(
                    f"{len(cells)} cells but the header has {len(header)} columns", row=number
                )
            padded = list(cells) + [""] * (len(header) - len(cells))
            yield number, {h: padded[i].strip() for i, h in enumerate(header)}

    return generate()


def parse_rows(
    table: Iterable[tuple[int, dict[str, str]]],
    vocabulary: Vocabulary,
    defaults: Mapping[str, str] | None = None,
) -> list[TidyRow]:
    """Validate every row; the first error raises LoadError naming row and column."""
    defaults = defaults or {}
    seen: dict[tuple[str, str, str, str, str], int] = {}
    result: list[TidyRow] = []
    for number, cells in table:
        row = _parse_row(number, cells, vocabulary, defaults)
        if row.key in seen:
            raise LoadError(
                f"duplicates row {seen[row.key]} (same indicator, place, period and dimensions)",
                row=number,
            )
        seen[row.key] = number
        result.append(row)
    if not result:
        raise LoadError("the file has a header but no data rows", row=2)
    return result


def _parse_row(
    number: int, cells: Mapping[str, str], vocabulary: Vocabulary, defaults: Mapping[str, str]
) -> TidyRow:
    for column, text in cells.items():
        if len(text) > MAX_CELL_CHARS:
            raise LoadError(f"cell longer than {MAX_CELL_CHARS} characters", number, column)
    for column in REQUIRED_COLUMNS:
        if not cells.get(column):
            raise LoadError("value is required", number, column)
    for column in TEXT_COLUMNS:
        if cells.get(column, "").startswith(FORMULA_PREFIXES):
            raise LoadError(
                "text starts with a formula character (= + - @): not accepted", number, column
            )

    indicator = cells["indicator"]
    if indicator not in vocabulary.indicators:
        raise LoadError(
            f"unknown indicator '{indicator}'; expected one of: "
            + ", ".join(sorted(vocabulary.indicators)),
            number,
            "indicator",
        )
    place_type = cells["place_type"]
    if place_type not in LEVELS:
        raise LoadError(
            f"unknown place_type '{place_type}'; expected one of: {', '.join(LEVELS)}",
            number,
            "place_type",
        )
    place_code = cells["place_code"]
    if place_code not in vocabulary.places.get(place_type, frozenset()):
        raise LoadError(
            f"no {place_type} with code '{place_code}' in the store", number, "place_code"
        )
    try:
        period = parse_period(cells["period"]).code
    except ValueError as exc:
        raise LoadError(str(exc), number, "period") from None

    value = _parse_value(cells.get("value", ""), number)
    if value is not None and value < 0 and indicator in vocabulary.non_negative:
        raise LoadError(
            f"'{cells['value']}' is negative; '{indicator}' is a count (0 or more). "
            "Differences such as sobrepoblación are computed by the server, not loaded",
            number,
            "value",
        )
    note = cells.get("note", "")
    if value is None and not note:
        raise LoadError(
            "value is empty: give a number, or say in 'note' why it is missing", number, "value"
        )

    dims: dict[str, str] = {}
    for dim in DIMENSIONS:
        text = cells.get(dim, "")
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

    def provenance(column: str) -> str:
        return cells.get(column) or defaults.get(column, "")

    return TidyRow(
        indicator=indicator,
        place_type=place_type,
        place_code=place_code,
        period=period,
        dimensions=format_dimensions(dims),
        value=value,
        note=note,
        source_document=provenance("source_document"),
        source_table=provenance("source_table"),
        source_locator=provenance("source_locator"),
    )


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
