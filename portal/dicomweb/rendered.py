"""WADO-RS rendered resources (PS3.18 §9.5, §9.7): images a browser can show.

Routes (under ``/dicomweb``)::

    .../studies/{s}/series/{se}/instances/{i}/rendered          first frame
    .../studies/{s}/series/{se}/instances/{i}/frames/{n}/rendered
    .../studies/{s}/series/{se}/instances/{i}/thumbnail
    .../studies/{s}/series/{se}/thumbnail                       middle instance

Query parameters as in the standard: ``window=center,width,linear`` (only
the linear function), ``viewport=width,height`` (fits inside, keeps the
aspect ratio, never enlarges), ``quality=1..100`` for JPEG.
The media type follows ``Accept`` (``image/jpeg`` by default, ``image/png``)
or ``accept=`` in the query (browsers cannot set headers on ``<img>``).

Pixels are decoded with pydicom and the pylibjpeg decoders for every
transfer syntax the program reads; decoded frames (after the modality LUT)
are kept in a small LRU cache, so scrolling back and adjusting the window
do not decode again.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal.access import visible_instances
from portal.auth import Principal, require_principal
from portal.blobstore import blob_store_for
from portal.errors import ApiError, not_found

router = APIRouter(prefix="/dicomweb", tags=["DICOMweb rendered"])

_RESPONSES = {
    200: {"description": "The rendered image.", "content": {"image/jpeg": {}, "image/png": {}}},
    400: {"description": "A malformed window, viewport or frame number."},
    401: {"description": "No valid token."},
    404: {"description": "Not found, not yours to see, or no such frame."},
    406: {"description": "Only media types we cannot render were accepted."},
    422: {"description": "The instance has no pixel data we can decode."},
}

# Largest frame (in pixels) we decode at all: far above any CT/MR/CR/DX image,
# but stops a declared 65535 x 65535 x 1000 file from taking the server down.
MAX_PIXELS = 8192 * 8192
MAX_VIEWPORT = 4096


@dataclass(frozen=True)
class DecodedFrame:
    """One frame after the modality LUT, with what rendering needs to know."""

    pixels: np.ndarray  # float32 (rows, cols) for grey, uint8 (rows, cols, 3) for colour
    window: tuple[float, float] | None  # the file's own (center, width), if any
    invert: bool  # MONOCHROME1: low values are white
    frames: int


class FrameCache:
    """A small LRU of decoded frames keyed by (blob SHA-256, frame index)."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self._items: OrderedDict[tuple[str, int], DecodedFrame] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> DecodedFrame | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, int], frame: DecodedFrame) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = frame
            self._bytes += frame.pixels.nbytes
            while self._bytes > self._max and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._bytes -= old.pixels.nbytes


def _cache(request: Request) -> FrameCache:
    state = request.app.state
    cache = getattr(state, "frame_cache", None)
    if cache is None:
        cache = state.frame_cache = FrameCache()
    return cache


def _number(value, default: float | None = None) -> float | None:
    """First value of a DS/IS element (which may be multi-valued), as float."""
    if value is None or value == "":
        return default
    try:
        if isinstance(value, (list, tuple)) or hasattr(value, "__getitem__") and \
                not isinstance(value, (str, bytes)):
            value = value[0]
        return float(value)
    except (TypeError, ValueError, IndexError):
        return default


_RLE_LOSSLESS = "1.2.840.10008.1.2.5"


def decode_frame(data_file, frame: int) -> DecodedFrame:
    """Decode FRAME (0-based) of the Part-10 (or bare) dataset in the open file DATA_FILE.

    Raises ``ApiError`` 422 for anything without decodable pixels and 404 for
    a frame number past the end.
    """
    import pydicom
    from pydicom.pixels import apply_modality_lut, pixel_array

    try:
        ds = pydicom.dcmread(data_file, force=True, stop_before_pixels=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable header is the file's fault
        raise ApiError(422, "not_renderable", f"the stored file cannot be read ({type(exc).__name__})")
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    frames = int(_number(ds.get("NumberOfFrames"), 1) or 1)
    if not rows or not cols:
        raise ApiError(422, "not_renderable", "this instance has no image")
    if rows * cols > MAX_PIXELS or frames < 1:
        raise ApiError(422, "not_renderable", "the image is larger than the portal renders")
    if frame >= frames:
        raise not_found("frame")
    data_file.seek(0)
    meta = getattr(ds, "file_meta", None)
    # pylibjpeg-rle panics (a Rust backtrace on stderr) on malformed RLE; pydicom's decoder raises.
    plugin = "pydicom" if str(getattr(meta, "TransferSyntaxUID", "")) == _RLE_LOSSLESS else ""
    try:
        arr = pixel_array(data_file, index=frame if frames > 1 else None, decoding_plugin=plugin)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - undecodable pixel data of any kind;
        # BaseException: a Rust decoder's panic (pyo3 PanicException) is not an Exception.
        raise ApiError(422, "not_renderable",
                       f"the pixel data cannot be decoded ({type(exc).__name__})") from None
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if arr.ndim == 3 and arr.shape[-1] == 3:  # colour: pixel_array converted YBR to RGB
        if arr.dtype != np.uint8:
            top = float(arr.max()) or 1.0
            arr = np.clip(arr / top * 255.0, 0, 255).astype(np.uint8)
        return DecodedFrame(np.ascontiguousarray(arr), None, False, frames)
    if arr.ndim != 2:
        raise ApiError(422, "not_renderable", "this image layout cannot be rendered")
    try:
        values = apply_modality_lut(arr, ds).astype(np.float32, copy=False)
    except Exception:  # noqa: BLE001 - a broken LUT: show the stored values
        values = arr.astype(np.float32)
    center = _number(ds.get("WindowCenter"))
    width = _number(ds.get("WindowWidth"))
    window = (center, width) if center is not None and width and width > 0 else None
    return DecodedFrame(values, window, photometric == "MONOCHROME1", frames)


def parse_window(text: str | None) -> tuple[float, float] | None:
    """``center,width[,linear]`` → (center, width); None when absent; 400 when malformed."""
    if text is None or text == "":
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2].lower() != "linear"):
            raise ValueError
        center, width = float(parts[0]), float(parts[1])
        if width <= 0 or not np.isfinite(center) or not np.isfinite(width):
            raise ValueError
    except ValueError:
        raise ApiError(400, "bad_window", "window must be center,width,linear") from None
    return center, width


def parse_viewport(text: str | None) -> tuple[int, int] | None:
    """``width,height`` (PS3.18 also allows ``,height`` or ``width,``) → pixel box."""
    if text is None or text == "":
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        if len(parts) < 2:
            raise ValueError
        width = int(parts[0]) if parts[0] else 0
        height = int(parts[1]) if parts[1] else 0
        if width < 0 or height < 0 or (width == 0 and height == 0) \
                or max(width, height) > MAX_VIEWPORT:
            raise ValueError
    except ValueError:
        raise ApiError(400, "bad_viewport", "viewport must be width,height") from None
    return width, height


def effective_window(frame: DecodedFrame, window: tuple[float, float] | None
                     ) -> tuple[float, float] | None:
    """The window applied: the asked one, else the file's, else the image's own range."""
    if frame.pixels.ndim == 3:
        return None
    if window or frame.window:
        return window or frame.window
    low, high = float(frame.pixels.min()), float(frame.pixels.max())
    return (low + high) / 2.0, max(high - low, 1.0)


def to_display(frame: DecodedFrame, window: tuple[float, float] | None) -> np.ndarray:
    """8-bit display values: the linear VOI function of PS3.3 C.11.2.1.2."""
    if frame.pixels.ndim == 3:
        return frame.pixels
    values = frame.pixels
    center, width = effective_window(frame, window)
    # PS3.3: linear with the -0.5 / width-1 correction for integer data.
    low = center - 0.5 - (width - 1) / 2.0
    scale = 255.0 / max(width - 1, 1.0)
    out = np.clip((values - low) * scale, 0, 255).astype(np.uint8)
    return 255 - out if frame.invert else out


def _fit(size: tuple[int, int], viewport: tuple[int, int] | None) -> tuple[int, int]:
    cols, rows = size
    if viewport is None:
        return cols, rows
    width, height = viewport
    scales = [s for s in (width / cols if width else None, height / rows if height else None) if s]
    scale = min(min(scales), 1.0)  # fit inside, never enlarge: the browser scales up
    return max(1, round(cols * scale)), max(1, round(rows * scale))


def _media_type(request: Request, accept_param: str | None) -> str:
    accept = (accept_param or request.headers.get("accept") or "").lower()
    if not accept.strip():
        return "image/jpeg"
    for entry in accept.split(","):
        media = entry.split(";")[0].strip()
        if media in ("image/jpeg", "image/png"):
            return media
        if media in ("*/*", "image/*"):
            return "image/jpeg"
    raise ApiError(406, "not_acceptable", "rendered images are image/jpeg or image/png")


def encode(pixels: np.ndarray, media: str, viewport: tuple[int, int] | None,
           quality: int = 90) -> bytes:
    """PIXELS (8-bit grey or RGB) scaled into VIEWPORT and encoded as MEDIA."""
    from PIL import Image

    image = Image.fromarray(pixels)
    target = _fit(image.size, viewport)
    if target != image.size:
        image = image.resize(target, Image.Resampling.BILINEAR)
    out = io.BytesIO()
    if media == "image/png":
        image.save(out, format="PNG", compress_level=1)
    else:
        image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _instance_row(request: Request, principal: Principal, study_uid: str, series_uid: str,
                  sop_uid: str | None):
    _rows, items = visible_instances(request.app.state.engine, principal, study_uid,
                                     series_uid=series_uid, sop_uid=sop_uid)
    if sop_uid is None:  # a series thumbnail shows its middle image
        return items[len(items) // 2]
    return items[0]


def _frame(request: Request, sha256: str, frame: int) -> DecodedFrame:
    cache = _cache(request)
    cached = cache.get((sha256, frame))
    if cached is not None:
        return cached
    store = blob_store_for(request.app.state.settings.data_dir)
    if not store.exists(sha256):
        raise ApiError(500, "storage_error", "a stored file is missing; tell the operator")
    with store.open(sha256) as handle:
        decoded = decode_frame(handle, frame)
    cache.put((sha256, frame), decoded)
    return decoded


def render(request: Request, principal: Principal, study_uid: str, series_uid: str,
           sop_uid: str | None, frame: int, *, window: str | None, viewport: str | None,
           quality: int | None, accept: str | None, default_viewport=None) -> Response:
    """Render one frame for the caller (after the same access checks as WADO-RS)."""
    media = _media_type(request, accept)
    box = parse_viewport(viewport) or default_viewport
    voi = parse_window(window)
    if quality is not None and not 1 <= quality <= 100:
        raise ApiError(400, "bad_quality", "quality must be 1..100")
    if frame < 0:
        raise ApiError(400, "bad_frame", "frame numbers start at 1")
    item = _instance_row(request, principal, study_uid, series_uid, sop_uid)
    decoded = _frame(request, item.sha256, frame)
    body = encode(to_display(decoded, voi), media, box, quality or 90)
    headers = {"Cache-Control": "private, max-age=3600", "X-Frame-Count": str(decoded.frames)}
    used = effective_window(decoded, voi)
    if used is not None:  # lets a viewer start dragging from the window it sees
        headers["X-Window"] = f"{used[0]:g},{used[1]:g}"
    return Response(body, media_type=media, headers=headers)


_I = "/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}"


@router.get(_I + "/rendered", responses=_RESPONSES, response_class=Response,
            response_description="The instance's first frame as an image.")
def instance_rendered(study_uid: str, series_uid: str, sop_uid: str, request: Request,
                      window: str | None = None, viewport: str | None = None,
                      quality: int | None = None, accept: str | None = None,
                      principal: Principal = Depends(require_principal)):
    """Retrieve Rendered Instance (its first frame)."""
    return render(request, principal, study_uid, series_uid, sop_uid, 0, window=window,
                  viewport=viewport, quality=quality, accept=accept)


@router.get(_I + "/frames/{frame_list}/rendered", responses=_RESPONSES, response_class=Response,
            response_description="One frame as an image.")
def frames_rendered(study_uid: str, series_uid: str, sop_uid: str, frame_list: str,
                    request: Request, window: str | None = None, viewport: str | None = None,
                    quality: int | None = None, accept: str | None = None,
                    principal: Principal = Depends(require_principal)):
    """Retrieve Rendered Frames: one frame (1-based); a list renders its first frame."""
    try:
        number = int(frame_list.split(",")[0])
    except ValueError:
        raise ApiError(400, "bad_frame", "frame numbers are integers from 1") from None
    return render(request, principal, study_uid, series_uid, sop_uid, number - 1,
                  window=window, viewport=viewport, quality=quality, accept=accept)


@router.get(_I + "/thumbnail", responses=_RESPONSES, response_class=Response,
            response_description="A small image of the instance.")
def instance_thumbnail(study_uid: str, series_uid: str, sop_uid: str, request: Request,
                       viewport: str | None = None, accept: str | None = None,
                       principal: Principal = Depends(require_principal)):
    """Retrieve Thumbnail of an instance (128 x 128 unless a viewport is given)."""
    return render(request, principal, study_uid, series_uid, sop_uid, 0, window=None,
                  viewport=viewport, quality=80, accept=accept, default_viewport=(128, 128))


@router.get("/studies/{study_uid}/series/{series_uid}/thumbnail", responses=_RESPONSES,
            response_class=Response, response_description="A small image of the series.")
def series_thumbnail(study_uid: str, series_uid: str, request: Request,
                     viewport: str | None = None, accept: str | None = None,
                     principal: Principal = Depends(require_principal)):
    """Retrieve Thumbnail of a series: its middle instance, 128 x 128 by default."""
    return render(request, principal, study_uid, series_uid, None, 0, window=None,
                  viewport=viewport, quality=80, accept=accept, default_viewport=(128, 128))


__all__ = ["router", "decode_frame", "to_display", "encode", "parse_window", "parse_viewport",
           "effective_window"]
