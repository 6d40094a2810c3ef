"""What a text cell may hold, and how it is written out: one place for the checks every way in and out shares.

- **Resident registration numbers** (주민등록번호, YYMMDD-NNNNNNN) are never stored (PIPA Art. 24-2). Text is
  normalised first (NFKC, which turns full-width digits and hyphens into ASCII, then every invisible format
  character such as a zero-width space is removed), and any short run of punctuation or spaces between the two
  halves counts as a separator: en dash, U+2010, full-width hyphen, ``.``, ``_``, ``" - "``...
- **Control characters** (NUL and the other C0 codes but tab, newline and carriage return) are refused: a
  database cannot hold NUL in text, and none has a meaning in a profile or a posting.
- **Spreadsheet formulas**: a cell written to CSV that a spreadsheet would run (it starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return, following OWASP's CSV-injection advice; full-width forms too) is
  written with a leading apostrophe, and reading removes it again, so every value comes back unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

RRN_MASK = "[주민등록번호 삭제]"
# The two halves of a registration number, with at most three separator characters (punctuation, spaces,
# underscores) between them, on text already normalised by normalize().
RRN_PATTERN = re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[\W_]{0,3}[1-8]\d{6}(?!\d)")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
ESCAPE = "'"


# The planes that hold format characters (basic, supplementary, and the tags of plane 14): scanning only these
# takes a tenth of the time of all 1.1 million code points.
_PLANES = (range(0x0, 0x20000), range(0xE0000, 0xE1000))


@cache
def _invisible() -> dict[int, None]:
    """Every format character (Unicode category Cf: zero-width spaces and joiners, BOM, soft hyphen, bidi marks)."""
    return {c: None for plane in _PLANES for c in plane if unicodedata.category(chr(c)) == "Cf"}


def normalize(text: str) -> str:
    """NFKC, then without invisible format characters: the form every check below reads."""
    return unicodedata.normalize("NFKC", text).translate(_invisible())


def has_rrn(text: str) -> bool:
    """Whether ``text`` holds something shaped like a resident registration number, however it is written."""
    return bool(RRN_PATTERN.search(normalize(text)))


def redact(text: str) -> str:
    """``text`` with anything shaped like a registration number masked (normalised where one was found)."""
    normal = normalize(text)
    return RRN_PATTERN.sub(RRN_MASK, normal) if RRN_PATTERN.search(normal) else text


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character other than tab, newline and carriage return."""
    return bool(CONTROL.search(text))


def neutralise(cell: str) -> str:
    """The cell as written to CSV: a leading apostrophe before anything a spreadsheet would run (see restore)."""
    if cell and (cell[0] in FORMULA_STARTS or (cell[0] == ESCAPE and len(cell) > 1 and _escaped(cell[1]))):
        return ESCAPE + cell
    return cell


def restore(cell: str) -> str:
    """The cell as read from CSV: the apostrophe neutralise() added is removed (an apostrophe that is not
    followed by a formula start or another apostrophe was never added, and stays)."""
    if len(cell) > 1 and cell[0] == ESCAPE and _escaped(cell[1]):
        return cell[1:]
    return cell


def _escaped(char: str) -> bool:
    return char in FORMULA_STARTS or char == ESCAPE
