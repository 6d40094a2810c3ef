"""Health, the model in use, and swapping to a newly trained bundle."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from matcher.bundle import BundleError
from service.db import reachable
from service.deps import EngineDep, LiveDep
from service.schemas import Health, ModelInfo

router = APIRouter(tags=["admin"])


@router.get("/health", response_model=Health)
def health(live: LiveDep, engine: EngineDep) -> dict:
    database = reachable(engine)
    version = live.loaded_version
    return {"status": "ok" if database and version else "degraded", "model_version": version, "database": database}


def _info(live: LiveDep) -> dict:
    manifest = live.peek().loaded.manifest
    return {
        "version": manifest["version"],
        "trained_at": manifest.get("trained_at"),
        "metrics": manifest.get("metrics", {}),
    }


@router.get("/model", response_model=ModelInfo)
def model(live: LiveDep) -> dict:
    return _info(live)


@router.post("/admin/model/reload", response_model=ModelInfo)
def reload_model(live: LiveDep) -> dict:
    """Swap to ``models/CURRENT``; a bundle that fails to load leaves the old one serving (409 with the reason)."""
    try:
        live.reload()
    except BundleError as exc:
        serving = live.loaded_version
        still = f" 지금은 {serving} 모델이 계속 쓰입니다." if serving else ""
        raise HTTPException(409, f"새 모델을 불러오지 못했습니다: {exc}.{still}") from None
    return _info(live)
