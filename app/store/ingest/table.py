"""Read a tidy CSV or XLSX file as a stream of (row number, cells); never the whole file at once.

A file is read from bytes, a path or a seekable binary file (an upload spooled to disk), and can
be read again (the loader reads it twice: validate, then write). Errors name the row (header =
row 1). This module knows the file formats and the size bounds, not what a valid row is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.errors import LoadError

# What a load may come from: the bytes, a file on disk, or an open seekable binary file.
TableSource = bytes | Path | BinaryIO

MAX_LINE_BYTES = 1024 * 1024
READ_BLOCK_BYTES = 256 * 1024
# A workbook could unpack to gigabytes (zip bomb): the sizes its members declare are checked
# first; zipfile never inflates a member beyond its declared size.
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LoadLimits:
    """Bounds of one load; `siep load` and the admin API take them from the settings
    (SIEP_LOAD_MAX_BYTES, SIEP_LOAD_MAX_ROWS). The defaults are the settings' defaults."""

    max_bytes: int = 2 * 1024**3
    max_rows: int = 10_000_000


@dataclass
class Table:
    """The header and the data rows of one file, read lazily; `bytes_read` grows as rows are
    read (CSV only: a workbook reports 0), for progress bars."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    bytes_read: int = 0


def source_size(source: TableSource) -> int:
    if isinstance(source, bytes):
        return len(source)
    if isinstance(source, Path):
        return source.stat().st_size
    return source.seek(0, io.SEEK_END)


def source_sha256(source: TableSource) -> str:
    digest = hashlib.sha256()
    with open_source(source) as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def open_source(source: TableSource) -> Iterator[BinaryIO]:
    """The source as a binary file positioned at its start (closed afterwards if we opened it)."""
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    elif isinstance(source, Path):
        with source.open("rb") as handle:
            yield handle
    else:
        source.seek(0)
        with nullcontext(source):
            yield source


def is_workbook(filename: str) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm"))


@contextmanager
def read_table(source: TableSource, filename: str, limits: LoadLimits) -> Iterator[Table]:
    """Open `source` and give its header and rows; a file over the limits raises LoadError."""
    size = source_size(source)
    if size > limits.max_bytes:
        raise LoadError(f"file is {size} bytes; the limit is {limits.max_bytes} bytes")
    with open_source(source) as handle:
        if is_workbook(filename):
            table = _open_table(_xlsx_cells(handle), limits)
        else:
            table = _csv_table(handle, limits)
        yield table


def _csv_table(handle: BinaryIO, limits: LoadLimits) -> Table:
    table = Table([], iter(()))

    def lines() -> Iterator[str]:
        # Read in blocks of whole lines: a UTF-8 sequence never holds b"\n", so each block
        # decodes alone, and a decoding error or a NUL byte is traced to its line.
        before = 0  # lines in the blocks already read
        offset = 0  # bytes in the blocks already read
        carry = b""
        while True:
            chunk = handle.read(READ_BLOCK_BYTES)
            data = carry + chunk
            if not data:
                return
            cut = len(data) if not chunk else data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > MAX_LINE_BYTES:
                    raise LoadError(f"line longer than {MAX_LINE_BYTES} bytes", row=before + 1)
                carry = data
                continue
            block, carry = data[:cut], data[cut:]
            skip = len(_BOM) if offset == 0 and block.startswith(_BOM) else 0
            try:
                text = block[skip:].decode("utf-8")
            except UnicodeDecodeError as exc:
                row = before + block.count(b"\n", 0, skip + exc.start) + 1
                raise LoadError(
                    f"byte {offset + skip + exc.start} is not UTF-8; save the file as CSV UTF-8",
                    row=row,
                ) from exc
            if "\x00" in text:
                row = before + text.count("\n", 0, text.index("\x00")) + 1
                raise LoadError("the file contains NUL bytes: it is not a text CSV", row=row)
            before += block.count(b"\n")
            offset += len(block)
            table.bytes_read = offset
            # newline="": lines end at \r\n, \n or a bare \r, as the csv module expects.
            yield from io.StringIO(text, newline="")

    opened = _open_table(_csv_cells(lines()), limits)
    table.header, table.rows = opened.header, opened.rows
    return table


def _csv_cells(lines: Iterable[str]) -> Iterator[list[str]]:
    reader = csv.reader(lines)
    try:
        yield from reader
    except csv.Error as exc:
        raise LoadError(f"not a readable CSV ({exc})", row=reader.line_num) from None


def _xlsx_cells(handle: BinaryIO) -> Iterator[list[str]]:
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook

    unreadable = (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, ParseError)
    try:
        with zipfile.ZipFile(handle) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise LoadError(
                f"the workbook unpacks to {unpacked} bytes; the limit is "
                f"{MAX_XLSX_UNPACKED_BYTES} bytes"
            )
        handle.seek(0)
        workbook = load_workbook(handle, read_only=True, data_only=False)
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
        finally:
            workbook.close()

    return cells()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _open_table(rows: Iterator[list[str]], limits: LoadLimits) -> Table:
    try:
        header = [h.strip() for h in next(rows)]
    except StopIteration:
        raise LoadError("the file is empty: expected a header row", row=1) from None
    while header and header[-1] == "":
        header.pop()
    width = len(header)

    def generate() -> Iterator[tuple[int, list[str]]]:
        for number, cells in enumerate(rows, start=2):
            if number - 1 > limits.max_rows:
                raise LoadError(f"more than {limits.max_rows} data rows", row=number)
            if len(cells) > width:
                if any(c.strip() for c in cells[width:]):
                    raise LoadError(
                        f"{len(cells)} cells but the header has {width} columns", row=number
                    )
                cells = cells[:width]
            stripped = list(map(str.strip, cells))
            if not any(stripped):
                continue
            if len(stripped) < width:
                stripped += [""] * (width - len(stripped))
            yield number, stripped

    return Table(header, generate())
