"""The API's record bodies derived from ``matcher.records``: each field's type, codes, range, length and default.

A request field takes the contract's limits, and where the contract sets none, what one request may hold
(``Column.request_limit``); every text goes through :func:`plain_text`. A response field is the stored value's
plain type. Examples and descriptions are the API's own (``notes``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, PlainSerializer, StringConstraints, WithJsonSchema, create_model

from matcher import cells, records
from matcher.records import Column
from service.clock import with_offset

RRN_MESSAGE = "주민등록번호로 보이는 값은 저장할 수 없습니다 (resident registration numbers are never stored)"
CONTROL_MESSAGE = "제어 문자(NUL 등)는 쓸 수 없습니다 (control characters are refused)"
ID_PATTERN = r"^[^\s;,/?#]+$"  # an id is part of URLs
ITEM_PATTERN = rf"^[^{re.escape(records.LIST_SEP)}]+$"  # an item of a list holds no separator

# Stored Seoul wall-clock times, answered with their offset (RFC 3339).
LocalDateTime = Annotated[
    datetime,
    PlainSerializer(with_offset, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def plain_text(value: str) -> str:
    """Refuse text holding a registration number (however written) or a control character (matcher.cells)."""
    if cells.has_control(value):
        raise ValueError(CONTROL_MESSAGE)
    if cells.has_rrn(value):
        raise ValueError(RRN_MESSAGE)  # the value itself is never echoed
    return value


def _text(max_length: float | None, *, named: bool = False, pattern: str | None = None) -> Any:
    """A caller's text: a name or id is trimmed and not empty; free text is taken as sent."""
    limit = int(max_length) if max_length is not None else None
    if not named:
        return Annotated[str, StringConstraints(max_length=limit), AfterValidator(plain_text)]
    constraints = StringConstraints(strip_whitespace=True, min_length=1, max_length=limit, pattern=pattern)
    return Annotated[str, constraints, AfterValidator(plain_text)]


def request_type(col: Column) -> Any:
    """The type of a value a caller sends for ``col``, with every limit of the declaration."""
    if col.kind == "text":
        if col.max_length is None:
            return _text(col.request_limit)
        return _text(col.max_length, named=True, pattern=ID_PATTERN if col.identifier else None)
    if col.kind in ("int", "float"):
        highest = col.high if col.high is not None else col.request_limit
        if col.kind == "int" and highest is None:
            highest = records.MAX_INT
        return Annotated[int if col.kind == "int" else float, Field(ge=col.low, le=highest)]
    if col.kind == "enum":
        return Literal[col.choices]
    if col.kind == "enum_list":  # a list of codes never needs more items than there are codes
        return Annotated[list[Literal[col.choices]], Field(max_length=len(col.choices))]  # type: ignore[valid-type]
    if col.kind == "list":
        item = _text(records.ITEM_LENGTH, named=True, pattern=ITEM_PATTERN)
        return Annotated[list[item], Field(max_length=col.request_limit)]  # type: ignore[valid-type]
    return {"bool": bool, "date": date | datetime}[col.kind]


def request_field(col: Column, **notes: Any) -> tuple[Any, Any]:
    """``col`` as a request model's field: required, a list (empty by default), its default, or optional."""
    kind = request_type(col)
    if col.required:
        return kind, Field(**notes)
    if col.is_list:
        return kind, Field(default_factory=list, **notes)
    if col.default is not None or col.kind == "bool":
        return kind, Field(col.default if col.default is not None else False, **notes)
    return kind | None, Field(None, **notes)


def public_field(col: Column) -> tuple[Any, Any]:
    """``col`` as a response model's field: the stored value's plain type; never null when the record must hold
    it (required, or given a default when missing)."""
    if col.is_list:
        return list[str], []
    kind: Any = {"int": int, "float": float, "bool": bool, "date": LocalDateTime}.get(col.kind, str)
    if col.required or col.default is not None or col.kind == "bool":
        return kind, ...
    return kind | None, None


def record_model(
    name: str,
    kind: str,
    fields: tuple[str, ...],
    *,
    base: type[BaseModel],
    doc: str | None = None,
    notes: dict[str, dict[str, Any]] | None = None,
    own: dict[str, tuple[Any, Any]] | None = None,
) -> Any:
    """A request model named ``name`` holding ``fields`` of the record ``kind`` (matcher.records), in that order,
    on top of ``base``'s fields. ``notes``: a field's examples or description; ``own``: fields the API defines
    differently (after the others)."""
    notes = notes or {}
    definitions = {field: request_field(records.column(kind, field), **notes.get(field, {})) for field in fields}
    definitions.update(own or {})
    return create_model(name, __base__=base, __doc__=doc, __module__="service.schemas", **definitions)


def public_model(name: str, kind: str, *, first: dict[str, Any] | None = None, doc: str | None = None) -> Any:
    """A response model named ``name`` holding every column of the record ``kind`` (after ``first``'s fields)."""
    definitions = {**(first or {}), **{col.name: public_field(col) for col in records.RECORDS[kind]}}
    return create_model(name, __doc__=doc, __module__="service.schemas", **definitions)


def fields_of(kind: str, *, leave_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The names of the record ``kind``'s columns, in the declaration's order, less ``leave_out``."""
    return tuple(col.name for col in records.RECORDS[kind] if col.name not in leave_out)
