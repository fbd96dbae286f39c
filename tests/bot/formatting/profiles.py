"""Hypothesis settings for the formatting property tests.

PARLEY_FORMATTING_PROFILE=thorough runs many more examples; the default keeps the whole
formatting suite to a few seconds.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "formatting-fast",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "formatting-thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_CHOSEN = os.environ.get("PARLEY_FORMATTING_PROFILE", "fast")
PROFILE = settings(settings.get_profile(f"formatting-{_CHOSEN}"))
