"""Typed API errors and the one JSON error shape every portal route answers with.

Every error body is ``{"error": "<machine_code>", "message": "<text for people>"}``
plus optional extra fields (e.g. ``retry_after``, ``expires``). The ``detail``
key of FastAPI's own errors is kept too, so generic clients still find it.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

# Machine codes for FastAPI's own HTTPException (raised e.g. by portal.auth).
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    416: "range_not_satisfiable",
    429: "too_many_requests",
}


class ApiError(Exception):
    """An error answer: HTTP STATUS with machine code ERROR and a readable MESSAGE."""

    def __init__(self, status: int, error: str, message: str, *,
                 headers: dict[str, str] | None = None, **extra) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
        self.extra = extra


def not_found(what: str = "study") -> ApiError:
    """The one answer for 'does not exist' and 'you may not see it' (no existence leak)."""
    return ApiError(404, "not_found", f"{what} not found")


def error_response(status: int, error: str, message: str, headers: dict | None = None,
                   **extra) -> JSONResponse:
    """A JSONResponse in the portal's error shape."""
    body = {"error": error, "message": message, "detail": message, **extra}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error (ours, FastAPI's, validation) answer in the portal's shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.error, exc.message, exc.headers, **exc.extra)

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail),
                              getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ())[1:]) or 'body'}: {err.get('msg')}"
            for err in exc.errors()
        )
        return error_response(422, "invalid_request", problems or "invalid request")
