"""Test-only fault injection: make chosen Bot API calls fail, or answer slowly."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

from bot.sandbox.protocol import ApiError

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"


class FaultSpecError(ValueError):
    """A fault specification is malformed."""


@dataclass
class Fault:
    """One injected fault: which calls it matches, what it answers and how often."""

    id: int
    method: str
    chat_id: str | None
    error_code: int | None
    description: str | None
    retry_after: int | None
    migrate_to_chat_id: int | None
    delay: float
    times: int | None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        """Tell whether a call to ``method`` with ``params`` triggers this fault."""
        if self.method not in ("*", method.lower()):
            return False
        return self.chat_id is None or str(params.get("chat_id", "")) == self.chat_id

    def error(self) -> ApiError | None:
        """Return the error to answer with, or None for a delay-only fault."""
        if self.error_code is None:
            return None
        parameters: dict[str, int] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        return ApiError(self.error_code, self.description or self._default(), parameters)

    def _default(self) -> str:
        if self.error_code == 429:
            return f"Too Many Requests: retry after {self.retry_after or 1}"
        if self.migrate_to_chat_id is not None:
            return _MIGRATED
        return _DEFAULT_DESCRIPTIONS.get(self.error_code or 0, "Error")

    def to_json(self) -> dict[str, Any]:
        """Describe the fault for the JSON API."""
        return asdict(self)


def _optional_int(spec: dict[str, Any], key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaultSpecError(f"{key} must be an integer")
    return value


class FaultBook:
    """The list of active faults; the first matching fault wins."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: Any) -> Fault:
        """Validate a JSON specification and add the fault it describes."""
        if not isinstance(spec, dict) or not isinstance(spec.get("method"), str):
            raise FaultSpecError("a JSON object with a string 'method' is required")
        error_code = _optional_int(spec, "error_code")
        if error_code is not None and not 400 <= error_code <= 599:
            raise FaultSpecError("error_code must be between 400 and 599")
        delay = spec.get("delay", 0)
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise FaultSpecError("delay must be a non-negative number of seconds")
        if error_code is None and not delay:
            raise FaultSpecError("give an error_code, a delay, or both")
        times = _optional_int(spec, "times") if "times" in spec else 1
        if times is not None and times < 1:
            raise FaultSpecError("times must be a positive integer or null (for ever)")
        description = spec.get("description")
        if description is not None and not isinstance(description, str):
            raise FaultSpecError("description must be a string")
        chat_id = spec.get("chat_id")
        retry_after = _optional_int(spec, "retry_after")
        if error_code == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(
            id=next(self._ids),
            method=spec["method"].lower(),
            chat_id=None if chat_id is None else str(chat_id),
            error_code=error_code,
            description=description,
            retry_after=retry_after,
            migrate_to_chat_id=_optional_int(spec, "migrate_to_chat_id"),
            delay=float(delay),
            times=times,
        )
        self._faults.append(fault)
        return fault

    def take(self, method: str, params: dict[str, Any]) -> Fault | None:
        """Return the first fault matching the call and count one use of it."""
        for fault in self._faults:
            if fault.matches(method, params):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                return fault
        return None

    def list(self) -> list[dict[str, Any]]:
        """Describe the active faults."""
        return [fault.to_json() for fault in self._faults]

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()
