"""Bot API wire format: reading parameters and building Telegram's answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse


class ApiError(Exception):
    """A Bot API failure answered as ``{"ok": false, ...}`` with Telegram's status code."""

    def __init__(
        self,
        error_code: int,
        description: str,
        parameters: dict[str, int] | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters or {}

    def response(self) -> JSONResponse:
        """Build the HTTP answer, with ``Retry-After`` when the error carries one."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        headers = {}
        if "retry_after" in self.parameters:
            headers["Retry-After"] = str(self.parameters["retry_after"])
        return JSONResponse(body, status_code=self.error_code, headers=headers)


def bad_request(detail: str) -> ApiError:
    """Return a 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """Return the 429 Telegram sends when a flood limit is hit."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


UNAUTHORIZED = ApiError(401, "Unauthorized")
METHOD_NOT_FOUND = ApiError(404, "Not Found: method not found")


def ok_response(result: Any, description: str | None = None) -> JSONResponse:
    """Build ``{"ok": true, "result": ...}``."""
    body: dict[str, Any] = {"ok": True, "result": result}
    if description:
        body["description"] = description
    return JSONResponse(body)


async def read_params(request: Request) -> dict[str, Any]:
    """Merge query string and body parameters (JSON, form-encoded or multipart)."""
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError as exc:
                raise bad_request("can't parse JSON encoded request body") from exc
            if not isinstance(data, dict):
                raise bad_request("JSON object expected as request body")
            params.update(data)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        for key, value in form.multi_items():
            if not isinstance(value, UploadFile):
                params[key] = value
    return params


class Params:
    """Typed access to Bot API parameters, which PTB sends as strings or JSON per field."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        """Tell whether the parameter was given with a non-empty value."""
        return self.raw.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        """Return a string parameter, converting numbers back to text."""
        value = self.raw.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str) -> int | None:
        """Return an integer parameter or None when absent."""
        value = self.raw.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def number(self, name: str) -> float | None:
        """Return a numeric parameter (int or float) or None when absent."""
        value = self.raw.get(name)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def boolean(self, name: str) -> bool:
        """Return a boolean parameter; absent means False."""
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def json_value(self, name: str, label: str | None = None) -> Any:
        """Return a JSON parameter, decoding it when it came JSON-encoded in a string."""
        value = self.raw.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(f"can't parse {label or name} JSON object") from exc


class Answer:
    """A successful result with the optional ``description`` Telegram adds (e.g. setWebhook)."""

    def __init__(self, result: Any, description: str | None = None) -> None:
        self.result = result
        self.description = description
