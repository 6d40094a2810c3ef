"""The data contract (shared/spec/data-format.md), as its callers use it: one import for the parts.

- :mod:`matcher.records`: the records (seeker, opening, employer, event) declared once: kinds, codes, ranges, lengths;
- :mod:`matcher.csv_io`: contract CSV folders read (every bad row reported) and typed tables written back;
- :mod:`matcher.validation`: the checks on cells and rows; :mod:`matcher.record_checks`: typed records checked as
  CSV rows (an API write); :mod:`matcher.problems`: what is wrong and where;
- :mod:`matcher.cells`: what a text cell may hold (registration numbers, control characters) and the formula
  apostrophe; :mod:`matcher.typed_frames`: typed records as tables without a round trip through text.
"""

from __future__ import annotations

from matcher.cells import redact
from matcher.csv_io import Dataset, format_cells, load_folder, write_csv, write_table
from matcher.problems import ContractError, Problem
from matcher.record_checks import parse_records, record_problems
from matcher.records import (
    EMPLOYER_COLUMNS,
    EVENT_COLUMNS,
    FILES,
    ID_LENGTH,
    LIST_SEP,
    MAX_INT,
    OPENING_COLUMNS,
    SEEKER_COLUMNS,
    TEXT_FIELDS,
    Column,
)

__all__ = [
    "EMPLOYER_COLUMNS",
    "EVENT_COLUMNS",
    "FILES",
    "ID_LENGTH",
    "LIST_SEP",
    "MAX_INT",
    "OPENING_COLUMNS",
    "SEEKER_COLUMNS",
    "TEXT_FIELDS",
    "Column",
    "ContractError",
    "Dataset",
    "Problem",
    "format_cells",
    "load_folder",
    "parse_records",
    "record_problems",
    "redact",
    "write_csv",
    "write_table",
]
