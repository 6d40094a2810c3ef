"""Input a database cannot hold, or must never hold, is refused the same way on both databases: 422 naming the
field. NUL bytes and over-long values (PostgreSQL refused them with an error answered as an outage, 503; SQLite
stored them), and resident registration numbers however they are written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.api.test_access import ALLOWED, BODIES, OWN, ROLES
from tests.test_cells import RRN_VARIANTS as CELL_VARIANTS

NUL = "a\x00b"


def _string_fields(spec: dict, schema: dict) -> list[tuple[str, bool]]:
    """The body fields of ``schema`` that hold text: (name, whether a list of text)."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    out = []
    for name, field in schema.get("properties", {}).items():
        options = field.get("anyOf", [field])
        if any(o.get("type") == "string" and "enum" not in o and "format" not in o for o in options):
            out.append((name, False))
        elif any(o.get("type") == "array" and o.get("items", {}).get("type") == "string" for o in options):
            out.append((name, True))
    return out


def _body_cases(spec: dict) -> list[tuple[str, str, str, bool]]:
    cases = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content and (method.upper(), path) in BODIES:
                cases += [
                    (method.upper(), path, name, listed) for name, listed in _string_fields(spec, content["schema"])
                ]
    return cases


def _caller(method: str, path: str, tokens: dict[str, str]) -> dict[str, str]:
    admitted = ALLOWED[(method, path)]
    role = next((r for r in ("counselor", *ROLES) if r in admitted), None)
    return bearer(tokens[role]) if role else {}


def test_a_nul_byte_in_any_body_field_is_422_naming_it(client: TestClient, tokens: dict[str, str]) -> None:
    spec = client.get("/openapi.json").json()
    cases = _body_cases(spec)
    assert len(cases) > 40, cases  # every text field of every body
    wrong = []
    for method, path, name, listed in cases:
        body = {**BODIES[(method, path)], name: [NUL] if listed else NUL}
        answer = client.request(method, path.format(**OWN), json=body, headers=_caller(method, path, tokens))
        fields = [e["field"] for e in answer.json().get("errors", [])] if answer.status_code == 422 else []
        if not any(f.split(".")[0] == name for f in fields):
            wrong.append(f"{method} {path} {name}: {answer.status_code} {answer.text[:150]}")
    assert not wrong, "\n".join(wrong)


def test_a_nul_byte_in_any_path_or_query_value_is_422_naming_it(client: TestClient, tokens: dict[str, str]) -> None:
    spec = client.get("/openapi.json").json()
    wrong, count = [], 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                options = schema.get("anyOf", [schema])
                if not any(o.get("type") == "string" and "enum" not in o and "format" not in o for o in options):
                    continue
                count += 1
                name, where = parameter["name"], parameter["in"]
                values = {**OWN, name: NUL} if where == "path" else OWN
                url = path.format(**values).replace("\x00", "%00")
                params = {name: NUL} if where == "query" else None
                answer = client.request(method.upper(), url, params=params, json=BODIES.get((method.upper(), path)),
                                        headers=_caller(method.upper(), path, tokens))  # fmt: skip
                fields = [e["field"] for e in answer.json().get("errors", [])] if answer.status_code == 422 else []
                if name not in fields:
                    wrong.append(f"{method.upper()} {path} {where} {name}: {answer.status_code} {answer.text[:150]}")
    assert count > 15 and not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("path", "base"), [("/seekers", BODIES[("POST", "/seekers")]),
                                            ("/openings", BODIES[("POST", "/openings")]),
                                            ("/search", BODIES[("POST", "/search")])])  # fmt: skip
def test_a_dong_longer_than_its_column_is_422(client: TestClient, path: str, base: dict) -> None:
    answer = client.post(path, json={**base, "dong": "가" * 101, "lat": 37.55, "lon": 127.04})
    assert answer.status_code == 422 and [e["field"] for e in answer.json()["errors"]] == ["dong"], answer.text


# The ways of writing a number the probe found stored, and more (tests.test_cells has each).
RRN_VARIANTS = [rrn for rrn in CELL_VARIANTS if not rrn.startswith("900101-") and "\ufeff" not in rrn]


@pytest.mark.parametrize("rrn", RRN_VARIANTS)
def test_every_way_of_writing_a_registration_number_is_refused(
    client: TestClient, tokens: dict[str, str], rrn: str
) -> None:
    seeker = client.post("/seekers", json={**BODIES[("POST", "/seekers")], "intro": f"주민번호 {rrn}"})
    employer = client.post("/employers", json={"employer_id": rrn.replace(" ", ""), "name": "기업"})
    label = client.post("/admin/tokens", json={"role": "counselor", "label": f"담당 {rrn}"},
                        headers=bearer(tokens["admin"]))  # fmt: skip
    for answer, field in ((seeker, "intro"), (employer, "employer_id"), (label, "label")):
        assert answer.status_code == 422, (field, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == [field]
        assert "주민등록번호" in answer.text and "1234567" not in answer.text and "１２３" not in answer.text
    assert client.get("/seekers", params={"limit": 200}).json()["total"] == 72  # nothing stored
