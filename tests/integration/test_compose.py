"""docker-compose.yml is valid against the compose-spec JSON schema (no Docker engine here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(sys.prefix) / "share" / "compose-spec" / "compose-spec.json"


def load_compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_file_matches_the_schema() -> None:
    assert SCHEMA.exists(), "make install fetches the schema from the npm registry"
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(load_compose(), schema)


def test_services_and_gpu_profile() -> None:
    services = load_compose()["services"]
    assert {"db", "redis", "migrate", "web", "worker", "llm", "sglang"} <= set(services)
    gpu = services["sglang"]
    assert gpu["profiles"] == ["gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    assert "--enable-metrics" in gpu["command"]
    assert "appendonly" in " ".join(services["redis"]["command"])
    assert services["worker"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )


def test_schema_rejects_an_unknown_service_key() -> None:
    compose = load_compose()
    compose["services"]["web"]["no_such_key"] = True
    schema = json.loads(SCHEMA.read_text())
    try:
        jsonschema.validate(compose, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted an unknown key")


def test_gpu_service_runs_the_maverick_profile_command() -> None:
    from inference.profiles import PROFILES, command

    service = load_compose()["services"]["sglang"]
    expected = command(PROFILES["maverick-h100x8"])
    # Compose fills in the key from the environment where the profile says $SGLANG_API_KEY.
    given = ["$SGLANG_API_KEY" if "INFERENCE_API_KEY" in arg else arg for arg in service["command"]]
    assert given == expected
    assert service["image"].endswith("v0.5.23")
