"""Every setting of the service in one place, read from ``JOBMATCH_*`` environment variables."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/jobmatch.db"


class Settings(BaseSettings):
    """Service settings; each field can be set as ``JOBMATCH_<NAME>`` (e.g. ``JOBMATCH_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="JOBMATCH_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    model_dir: Path = Path("models")
    default_page_size: int = Field(50, ge=1)
    max_page_size: int = Field(200, ge=1)
    max_k: int = Field(100, ge=1)
    # Above this many seekers or openings an assignment request is refused (the slot matrix grows as their product).
    max_assignment_size: int = Field(2000, ge=1)
    # The day match lists are computed for when a request names none; empty means today. The demo sets it
    # inside its sample year so that its openings are open.
    default_as_of: date | None = None

    def today(self) -> date:
        """The as-of day of a request that gives none."""
        return self.default_as_of or date.today()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
