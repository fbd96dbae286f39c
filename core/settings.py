"""All configuration, read once from the environment and `.env` by one pydantic-settings class."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")

DEFAULT_SYSTEM_PROMPT = (
    "You are Parley, a helpful assistant in a Telegram chat. "
    "Answer in the language of the user's latest message unless told otherwise. "
    "Be concise and accurate. You may use Markdown."
)


class Settings(BaseSettings):
    """Every setting of the service; the names of the main ones are part of its interface."""

    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development", validation_alias="PARLEY_ENV"
    )

    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org", validation_alias="TELEGRAM_API_URL")
    public_url: str | None = Field(None, validation_alias="PUBLIC_URL")
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")

    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    inference_url: str | None = Field(None, validation_alias="INFERENCE_URL")
    inference_api_key: SecretStr | None = Field(None, validation_alias="INFERENCE_API_KEY")
    inference_model: str = Field("default", validation_alias="INFERENCE_MODEL")

    host: str = Field("127.0.0.1", validation_alias="HOST")
    port: int = Field(8080, validation_alias="PORT", ge=1, le=65535)
    data_dir: Path = Field(Path("data"), validation_alias="DATA_DIR")

    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    log_json: bool = Field(False, validation_alias="LOG_JSON")

    system_prompt: str = Field(DEFAULT_SYSTEM_PROMPT, validation_alias="SYSTEM_PROMPT")
    max_reply_tokens: int = Field(1024, validation_alias="MAX_REPLY_TOKENS", ge=16)
    temperature: float = Field(0.6, validation_alias="TEMPERATURE", ge=0.0, le=2.0)
    max_webhook_body_bytes: int = Field(1_048_576, validation_alias="MAX_WEBHOOK_BODY_BYTES")
    inference_connect_timeout: float = Field(5.0, validation_alias="INFERENCE_CONNECT_TIMEOUT")
    inference_read_timeout: float = Field(120.0, validation_alias="INFERENCE_READ_TIMEOUT")
    inference_max_retries: int = Field(4, validation_alias="INFERENCE_MAX_RETRIES", ge=0)
    # Whether the model reads images; unset: ask the server (sglang-router cannot tell).
    inference_vision: bool | None = Field(None, validation_alias="INFERENCE_VISION")
    # Used when the server does not report its context window (sglang-router does not).
    inference_context_length: int = Field(8192, validation_alias="INFERENCE_CONTEXT_LENGTH", ge=512)

    worker_concurrency: int = Field(512, validation_alias="WORKER_CONCURRENCY", ge=1)
    # Prometheus metrics of a worker process (streams, backpressure, Telegram calls); 0: off.
    worker_metrics_port: int = Field(0, validation_alias="WORKER_METRICS_PORT", ge=0, le=65535)
    chat_lock_ttl_seconds: float = Field(30.0, validation_alias="CHAT_LOCK_TTL", gt=0)
    sweep_interval_seconds: float = Field(10.0, validation_alias="SWEEP_INTERVAL", gt=0)
    max_attempts: int = Field(3, validation_alias="MAX_ATTEMPTS", ge=1)
    stream_edit_interval_seconds: float = Field(1.0, validation_alias="STREAM_EDIT_INTERVAL")
    stream_draft_interval_seconds: float = Field(0.3, validation_alias="STREAM_DRAFT_INTERVAL")

    local_llm_port: int = Field(8091, validation_alias="LOCAL_LLM_PORT")
    local_llm_threads: int = Field(2, validation_alias="LOCAL_LLM_THREADS", ge=1)
    local_llm_parallel: int = Field(4, validation_alias="LOCAL_LLM_PARALLEL", ge=1)
    local_llm_context: int = Field(4096, validation_alias="LOCAL_LLM_CONTEXT", ge=512)
    embedded_redis_port: int = Field(6390, validation_alias="EMBEDDED_REDIS_PORT")

    @model_validator(mode="after")
    def _refuse_unsafe_values(self) -> Settings:
        """Refuse values that would be unsafe on a production host."""
        if self.webhook_secret is not None and not _SECRET_TOKEN_RE.match(
            self.webhook_secret.get_secret_value()
        ):
            raise ValueError("WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        if self.public_url is not None:
            if not self.public_url.startswith("https://") and self.environment == "production":
                raise ValueError("PUBLIC_URL must be https:// in production (Telegram requires it)")
            if self.telegram_bot_token is None:
                raise ValueError("PUBLIC_URL is set but TELEGRAM_BOT_TOKEN is not")
        if self.environment == "production":
            for name in ("database_url", "redis_url", "inference_url", "telegram_bot_token"):
                if getattr(self, name) is None:
                    raise ValueError(f"{name.upper()} must be set in production")
            if self.database_url and self.database_url.startswith("sqlite"):
                raise ValueError("SQLite is the laptop default; use PostgreSQL in production")
            if self.public_url and self.webhook_secret is None:
                raise ValueError("WEBHOOK_SECRET must be set in production webhook mode")
        return self

    @property
    def sandbox_mode(self) -> bool:
        """True when no real bot token is configured: the local Bot API emulator stands in."""
        return self.telegram_bot_token is None

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in DATA_DIR."""
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'parley.db').resolve()}"

    @property
    def effective_redis_url(self) -> str:
        """The Redis URL, defaulting to the embedded server that `parley run` starts."""
        return self.redis_url or f"redis://127.0.0.1:{self.embedded_redis_port}/0"

    @property
    def effective_inference_url(self) -> str:
        """The model server's base URL (without /v1), defaulting to the local CPU engine."""
        return (self.inference_url or f"http://127.0.0.1:{self.local_llm_port}").rstrip("/")

    @property
    def effective_telegram_api_url(self) -> str:
        """The Bot API base URL; in sandbox mode, the emulator mounted in the web app."""
        if self.sandbox_mode and self.telegram_api_url == "https://api.telegram.org":
            return f"http://127.0.0.1:{self.port}/sandbox"
        return self.telegram_api_url.rstrip("/")

    @property
    def bot_token(self) -> str:
        """The bot token, or the sandbox's fixed token when none is configured."""
        if self.telegram_bot_token is None:
            return SANDBOX_TOKEN
        return self.telegram_bot_token.get_secret_value()

    def effective_webhook_secret(self) -> str:
        """The webhook secret: configured, or generated once and kept in DATA_DIR."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        path = self.data_dir / "webhook_secret"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        path.write_text(token)
        path.chmod(0o600)
        return token


SANDBOX_TOKEN = "1000000:sandbox-token"  # noqa: S105 (only the local emulator accepts it)


def normalize_database_url(url: str) -> str:
    """Route plain postgres URLs through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
