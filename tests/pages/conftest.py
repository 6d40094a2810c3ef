"""Page fixtures: the API tests' planted world, bundle and databases (tests/api/conftest.py), reused here."""

from __future__ import annotations

from tests.api.conftest import (  # noqa: F401 (fixtures)
    HOLDERS,
    app_client,
    bearer,
    database_url,
    filled_url,
    model_dir,
    planted_session,
    settings,
    settings_for,
    tokens,
    trained_session,
)
