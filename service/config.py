"""Every setting of the service in one place, read from ``JOBMATCH_*`` environment variables."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from service import clock

DEFAULT_DATABASE_URL = "sqlite:///var/jobmatch.db"
DEFAULT_SECRET = "development-only-secret-change-me"


class InsecureSecret(RuntimeError):
    """The secret key is the public default outside development."""


class Settings(BaseSettings):
    """Service settings; each field can be set as ``JOBMATCH_<NAME>`` (e.g. ``JOBMATCH_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="JOBMATCH_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # Keys the pseudonymised export's hashes and signs bundles; outside development nothing that uses it runs with
    # the default.
    secret_key: str = Field(DEFAULT_SECRET, min_length=16)
    database_url: str = DEFAULT_DATABASE_URL
    model_dir: Path = Path("models")
    # Above this many seekers or openings an assignment request is refused (the slot matrix grows as their product).
    max_assignment_size: int = Field(2000, ge=1)
    # The day match lists are computed for, and events recorded without a time are stamped on, when a request
    # names none; empty means today. The demo sets it inside its sample year so that its openings are open.
    default_as_of: date | None = None
    # Abuse limits (``limits`` notation). Per token for callers with one, per address for everyone;
    # self-search without a token has its own, tighter limit.
    rate_limit_token: str = "600/minute"
    rate_limit_address: str = "3000/minute"
    rate_limit_anonymous: str = "30/minute"
    max_body_bytes: int = Field(1_000_000, ge=1024)
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses, uvicorn's --forwarded-allow-ips);
    # empty: none, the client address is the connection's.
    forwarded_allow_ips: str = ""
    # Service log lines: "text" (one escaped line a record, for a console) or "json" (one object a line).
    log_format: Literal["text", "json"] = "text"
    # Ranked match and candidate lists kept per model snapshot (least recently used go first; a list of 10 is
    # about 4 KB). A write drops the lists it can alter, a reload all. 0 turns the cache off.
    match_cache_size: int = Field(4096, ge=0)
    # How long this process trusts a token it has looked up. A revocation through this process applies at once;
    # one through another worker, instance or the CLI when this process reads the change log (within
    # change_poll_seconds), and after at most this many seconds whatever happens. 0: never.
    token_cache_seconds: float = Field(5.0, ge=0, le=60)
    employer_candidate_lists_per_day: int = Field(200, ge=1)
    # Several workers or instances: rate-limit counters and the day's shown lists (``spread``) in a store they all
    # share, e.g. redis://127.0.0.1:6379/0 (service.shared); empty: each process's memory (right for one process).
    shared_store_url: str = ""
    # Keys in that store start with this, so that two services (or test runs) can share one Redis.
    shared_store_prefix: str = Field("jobmatch", min_length=1, max_length=100)
    # How often each process reads the change log while it answers nothing that would (a model another instance
    # swapped in, tokens revoked elsewhere, rows written elsewhere: service.serving). 0: only when requests read it.
    change_poll_seconds: float = Field(1.0, ge=0, le=60)
    # Page sign-in (service.pages): how long a session lasts from sign-in, and whether its cookie is sent only
    # over HTTPS (turn on behind TLS; browsers treat http://127.0.0.1 as secure, other plain-HTTP hosts not).
    session_hours: float = Field(8.0, gt=0, le=24 * 30)
    session_cookie_secure: bool = False

    def check_secret(self) -> None:
        """Refuse a default secret anywhere but on a developer's machine: every use of the key calls this (the
        service, the pseudonymised export, signing and checking bundles)."""
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            raise InsecureSecret(
                f"refusing to run in {self.environment}: JOBMATCH_SECRET_KEY is the default, which is public; "
                "set a long random one (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )

    @property
    def signed_bundles_only(self) -> bool:
        """Outside development, only bundles signed with the secret key are loaded (matcher.bundle)."""
        return self.environment != "development"

    def today(self) -> date:
        """The as-of day of a request that gives none: ``default_as_of``, else the day in Seoul (the service's
        clock, which stamps events), whatever the host's time zone."""
        return self.default_as_of or clock.now().date()

    def now(self) -> datetime:
        """When an event recorded without a time happened: Seoul time now, moved to ``default_as_of`` when one
        is set, so that what the demo records counts in the lists it shows (an application leaves them)."""
        now = clock.now()
        return datetime.combine(self.default_as_of, now.time()) if self.default_as_of else now


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
