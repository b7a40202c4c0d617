"""Fingerprint a board's preprocessing: which pipeline turned this RGB image into that dump?

:func:`identify_pipeline` takes the source RGB image and what the board produced - an
NV12 frame, or the model input tensor the network was fed (a ``.bin`` / ``.npy`` dump,
see :func:`nv12_widgets.model.exchange.board.load_tensor`) - and finds the pipeline that explains
it, as a :class:`~nv12_widgets.model.PreprocessConfig` with its residual in grey levels.

Search strategy
---------------
Every candidate is a :class:`PreprocessConfig` (so whatever is found can be replayed by
the rest of the package), and its pixels are made by its
:class:`~nv12_widgets.model.Pipeline` - the executor the comparison uses (fit -> encode
-> the device's decode, float where a profile decodes to float; or the training pixels
for a tensor made on the PC without NV12): see :mod:`.identify_candidates`. Profiles are
enumerated from the device registry (``nv12_widgets.core.device_names()``) at call time, so new device profiles are
searched as soon as they are registered. The solving lives in :mod:`.identify_search`,
the results and their wording in :mod:`.identify_report`.

1. *Geometry.* The dump's layout (NCHW / NHWC / (C, H, W) / (H, W, C); both when the
   shape is ambiguous) and, when the image and the dump differ in size, every resize
   policy x interpolation of ``fit_image``: each is scored with the cheap PC-side pixel
   sets (no NV12) and only the best three fits are kept.
2. *Channel format.* RGB, BGR, YUV 4:4:4 (swing x matrix) and grey, scored the same way;
   formats far worse than the best (``> 2 x best + 3`` grey levels mean residual) are
   dropped (an R/B swap or YUV-vs-RGB costs tens of levels).
3. *Pipelines.* For the kept fits and formats: the PC path, and the NV12 path with every
   generic encoder (swing x matrix x chroma mean/decimate) and profile, each decoded by
   the device as the config can express (matched, or with the other swing assumed;
   nearest or bilinear upsampling; the profile's own decode). Candidates that give
   byte-identical pixels are merged into one explanation (their configs are listed as
   ``equivalents``: the dump cannot tell them apart).
4. *Normalisation, solved.* Per channel the dump is ``t = a * pixels + b``; ``a`` and
   ``b`` are solved by least squares on a fixed random subsample of 16384 pixels for
   ranking, then re-solved and verified on all pixels for the best candidates. The
   result is reported with ``divisor = 1`` (pixel-domain mean and std, the RKNN /
   OpenVINO convention): ``std = 1 / a``, ``mean = -b / a``; ``config.pixel_mean`` /
   ``pixel_std`` are the same numbers, and ``mean / 255``, ``std / 255`` give the
   ``divisor = 255`` form.
5. *Residual.* ``|(t - b) / a - pixels|`` in grey levels (pixel units after undoing the
   affine), max and mean over all values; for an NV12 frame the byte difference of the
   Y and UV planes (apart). An explanation counts when its max is within ``tolerance``
   (plus half a quantisation step of the dump's dtype, in pixel units, for integer or
   float16 dumps).
6. *Only physical answers.* A solved normalisation with a std <= 0 or a pixel mean
   outside the code range is no pipeline: it ranks last and is never printed as an
   answer; when no candidate is physical the dump does not come from the given image
   and the message says so.

What it cannot tell apart is reported, not guessed: byte-identical candidates are
merged (e.g. every decode for a grey model, which only sees Y); the swing of a YUV
model's *training* data is a per-channel affine of the other swing (only rounding
differs); a constant offset of the pixels (truncation instead of rounding: -0.5 level
on average) is absorbed by the solved mean for a tensor (for a frame it shows as the
plane's ``bias``); an integer dump's normalisation includes its input quantisation
(scale and zero point): pass dequantised values to solve the normalisation alone.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from nv12_widgets.core import NV12, RAW_EXTENSIONS, InputError
from nv12_widgets.model.workflows.identify_report import (
    Explanation,
    Identification,
    verdict_message,
)
from nv12_widgets.model.workflows.identify_search import FrameSearch, TensorSearch

__all__ = ["DEFAULT_TOLERANCE", "Explanation", "Identification", "identify_pipeline", "load_dump"]

#: Raw frame extensions and the byte layout each implies (None: NV12 unless told): the
#: core's one table (``.raw`` included).
RAW_FRAME_EXTENSIONS = RAW_EXTENSIONS

#: Default tolerance of :func:`identify_pipeline`: the max |residual| in grey levels an
#: explanation may leave (one level: a different rounding somewhere still counts).
DEFAULT_TOLERANCE = 1.0


# ---------------------------------------------------------------------- public entry
def identify_pipeline(
    rgb: np.ndarray,
    observed: NV12 | np.ndarray,
    *,
    model_size: tuple[int, int] | None = None,
    top: int = 5,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Identification:
    """Find the preprocessing pipeline that turned ``rgb`` into ``observed``.

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, 3) uint8 RGB: the source image (as read, before any resize).
    observed : NV12 or numpy.ndarray
        What the board produced: an NV12 frame, or the model input tensor it was fed,
        4-D (N, C, H, W) / (N, H, W, C) (the first batch item is used), 3-D
        (C, H, W) / (H, W, C), or 2-D (H, W) for one channel; C is 1 or 3; float or
        integer (e.g. from :func:`~nv12_widgets.model.exchange.board.load_tensor`).
    model_size : (int, int) or None
        The model input's (height, width) when the dump is *larger* (aligned board
        dumps: the top-left region is compared, the padding ignored). Default: the
        dump's own size.
    top : int
        How many runners-up to return (>= 0).
    tolerance : float
        Max |residual| in grey levels an explanation may leave (>= 0).

    Returns
    -------
    Identification
        ``identified``, ``best`` (an :class:`Explanation` with its ``config``) and the
        ``runners_up``; ``message`` says "nothing known explains this within N grey
        levels" when that is the truth.

    Raises
    ------
    InputError
        For an image that is not (H, W, 3) uint8, a dump with no channel axis of 1 or
        3, non-finite values, a ``model_size`` larger than the dump, or a flat image
        (nothing can be solved from it).

    Examples
    --------
    >>> from nv12_widgets.core import normalize, rgb_to_nv12, nv12_to_rgb, to_layout
    >>> rng = np.random.default_rng(0)
    >>> rgb = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    >>> device = nv12_to_rgb(rgb_to_nv12(rgb, chroma="decimate"))[..., ::-1]  # BGR
    >>> dump = to_layout(normalize(device, divisor=255, mean=0.5, std=0.5), "NCHW")
    >>> found = identify_pipeline(rgb, dump)
    >>> found.identified, found.config.train_format, found.config.chroma, found.layout
    (True, 'bgr', 'decimate', 'NCHW')
    >>> [round(v, 3) for v in found.config.pixel_mean + found.config.pixel_std]
    [127.5, 127.5, 127.5, 127.5, 127.5, 127.5]
    """
    start = time.perf_counter()
    _check_rgb(rgb)
    if not isinstance(top, int | np.integer) or isinstance(top, bool) or top < 0:
        raise InputError(f"top must be a non-negative integer, got {top!r}.")
    try:
        tolerance = float(tolerance)
    except (TypeError, ValueError):
        raise InputError(f"tolerance must be a number of grey levels, got {tolerance!r}.") from None
    if not math.isfinite(tolerance) or tolerance < 0:
        raise InputError(f"tolerance must be a finite number >= 0, got {tolerance!r}.")
    if isinstance(observed, NV12):
        search = FrameSearch(rgb, observed, model_size)
    else:
        search = TensorSearch(rgb, observed, model_size, tolerance)
    ranked, count, notes = search.run(int(top))
    if not ranked:
        raise InputError(
            "no candidate pipeline applies to this image and dump (check that the dump "
            "belongs to this image)."
        )

    def within(e: Explanation) -> bool:
        step = search.quant_step(e) if e.physical else 0.0
        return e.physical and e.verified and e.max_abs <= tolerance + step / 2.0 + 1e-9

    # Explanations within tolerance first (closest mean first), then the other physical
    # ones; an unphysical normalisation (std <= 0, mean off the code range) comes last.
    ranked.sort(
        key=lambda e: (not within(e), not e.physical, not e.verified, e.mean_abs, e.max_abs)
    )
    best = ranked[0]
    runners = tuple(e for e in ranked[1:] if e.physical or not best.physical)[: int(top)]
    identified = within(best)
    also = sum(1 for e in ranked[1:] if within(e)) if identified else 0
    message = verdict_message(best, runners, identified, also, tolerance, count)
    eff = tolerance + (search.quant_step(best) if best.physical else 0.0) / 2.0
    return Identification(
        identified=bool(identified),
        kind=search.kind,
        best=best,
        runners_up=runners,
        tolerance=tolerance,
        effective_tolerance=eff,
        message=message,
        layout=search.layout_of(best),
        candidates=count,
        seconds=time.perf_counter() - start,
        notes=tuple(notes),
    )


def load_dump(
    source: Any,
    *,
    width: int | None = None,
    height: int | None = None,
    fmt: str | None = None,
    name: str | None = None,
) -> NV12 | np.ndarray:
    """Read a board dump for :func:`identify_pipeline`: a tensor or an NV12 frame.

    Parameters
    ----------
    source : str, os.PathLike or bytes
        A path: ``.npy`` -> tensor; a file with a ``save_tensor`` / ``save_nv12`` JSON
        sidecar -> tensor / frame (see :mod:`nv12_widgets.model.exchange.board`); a raw frame
        (``.nv12 .nv21 .i420 .yuv .bin``, or any name with ``width``/``height``) -> frame.
        Bytes (an upload): ``.npy`` content (by its magic) or a raw frame.
    width, height : int or None
        Raw frames only: the frame size in pixels.
    fmt : {"nv12", "nv21", "i420"} or None
        Raw frames only: byte layout (default: from the extension, else NV12).
    name : str or None
        For bytes: the file name (its extension gives the raw layout).

    Returns
    -------
    NV12 or numpy.ndarray

    Raises
    ------
    InputError
        Missing files, raw frames without a size, sizes not matching the bytes, size
        options given for a dump that carries its own.

    Examples
    --------
    >>> frame = load_dump(bytes(range(6)), width=2, height=2)  # a raw 2x2 NV12 frame
    >>> frame.y.tolist(), frame.uv.tolist()
    ([[0, 1], [2, 3]], [[[4, 5]]])
    >>> load_dump(bytes(range(6)), width=2, height=2, fmt="nv21").uv.tolist()  # V first
    [[[5, 4]]]
    >>> import io
    >>> npy = io.BytesIO()
    >>> np.save(npy, np.ones((1, 3, 2, 2), np.float32))
    >>> load_dump(npy.getvalue()).shape  # a tensor dump (.npy content)
    (1, 3, 2, 2)
    """
    import io
    from pathlib import Path

    from nv12_widgets.model.exchange import board

    raw_given = width is not None or height is not None or fmt is not None
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if data[:6] == b"\x93NUMPY":
            if raw_given:
                raise InputError("width / height / format apply to raw frames only, not .npy.")
            try:
                return np.load(io.BytesIO(data), allow_pickle=False)
            except (ValueError, OSError, EOFError) as exc:
                raise InputError(
                    f"{name or 'the upload'} is not a plain .npy file: {exc}."
                ) from exc
        ext = Path(name or "").suffix.lower()
        return _raw_frame(data, width, height, fmt or RAW_FRAME_EXTENSIONS.get(ext), name)
    path = Path(source).expanduser()
    ext = path.suffix.lower()
    side = path.with_suffix(".json") if ext else path.with_name(path.name + ".json")
    if ext == ".npy" or side.is_file():
        if raw_given:
            raise InputError(
                f"{path.name} carries its own shape (.npy or sidecar); width / height / "
                "format apply to raw frames without a sidecar only."
            )
        if ext != ".npy" and board.read_sidecar(path).get("format") == "nv12":
            return board.load_nv12(path)
        return board.load_tensor(path)
    if not path.is_file():
        raise InputError(f"no dump file at {str(path)!r}; check the path.")
    if ext not in RAW_FRAME_EXTENSIONS and width is None:
        raise InputError(
            f"{path.name} has no sidecar ({side.name}) and is not a .npy: save tensors with "
            "save_tensor(), or give width and height for a raw frame."
        )
    implied = RAW_FRAME_EXTENSIONS.get(ext)
    if fmt is not None and implied is not None and fmt != implied:
        raise InputError(f"format {fmt} contradicts the name {path.name!r} (a {implied} file).")
    return _raw_frame(path.read_bytes(), width, height, fmt or implied, path.name)


def _raw_frame(data: bytes, width, height, fmt, name) -> NV12:
    if width is None or height is None:
        raise InputError(
            f"reading the raw frame {name or ''!r} needs --width and --height (in pixels)"
        )
    readers = {"nv12": NV12.frombuffer, "nv21": NV12.from_nv21, "i420": NV12.from_i420}
    fmt = fmt or "nv12"
    if fmt not in readers:
        raise InputError(f"raw format {fmt!r} is not one of {list(readers)}.")
    return readers[fmt](data, int(width), int(height))


def _check_rgb(rgb: Any) -> None:
    """Raise :class:`InputError` unless ``rgb`` is an (H, W, 3) uint8 image of >= 2x2."""
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputError(
            f"rgb must be an (H, W, 3) uint8 image, got {type(rgb).__name__} of shape "
            f"{getattr(rgb, 'shape', None)}; load it with nv12_widgets.core.load_image."
        )
    if rgb.dtype != np.uint8:
        raise InputError(f"rgb must be uint8, got {rgb.dtype}.")
    if rgb.shape[0] < 2 or rgb.shape[1] < 2:
        raise InputError(f"rgb of {rgb.shape[1]}x{rgb.shape[0]} pixels is too small.")
