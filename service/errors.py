"""Error answers: always ``{"detail": ...}`` with a Korean message a counselor can act on, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from matcher.contract import Problem, redact
from service.middleware import BodyTooLarge
from service.serving import NoModel

log = logging.getLogger("jobmatch.service")

# Korean for the pydantic error kinds a form can produce; anything else keeps pydantic's wording.
MESSAGES_KO: dict[str, str] = {
    "missing": "필수 항목이 빠졌습니다",
    "extra_forbidden": "알 수 없는 항목입니다",
    "literal_error": "허용되지 않는 값입니다",
    "enum": "허용되지 않는 값입니다",
    "greater_than_equal": "값이 너무 작습니다",
    "greater_than": "값이 너무 작습니다",
    "less_than_equal": "값이 너무 큽니다",
    "less_than": "값이 너무 큽니다",
    "string_too_long": "글자 수가 너무 많습니다",
    "string_too_short": "비어 있을 수 없습니다",
    "too_long": "항목이 너무 많습니다",
    "too_short": "항목이 너무 적습니다",
    "string_pattern_mismatch": "쓸 수 없는 글자가 들어 있습니다",
    "int_parsing": "정수가 아닙니다",
    "int_from_float": "정수가 아닙니다",
    "float_parsing": "숫자가 아닙니다",
    "bool_parsing": "true 또는 false여야 합니다",
    "date_parsing": "날짜 형식이 아닙니다 (예: 2026-03-02)",
    "date_from_datetime_parsing": "날짜 형식이 아닙니다 (예: 2026-03-02)",
    "datetime_parsing": "날짜·시각 형식이 아닙니다 (예: 2026-03-02T14:05:00)",
    "datetime_from_date_parsing": "날짜·시각 형식이 아닙니다 (예: 2026-03-02T14:05:00)",
    "json_invalid": "JSON 형식이 아닙니다",
    "model_attributes_type": "JSON 객체여야 합니다",
    "dict_type": "JSON 객체여야 합니다",
    "list_type": "목록이어야 합니다",
    "string_type": "문자열이어야 합니다",
    "value_error": "값이 올바르지 않습니다",
}


def field_errors(errors: list[dict]) -> list[dict]:
    """Pydantic errors without the refused input (it may hold personal data), with a Korean message."""
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        field = ".".join(p for p in loc if p not in ("body", "query", "path")) or "body"
        korean = MESSAGES_KO.get(error.get("type", ""), "값이 올바르지 않습니다")
        english = redact(str(error.get("msg", "")))
        out.append({"field": field, "loc": loc, "type": error.get("type"), "message": f"{korean}: {english}"})
    return out


def _summary(errors: list[dict]) -> str:
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return f"입력값을 확인해 주세요 ({fields}). {errors[0]['field']}: {errors[0]['message']}"


def invalid(errors: list[dict], status: int = 422) -> JSONResponse:
    return JSONResponse({"detail": _summary(errors), "errors": errors}, status_code=status)


class ContractRefused(Exception):
    """Body values the data contract refuses (e.g. an unknown dong), named by field. With ``prefix=None`` each
    problem's ``file`` says where its field is (``path``, ``query``)."""

    def __init__(self, problems: list[Problem], prefix: tuple[str, ...] | None = ("body",)) -> None:
        self.errors = [
            {
                "field": p.column,
                "loc": [*(prefix if prefix is not None else (p.file,)), p.column],
                "type": "contract",
                "message": redact(p.reason),
            }
            for p in problems
        ]


# The errors the routers raise (service.crud's before).
KIND_KO = {"seeker": "구직자", "opening": "구인 공고", "employer": "기업", "event": "이력"}


def not_found(kind: str, entity_id: str) -> HTTPException:
    """404 for a record the caller cannot reach, missing or not."""
    return HTTPException(404, f"{KIND_KO[kind]} '{entity_id}'을(를) 찾을 수 없습니다 ({kind} not found)")


def conflict(message: str) -> HTTPException:
    """409: the write clashes with what is stored (an id taken, a position gone)."""
    return HTTPException(409, message)


def bad_query(field: str, message: str, where: str = "query") -> ContractRefused:
    """A 422 naming one query parameter (or, with ``where="body"``, one body field)."""
    return ContractRefused([Problem(where, 0, field, message)], prefix=(where,))


def too_many(message: str) -> HTTPException:
    """429 for a quota spent (Retry-After: an hour)."""
    return HTTPException(429, message, headers={"Retry-After": "3600"})


def install(app: FastAPI) -> None:
    """Register the handlers that keep every error in one shape."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid(field_errors(list(exc.errors())))

    @app.exception_handler(ContractRefused)
    async def _contract(_request: Request, exc: ContractRefused) -> JSONResponse:
        return invalid(exc.errors)

    @app.exception_handler(NoModel)
    async def _no_model(_request: Request, exc: NoModel) -> JSONResponse:
        return JSONResponse(
            {
                "detail": "추천 모델이 아직 없습니다. `jobmatch train --data DIR --model-dir models`로 학습한 뒤 "
                "POST /admin/model/reload를 호출하세요.",
                "reason": str(exc),
            },
            status_code=503,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_away(_request: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable: %s", type(exc).__name__)
        return JSONResponse(
            {"detail": "데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도하세요 (database unavailable)."},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(DBAPIError)
    async def _database_refused(request: Request, exc: DBAPIError) -> JSONResponse:
        # The database answered but refused (a constraint, e.g. one checked at commit): nothing was written.
        # Input the database cannot hold is refused before it gets there (422), so this is not the caller's fault.
        log.error("database refused %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
        return JSONResponse(
            {"detail": "데이터베이스가 요청을 거부해 저장하지 못했습니다. 바뀐 것은 없습니다 (database error)."},
            status_code=500,
        )

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_request: Request, _exc: BodyTooLarge) -> JSONResponse:
        return JSONResponse({"detail": "요청 본문이 너무 큽니다."}, status_code=413)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "처리 중 오류가 났습니다. 같은 요청이 계속 실패하면 담당자에게 알려 주세요."}, status_code=500
        )
