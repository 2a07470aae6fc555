from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from INVENTORY_* environment variables (and DATABASE_URL, which has no prefix)."""

    model_config = SettingsConfigDict(env_prefix="INVENTORY_")

    api_token: str
    low_stock_threshold: int = 5
    log_level: str = "info"


@lru_cache
def get_settings() -> Settings:
    return Settings()
