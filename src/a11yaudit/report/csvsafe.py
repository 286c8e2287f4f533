"""CSV cells that a spreadsheet cannot run (CSV / formula injection, OWASP).

Page titles, URLs and section names come from the audited site, so a title such as `=HYPERLINK("http://…")`
would become a live formula when a 自治体 officer opens the CSV in Excel. Every text cell that starts with a
character a spreadsheet reads as the start of a formula (= + - @, tab, carriage return, and their full-width
forms, which Japanese Excel also accepts) gets a single quote in front; the csv module then quotes the cell as
needed (commas, quotes, line breaks). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

FORMULA_START = frozenset("=+-@\t\r\n＝＋－＠")


def neutralise(value: Any) -> Any:
    """The cell as written: text starting (after blanks) with a formula character gets a leading single quote."""
    if not isinstance(value, str) or not value:
        return value
    head = value.lstrip(" \u3000")
    if value[0] in FORMULA_START or (head and head[0] in FORMULA_START):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in row]


def csv_text(rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n") -> str:
    """Rows → CSV text, every text cell neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=lineterminator)
    for row in rows:
        w.writerow(safe_row(row))
    return buf.getvalue()
