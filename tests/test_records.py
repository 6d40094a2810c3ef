"""One declaration of each record (matcher.records): the API's bodies and the database's tables take every type,
code, range and length from it, and state none of their own."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter
from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Integer, String, Text

from matcher import records
from service import schemas, tables

REQUEST_MODELS = {
    "seekers": schemas.SeekerCreate,
    "openings": schemas.OpeningCreate,
    "employers": schemas.EmployerCreate,
    "events": schemas.EventCreate,
}
TABLES = {kind: getattr(tables, kind) for kind in REQUEST_MODELS}


def _plain(prop: dict) -> dict:
    """A property's own schema, without the ``null`` of an optional value."""
    options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    assert len(options) == 1, prop
    return {**options[0], **{k: v for k, v in prop.items() if k != "anyOf"}}


@pytest.mark.parametrize("kind", sorted(REQUEST_MODELS))
def test_the_api_takes_every_limit_of_a_record_from_its_declaration(kind: str) -> None:
    properties = REQUEST_MODELS[kind].model_json_schema()["properties"]
    required = set(REQUEST_MODELS[kind].model_json_schema().get("required", []))
    for col in records.RECORDS[kind]:
        if col.name not in properties:
            assert (kind, col.name) == ("openings", "employer_name")  # the employer's record holds it
            continue
        prop = {} if col.kind == "date" else _plain(properties[col.name])
        if col.kind == "text":
            assert prop["maxLength"] == (col.max_length or col.request_limit), col.name
        elif col.kind in ("int", "float"):
            assert prop.get("minimum") == col.low, col.name
            highest = col.high if col.high is not None else col.request_limit
            assert prop["maximum"] == (highest if highest is not None else records.MAX_INT), col.name
        elif col.kind == "enum":
            assert tuple(prop["enum"]) == col.choices, col.name
        elif col.kind == "enum_list":
            assert tuple(prop["items"]["enum"]) == col.choices and prop["maxItems"] == len(col.choices), col.name
        elif col.kind == "list":
            assert prop["items"]["maxLength"] == records.ITEM_LENGTH and prop["maxItems"] == col.request_limit
        if col.required and col.name != "occurred_at":  # the service's clock gives an event's moment
            assert col.name in required, col.name


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_the_tables_take_every_type_and_length_of_a_record_from_its_declaration(kind: str) -> None:
    table = TABLES[kind]
    expected = {"float": Float, "bool": Boolean, "date": DateTime, "list": JSON, "enum_list": JSON}
    for col in records.RECORDS[kind]:
        if col.name not in table.c:
            assert (kind, col.name) == ("openings", "employer_name")  # joined from employers.name
            continue
        stored = table.c[col.name]
        if col.kind in ("text", "enum") and col.max_length is not None:
            assert isinstance(stored.type, String) and stored.type.length == col.max_length, col.name
            assert all(len(code) <= col.max_length for code in col.choices), col.name
        elif col.kind == "text":
            assert isinstance(stored.type, Text), col.name
        elif col.kind == "int":
            wide = (col.high or col.request_limit or records.MAX_INT) > 2**31 - 1
            assert type(stored.type) is (BigInteger if wide else Integer), col.name
        else:
            assert isinstance(stored.type, expected[col.kind]), col.name
        assert stored.nullable == (not (col.required or col.is_list or col.kind == "bool" or col.default)), col.name


def test_a_limit_changed_in_the_declaration_changes_the_api_and_the_table() -> None:
    from service.record_schemas import request_type
    from service.tables import column_type

    wider = records.Column("title", "text", required=True, max_length=records.TITLE_LENGTH + 1)
    assert column_type(wider).length == records.TITLE_LENGTH + 1
    assert TypeAdapter(request_type(wider)).json_schema()["maxLength"] == records.TITLE_LENGTH + 1
