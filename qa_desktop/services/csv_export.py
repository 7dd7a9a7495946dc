"""CSV exports that are safe to open in a spreadsheet: every CSV the app writes goes through `write_csv`.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a line break would be run as a formula by
Excel, LibreOffice or Google Sheets (CSV injection: an agent named `=HYPERLINK(...)`, a note, a file
name); it is written with a leading apostrophe, which spreadsheets show as text. Numbers, and text that
is just a number such as `-3.5`, stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from qa_desktop.services.whole_files import whole_file

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should read it: text that could start a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and rows as UTF-8 CSV with every cell made safe; returns the number of rows.

    The file appears whole or not at all: a failed export leaves no half-written file."""
    count = 0
    with whole_file(Path(path)) as partial, open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            count += 1
    return count
