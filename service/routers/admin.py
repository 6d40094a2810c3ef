"""Health, the model in use, swapping to a newly trained bundle, tokens and the access log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from matcher.bundle import BundleError
from service import access, auth, errors
from service.auth import Admin, AnyRole, Staff
from service.db import reachable
from service.deps import EngineDep, ReadDep, ServingDep, WriteDep
from service.schemas import Health, Id, Input, LocalDateTime, ModelInfo, Name

router = APIRouter(tags=["admin"])


@router.get("/health", response_model=Health)
def health(serving: ServingDep, engine: EngineDep) -> dict:
    """Open to all: status, model version, whether the database answers."""
    database = reachable(engine)
    version = serving.loaded_version
    return {"status": "ok" if database and version else "degraded", "model_version": version, "database": database}


def _info(serving: ServingDep) -> dict:
    manifest = serving.peek().loaded.manifest
    return {
        "version": manifest["version"],
        "trained_at": manifest.get("trained_at"),
        "metrics": manifest.get("metrics"),
    }


@router.get("/model", response_model=ModelInfo)
def model(actor: AnyRole, serving: ServingDep) -> dict:
    return _info(serving)


@router.post("/admin/model/reload", response_model=ModelInfo)
def reload_model(actor: Admin, serving: ServingDep) -> dict:
    """Swap to ``models/CURRENT`` on every instance sharing the database: this one at once, the others within
    seconds (through the change log). A bundle that fails to load leaves the old one serving (409 with the reason)."""
    try:
        serving.reload()
    except BundleError as exc:
        version = serving.loaded_version
        still = f" 지금은 {version} 모델이 계속 쓰입니다." if version else ""
        raise HTTPException(409, f"새 모델을 불러오지 못했습니다: {exc}.{still}") from None
    return _info(serving)


class AccessEntry(BaseModel):
    entry_id: int
    at: LocalDateTime
    token_id: str | None
    role: str
    route: str
    seeker_id: str | None
    opening_id: str | None
    request_id: str


@router.get("/admin/access-log", response_model=list[AccessEntry])
def access_log(
    actor: Staff,
    conn: ReadDep,
    seeker_id: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict]:
    """Who read a seeker's data, when and through which route (newest last)."""
    frame = access.entries(conn, seeker_id=seeker_id, since=since).tail(limit)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


class TokenRequest(Input):
    role: Literal[auth.ROLES]
    employer_id: Id | None = None
    seeker_id: Id | None = None
    label: Name | None = None


class TokenIssued(BaseModel):
    token_id: str
    token: str = Field(description="shown once; only its hash is stored")
    role: str


@router.post("/admin/tokens", status_code=201, response_model=TokenIssued)
def add_token(actor: Admin, body: TokenRequest, conn: WriteDep) -> dict:
    try:
        token_id, token = auth.issue(
            conn, body.role, employer_id=body.employer_id, seeker_id=body.seeker_id, label=body.label
        )
    except ValueError as exc:
        raise errors.bad_query("role", str(exc), "body") from None
    return {"token_id": token_id, "token": token, "role": body.role}


@router.delete("/admin/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, actor: Admin, request: Request, conn: WriteDep) -> None:
    request.app.state.tokens.forget(token_id)  # refused by this process at once, cached or not
    if not auth.revoke(conn, token_id):
        raise HTTPException(404, f"토큰 '{token_id}'을(를) 찾을 수 없거나 이미 폐기되었습니다.")
