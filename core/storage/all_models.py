"""Every model module, imported so that `metadata` holds every table (Alembic needs all)."""

from __future__ import annotations

from core.storage import admin_models, models

metadata = models.Base.metadata

__all__ = ["admin_models", "metadata", "models"]
