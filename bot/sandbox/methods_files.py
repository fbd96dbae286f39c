"""getFile and the download endpoint ``/file/bot<token>/<file_path>``, as Telegram has them."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.sandbox.protocol import UNAUTHORIZED, ApiError, Params, bad_request
from bot.sandbox.runtime import Sandbox

FILE_NOT_FOUND = ApiError(404, "Not Found")


async def get_file(sandbox: Sandbox, params: Params) -> Any:
    """getFile: file_id to a File with the path to download it from."""
    file_id = (params.text("file_id") or "").strip()
    files = sandbox.state.files
    record = files.record(file_id)
    blob = files.blob(record.file_path) if record else None
    if record is None or blob is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": record.file_id, "file_unique_id": record.file_unique_id,
        "file_size": len(blob.data), "file_path": record.file_path,
    }


def _download(sandbox: Sandbox, token: str, file_path: str) -> Response:
    if not hmac.compare_digest(token.encode(), sandbox.config.token.encode()):
        return UNAUTHORIZED.response()
    blob = sandbox.state.files.blob(file_path)
    if blob is None:
        return FILE_NOT_FOUND.response()
    return Response(blob.data, media_type=blob.mime)


def file_routes(sandbox: Sandbox) -> list[Route]:
    """Return ``/file/bot<token>/<file_path>`` and the page's ``/api/files/<file_id>``."""

    async def download(request: Request) -> Response:
        return _download(sandbox, request.path_params["token"], request.path_params["path"])

    async def by_file_id(request: Request) -> Response:
        record = sandbox.state.files.record(request.path_params["file_id"])
        if record is None:
            return FILE_NOT_FOUND.response()
        return _download(sandbox, sandbox.config.token, record.file_path)

    return [
        Route("/file/bot{token}/{path:path}", download, methods=["GET"]),
        Route("/api/files/{file_id}", by_file_id, methods=["GET"]),
    ]


HANDLERS = {"getFile": get_file}
