"""The one typed settings object.

Values come, highest priority first, from explicit arguments (the CLI's ``--data-dir``),
environment variables ``CROSSPLAY_*``, a ``crossplay.toml`` file (path in
``CROSSPLAY_CONFIG``, else ``./crossplay.toml`` when present), then the defaults below.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from crossplay.core.errors import ConfigError
from crossplay.core.types import Lang


def _toml_path() -> Path:
    return Path(os.environ.get("CROSSPLAY_CONFIG", "crossplay.toml"))


class Settings(BaseSettings):
    """crossplay's settings; see docs/configuration.md for every field."""

    model_config = SettingsConfigDict(env_prefix="CROSSPLAY_", extra="forbid")

    data_dir: Path = Field(default=Path("crossplay-data"), description="where the lake lives")
    db_url: str | None = Field(default=None, description="operational DB; default SQLite")
    db_pool_size: int = Field(default=10, ge=1, le=1_000,
                              description="PostgreSQL connections a process keeps open")
    db_max_overflow: int = Field(default=10, ge=0, le=1_000,
                                 description="connections opened above the pool at peaks")
    db_pool_timeout_s: float = Field(default=10.0, gt=0,
                                     description="longest wait for a free connection; "
                                                 "then the API answers 503 database_busy")
    lang: Lang = Field(default="en", description="CLI language: en or zh-CN")
    timezone: str = Field(default="Asia/Shanghai", description="zone of naive timestamps")
    knowledge_secret: SecretStr | None = Field(default=None, description="HMAC key, knowledge")
    game_secret: SecretStr | None = Field(default=None, description="HMAC key, game")
    duckdb_memory_limit: str = Field(default="4GB", description="DuckDB memory cap")
    duckdb_threads: int = Field(default=2, ge=1, le=256)
    batch_rows: int = Field(default=262_144, ge=1_000, description="rows per ingest batch")
    ingest_max_columns: int = Field(default=2_000, ge=16,
                                    description="widest export ingest reads (columns / keys)")
    ingest_max_row_bytes: int = Field(default=32 << 20, ge=1_024,
                                      description="longest row or line ingest reads")
    privacy_k: int = Field(default=10, ge=2, description="smallest group released to a partner")
    privacy_epsilon_budget: float = Field(default=3.0, gt=0, description="DP budget per partner")
    psi_max_items: int = Field(default=5_000_000, ge=1,
                               description="most contacts a PSI client may announce per run")
    psi_max_size_ratio: float = Field(
        default=10.0, gt=0, description="... and at most this many times the server's own")
    psi_sessions_per_hour: int = Field(default=30, ge=1, description="PSI sessions per key/h")
    psi_open_sessions: int = Field(default=2, ge=1, description="open PSI sessions per key")
    psi_session_idle_s: float = Field(default=1800.0, gt=0, description="idle PSI session TTL")
    psi_body_timeout_s: float = Field(default=30.0, gt=0,
                                      description="longest pause inside an HTTP body")
    api_max_body_bytes: int = Field(default=4 << 20, ge=1_024,
                                    description="largest HTTP API request body")
    api_max_events: int = Field(default=1_000, ge=1,
                                description="most events in one POST /v1/events batch")
    api_events_commit_s: float = Field(default=2.0, gt=0,
                                       description="longest wait before posted events are "
                                                   "committed from the journal to the lake")
    api_events_commit_rows: int = Field(default=20_000, ge=1,
                                        description="journaled rows that start a commit "
                                                    "before the wait is over")
    api_rate_per_s: float = Field(default=5_000.0, gt=0,
                                  description="requests per second per API key (all workers)")
    api_rate_burst: int = Field(default=10_000, ge=1,
                                description="requests a key may send at once above the rate")
    api_max_inflight: int = Field(default=512, ge=1,
                                  description="requests one worker serves at once; more: 429")
    api_key_cache_s: float = Field(default=5.0, ge=0,
                                   description="how long a checked API key is trusted "
                                               "(a revocation takes effect within it)")
    api_workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes")
    web_session_hours: float = Field(default=12.0, gt=0, le=24 * 30,
                                     description="how long a dashboard login lasts")
    web_login_attempts: int = Field(default=5, ge=1,
                                    description="failed logins per user name and address "
                                                "in 15 minutes before the console says wait")
    privacy_token_minutes: float = Field(default=15.0, gt=0, le=24 * 60,
                                         description="how long a privacy-centre link that a "
                                                     "partner signs for a user stays valid")

    @field_validator("knowledge_secret", "game_secret")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value()
        if len(raw) < 16 or raw.lower() in {"changeme", "changethis", "secret", "password"}:
            raise ValueError(
                "a partner secret must be at least 16 characters and not a placeholder")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _toml_path()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation problems into a clear ``ConfigError``."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigError(f"invalid settings: {exc}", code="bad_settings",
                          params={"detail": str(exc)}) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings from the environment and crossplay.toml (cached)."""
    return load_settings()
