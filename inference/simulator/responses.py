"""Responses for the simulator: JSON errors and an SSE response that notices disconnects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from starlette.responses import JSONResponse, StreamingResponse
from starlette.types import Receive, Scope, Send

from inference.simulator import wire


def error_json(message: str, status: int, err_type: str | None = None) -> JSONResponse:
    """SGLang's ErrorResponse body with its status code."""
    return JSONResponse(wire.error_response(message, status, err_type), status_code=status)


class EventStreamResponse(StreamingResponse):
    """A text/event-stream response that cancels its generator as soon as the client leaves.

    Starlette only watches for disconnects on ASGI < 2.4 servers; a server that frees the
    request on disconnect needs that always, also while the request waits in the queue.
    `on_close` runs however the response ends, even if the generator never started.
    """

    def __init__(self, content: AsyncIterator[bytes], on_close: Callable[[], None]) -> None:
        """Stream `content` as SSE and call `on_close` at the end."""
        super().__init__(content, media_type="text/event-stream")
        self._content = content
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream until the generator ends or the client disconnects."""
        streaming = asyncio.ensure_future(self.stream_response(send))
        listening = asyncio.ensure_future(self.listen_for_disconnect(receive))
        try:
            await asyncio.wait({streaming, listening}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (streaming, listening):
                task.cancel()
            results = await asyncio.gather(streaming, listening, return_exceptions=True)
            aclose = getattr(self._content, "aclose", None)
            if aclose is not None:
                await aclose()
            self._on_close()
        error = results[0]
        if isinstance(error, Exception) and not isinstance(error, OSError):
            raise error
