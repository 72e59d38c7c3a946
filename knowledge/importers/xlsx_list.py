"""The official "Danh sách thủ tục hành chính" XLSX export of the national database.

A title block, then a header row ``Mã số | Tên | Cơ quan ban hành | Cơ quan thực hiện | Lĩnh vực``
and one procedure a row. The list has no record id, so the source link is the portal itself.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from knowledge.importers.common import (
    PORTAL_HOME,
    Parsed,
    Problem,
    catalogue_record,
    checked_item,
    dataset_label,
    one_line,
    unique,
)

KIND = "xlsx_list"
COLUMNS = {
    "mã số": "code",
    "tên": "name",
    "cơ quan ban hành": "issuer",
    "cơ quan thực hiện": "agency",
    "lĩnh vực": "field",
}
HEADER_SEARCH_ROWS = 20


def items(path: Path, imported: dt.date) -> Iterator[Parsed]:
    """The items of a list file, one per row after the header."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        yield Problem(path, None, f"not a readable XLSX workbook ({error})")
        return
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = _header(rows)
        if header is None:
            yield Problem(path, None, "no header row 'Mã số | Tên | … | Lĩnh vực' found")
            return
        columns, header_row = header
        for number, row in enumerate(rows, start=header_row + 1):
            if any(cell not in (None, "") for cell in row):
                yield row_item(row, columns, path, f"row {number}", imported)
    finally:
        workbook.close()


def count_rows(path: Path) -> Optional[int]:
    """How many rows the first sheet has (for a progress bar), if readable."""
    try:
        workbook = load_workbook(path, read_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        return None
    try:
        return workbook.worksheets[0].max_row
    finally:
        workbook.close()


def _header(rows: Iterator[Tuple[Any, ...]]) -> Optional[Tuple[Dict[str, int], int]]:
    for number, row in enumerate(rows, start=1):
        names = [one_line(cell).lower() for cell in row]
        if "mã số" in names and "tên" in names:
            return {COLUMNS[n]: i for i, n in enumerate(names) if n in COLUMNS}, number
        if number >= HEADER_SEARCH_ROWS:
            break
    return None


def row_item(
    row: Tuple[Any, ...], columns: Dict[str, int], path: Path, location: str, imported: dt.date
) -> Parsed:
    """The item of one list row."""

    def cell(column: str) -> str:
        index = columns.get(column)
        return str(row[index] or "") if index is not None and index < len(row) else ""

    code = one_line(cell("code"))
    name = one_line(cell("name"))
    if not name:
        return Problem(path, location, f"no name for code {code!r}")
    agencies = unique([one_line(a) for a in cell("agency").splitlines()])
    record = catalogue_record(
        code=code,
        name=name,
        url=PORTAL_HOME,
        field=one_line(cell("field")) or None,
        agency=", ".join(agencies) or None,
        dataset=dataset_label(path, location, imported),
        imported=imported,
    )
    record["missing"].append(f"Trang chi tiết của thủ tục: tra cứu mã {code} trên Cổng")
    raw = [one_line(cell(c)) for c in COLUMNS.values()]
    return checked_item(KIND, path, location, record, raw)
