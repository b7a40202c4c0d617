"""Named conversion profiles: the exact arithmetic of real NV12 pipelines.

Each profile is a documented preset (swing, matrix, chroma siting) plus its own
arithmetic, so that ``rgb_to_nv12(rgb, profile=...)`` reproduces that pipeline byte for
byte, and ``nv12_to_rgb(frame, profile=...)`` its decoding side.

- ``"vendor-pil"``: the vendor's reference generator (Horizon's NV12 debugging note):
  PIL ``convert("YCbCr")`` (full swing BT.601, fixed point, truncating), U and V each
  resized to half size with PIL's default filter (BICUBIC since Pillow 7), interleaved.
  Decoding upsamples U and V with the same PIL filter and converts with PIL.
- ``"horizon"``: the integer full-swing BT.601 formula of Horizon's training-side
  conversion, chroma by decimation (top-left of each 2x2 block); decoding repeats each
  chroma sample (nearest) and applies the float coefficients of Horizon's
  ``centered_yuv2rgb`` (R = Y + 1.402 V', G = Y - 0.3441 U' - 0.7141 V',
  B = Y + 1.772 U'), rounded to nearest and clipped.
- ``"opencv"``: ``cv2.cvtColor(rgb, COLOR_RGB2YUV_I420)`` (studio swing BT.601, OpenCV's
  fixed point, top-left chroma) repacked as NV12; decoding is
  ``cv2.cvtColor(buf, COLOR_YUV2RGB_NV12)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from .convert import upsample_uv
from .nv12 import NV12
from .registry import get_profile, install
from .threads import MAX_WORKERS as _MAX_WORKERS
from .threads import PARALLEL_MIN_PIXELS as _PARALLEL_MIN_PIXELS
from .threads import get_pool as _get_pool

__all__ = ["Profile", "PROFILES", "get_profile"]


@dataclass(frozen=True)
class Profile:
    """A real NV12 pipeline: the keywords it corresponds to and its exact arithmetic.

    Attributes
    ----------
    name, description : str
    swing, matrix, chroma, upsample : str
        The generic-keyword description of the pipeline (its arithmetic may still
        differ from the generic float path: rounding, fixed point, filters).
    encode : callable
        (H, W, 3) uint8 RGB -> :class:`NV12`.
    decode : callable
        :class:`NV12` -> (H, W, 3) uint8 RGB.
    """

    name: str
    description: str
    swing: str
    matrix: str
    chroma: str
    upsample: str
    encode: Callable[[np.ndarray], NV12]
    decode: Callable[[NV12], np.ndarray]


# -- vendor-pil -------------------------------------------------------------------------
def _vendor_pil_encode(rgb: np.ndarray) -> NV12:
    h, w = rgb.shape[:2]
    y, u, v = Image.fromarray(rgb, "RGB").convert("YCbCr").split()
    half = (w // 2, h // 2)
    uv = np.empty((h // 2, w // 2, 2), np.uint8)
    if h * w >= _PARALLEL_MIN_PIXELS and _MAX_WORKERS > 1:
        # PIL releases the GIL while resizing: U on a pool thread, V here.
        u_small = _get_pool().submit(u.resize, half)
        uv[..., 1] = np.asarray(v.resize(half))
        uv[..., 0] = np.asarray(u_small.result())
    else:
        uv[..., 0] = np.asarray(u.resize(half))
        uv[..., 1] = np.asarray(v.resize(half))
    return NV12.adopt(np.array(y), uv)


def _vendor_pil_decode(frame: NV12) -> np.ndarray:
    size = (frame.width, frame.height)
    y = Image.fromarray(frame.y)
    u = Image.fromarray(np.ascontiguousarray(frame.u)).resize(size)
    v = Image.fromarray(np.ascontiguousarray(frame.v)).resize(size)
    return np.asarray(Image.merge("YCbCr", (y, u, v)).convert("RGB")).copy()


# -- horizon ----------------------------------------------------------------------------
_HORIZON_ENC = np.array([[77, 150, 29], [-43, -84, 127], [127, -106, -21]], np.int32)


def _horizon_encode(rgb: np.ndarray) -> NV12:
    full = rgb.astype(np.int32)
    y = (full @ _HORIZON_ENC[0] + 128) >> 8
    tl = full[::2, ::2]
    u = ((tl @ _HORIZON_ENC[1] + 128) >> 8) + 128
    v = ((tl @ _HORIZON_ENC[2] + 128) >> 8) + 128
    uv = np.stack([u, v], axis=-1)
    return NV12.adopt(np.clip(y, 0, 255).astype(np.uint8), np.clip(uv, 0, 255).astype(np.uint8))


_HORIZON_DEC = np.array([[0.0, 1.402], [-0.3441, -0.7141], [1.772, 0.0]], np.float32)


def _horizon_decode(frame: NV12) -> np.ndarray:
    uv = upsample_uv(frame.uv, frame.height, frame.width, "nearest").astype(np.float32) - 128.0
    rgb = frame.y[..., None].astype(np.float32) + uv @ _HORIZON_DEC.T
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


# -- opencv -----------------------------------------------------------------------------
def _opencv_encode(rgb: np.ndarray) -> NV12:
    h, w = rgb.shape[:2]
    i420 = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    return NV12.from_i420(i420.reshape(-1), w, h)


def _opencv_decode(frame: NV12) -> np.ndarray:
    buf = np.frombuffer(frame.tobytes(), np.uint8).reshape(frame.height * 3 // 2, frame.width)
    return cv2.cvtColor(buf, cv2.COLOR_YUV2RGB_NV12)


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "vendor-pil",
            "Vendor reference generator: PIL YCbCr (full swing BT.601, truncating), "
            "U/V resized with PIL's default filter (bicubic), interleaved.",
            "full",
            "bt601",
            "bicubic (PIL)",
            "bicubic (PIL)",
            _vendor_pil_encode,
            _vendor_pil_decode,
        ),
        Profile(
            "horizon",
            "Horizon integer full-swing BT.601 (8-bit coefficients), top-left chroma; "
            "decoded by nearest upsampling and centered_yuv2rgb coefficients.",
            "full",
            "bt601",
            "decimate",
            "nearest",
            _horizon_encode,
            _horizon_decode,
        ),
        Profile(
            "opencv",
            "OpenCV COLOR_RGB2YUV_I420 (studio swing BT.601, top-left chroma) repacked "
            "as NV12; decoded by COLOR_YUV2RGB_NV12.",
            "studio",
            "bt601",
            "decimate",
            "opencv",
            _opencv_encode,
            _opencv_decode,
        ),
    )
}


install(PROFILES)  # what convert's profile= keywords look up (core.registry)
