"""What is wrong with input: a bad cell or row (:class:`Problem`) and the error that lists them for a person."""

from __future__ import annotations

from dataclasses import dataclass

MAX_LISTED_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    """A bad cell or row: where it is and why it was refused.

    ``knock_on`` marks an event refused only because the seeker or opening it names was itself
    refused: fixing that row fixes the event.
    """

    file: str
    line: int
    column: str
    reason: str
    knock_on: bool = False

    def __str__(self) -> str:
        where = f" column {self.column!r}:" if self.column else ""
        return f"{self.file}:{self.line}:{where} {self.reason}"


class ContractError(ValueError):
    """Input that breaks the contract; ``problems`` lists every bad row found.

    The message leads with the causes: files in the order seekers, openings, events; a column
    refused in most rows as one line; events refused only because of rows refused above as one line.
    """

    def __init__(self, problems: list[Problem], hint: str = "", rows: dict[str, int] | None = None) -> None:
        self.problems = problems
        lines = summary_lines(problems, rows)
        shown = "\n".join(f"  {line}" for line in lines[:MAX_LISTED_PROBLEMS])
        more = len(lines) - MAX_LISTED_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        hint = f"\n{hint}" if hint else ""
        super().__init__(f"{len(problems)} problem(s) in the input:\n{shown}{tail}{hint}")


FILE_ORDER = ("seekers.csv", "openings.csv", "events.csv")
# A column refused in at least this share of a file's rows (and this many) is reported as one line.
BROKEN_COLUMN_SHARE = 0.5
BROKEN_COLUMN_MIN = 5


def summary_lines(problems: list[Problem], rows: dict[str, int] | None = None) -> list[str]:
    """The problems as the lines a person reads: causes first, the knock-on events as one line, and,
    given ``rows`` (records per file), each column refused in most rows of its file as one line."""
    order = {name: i for i, name in enumerate(FILE_ORDER)}
    ranked = sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.file, p.line))
    own = [p for p in ranked if not p.knock_on]
    knock_on = [p for p in ranked if p.knock_on]
    lines: list[str] = []
    for file in dict.fromkeys(p.file for p in own):
        here = [p for p in own if p.file == file]
        total = (rows or {}).get(file, 0)
        broken = {}
        for column in dict.fromkeys(p.column for p in here if p.column and p.line > 1 and total):
            hits = [p for p in here if p.column == column]
            if len(hits) >= max(BROKEN_COLUMN_MIN, BROKEN_COLUMN_SHARE * total):
                broken[column] = hits
        for column, hits in broken.items():
            first = hits[0]
            lines.append(
                f"{file}: column {column!r} refused in {len(hits):,} of {total:,} rows, "
                f"e.g. line {first.line}: {first.reason}"
            )
        lines.extend(str(p) for p in here if p.column not in broken or p.line <= 1)
    if knock_on:
        named = {p.column for p in knock_on}
        kinds = " or ".join(
            kind for key, kind in (("seeker_id", "seekers"), ("opening_id", "openings")) if key in named
        )
        lines.append(
            f"events.csv: {len(knock_on):,} row(s) name {kinds} refused above "
            f"(first at line {min(p.line for p in knock_on)}); they load once those rows are fixed"
        )
    return lines
