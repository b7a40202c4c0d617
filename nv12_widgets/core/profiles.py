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
  B = Y + 1.772 U'), rounded to nearest and clipped. This is the *float* form of that
  operator (what a float / QAT model computes); the BPU runs its quantised form, which
  is ``"horizon-bpu"``.
- ``"opencv"``: ``cv2.cvtColor(rgb, COLOR_RGB2YUV_I420)`` (studio swing BT.601, OpenCV's
  fixed point, top-left chroma) repacked as NV12; decoding is
  ``cv2.cvtColor(buf, COLOR_YUV2RGB_NV12)``.

Device profiles (their arithmetic, sources and siting in
:mod:`nv12_widgets.core.device_profiles`; every one upsamples chroma by repetition):

- ``"horizon-bpu"``: the BPU's quantised ``centered_yuv2rgb`` (int8 weights, one scale
  per output row, requantised); encodes as ``"horizon"``.
- ``"openvino"`` / ``"openvino-f32"``: OpenVINO ``NV12toRGB-8`` on u8 (rounded half to
  even) / on f32 tensors (unrounded, ``decode_float``).
- ``"tidl"``: TI TIDL's float 1x1 convolution (unrounded, ``decode_float``).
- ``"ascend-aipp-jpeg"``, ``"ascend-aipp-bt601-narrow"``, ``"ascend-aipp-bt601-wide"``,
  ``"ascend-aipp-bt709-narrow"``, ``"ascend-aipp-bt709-wide"``: Huawei AIPP CSC presets
  (Q8 matrix, input bias, ``>> 8``); NV21 via
  ``device_profiles.ascend_aipp_nv12_to_rgb(..., rbuv_swap=True)``.

These devices only decode (their NV12 comes from a camera): ``rgb_to_nv12`` with them
uses the generic exactly rounded encoder of the profile's swing and matrix, mean chroma
(``Profile.device_encodes`` is False). Rockchip RGA's built-in modes are not profiles:
their fixed-point coefficients are not public (see ``device_profiles.RGA_MODES``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import cv2
import numpy as np
from PIL import Image

from . import device_profiles as dev
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
    source : str
        Where the arithmetic comes from (repository path and version, or document).
    device_encodes : bool
        False when the device only decodes (its NV12 comes from a camera or codec):
        ``encode`` is then the generic, exactly rounded encoder of the profile's
        swing, matrix and chroma keywords, standing in for that camera.
    decode_float : callable or None
        :class:`NV12` -> (H, W, 3) float32 RGB, for devices that feed the network
        unrounded values (``decode`` then rounds them to codes for display).
    """

    name: str
    description: str
    swing: str
    matrix: str
    chroma: str
    upsample: str
    encode: Callable[[np.ndarray], NV12]
    decode: Callable[[NV12], np.ndarray]
    source: str = ""
    device_encodes: bool = True
    decode_float: Callable[[NV12], np.ndarray] | None = None


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


# -- device profiles (arithmetic in core.device_profiles) --------------------------------
def _camera_encode(swing: str, matrix: str, chroma: str, rgb: np.ndarray) -> NV12:
    from .convert import rgb_to_nv12

    return rgb_to_nv12(rgb, swing=swing, matrix=matrix, chroma=chroma)


_AIPP_STANDARD = {
    "jpeg": ("full", "bt601"),
    "bt601-narrow": ("studio", "bt601"),
    "bt601-wide": ("full", "bt601"),
    "bt709-narrow": ("studio", "bt709"),
    "bt709-wide": ("full", "bt709"),
}


def _openvino_f32_codes(frame: NV12) -> np.ndarray:
    return np.rint(dev.openvino_nv12_to_rgb_float(frame)).astype(np.uint8)


def _device_profiles() -> list[Profile]:
    out = [
        Profile(
            "horizon-bpu",
            "Horizon BPU: Horizon integer full-swing BT.601 encode (as 'horizon'); decoded "
            "by the BPU's quantised centered_yuv2rgb (int8 weights, one scale per output "
            "row, requantised, round half away) after nearest chroma.",
            "full",
            "bt601",
            "decimate",
            "nearest",
            _horizon_encode,
            dev.horizon_bpu_nv12_to_rgb,
            "horizon_plugin_pytorch functional.py centered_yuv2rgb / _quantized_convert_color",
        ),
        Profile(
            "openvino",
            "OpenVINO NV12toRGB-8 on u8 tensors (convert_color before convert_element_type): "
            "studio BT.601, 3-decimal float32 coefficients, nearest chroma, rounded half to "
            "even (CPU plugin), clipped.",
            "studio",
            "bt601",
            "mean",
            "nearest",
            partial(_camera_encode, "studio", "bt601", "mean"),
            dev.openvino_nv12_to_rgb,
            "openvinotoolkit/openvino src/core/reference/include/openvino/reference/"
            "convert_color_nv12.hpp @0bfff824; spec NV12toRGB-8",
            device_encodes=False,
        ),
        Profile(
            "openvino-f32",
            "OpenVINO NV12toRGB-8 on f32 tensors (convert_element_type(f32) before "
            "convert_color): as 'openvino' but unrounded (clipped to 0..255); decode "
            "rounds to codes, decode_float is what the network sees.",
            "studio",
            "bt601",
            "mean",
            "nearest",
            partial(_camera_encode, "studio", "bt601", "mean"),
            _openvino_f32_codes,
            "openvinotoolkit/openvino src/core/reference/include/openvino/reference/"
            "convert_color_nv12.hpp @0bfff824; spec NV12toRGB-8",
            device_encodes=False,
            decode_float=dev.openvino_nv12_to_rgb_float,
        ),
        Profile(
            "tidl",
            "TI TIDL RGB_YUV_model_converter: nearest chroma (Resize x2), BT.601 studio as "
            "a float 1x1 Conv with the published weights and bias; no rounding before the "
            "network (decode rounds to codes, decode_float is what the network sees).",
            "studio",
            "bt601",
            "mean",
            "nearest",
            partial(_camera_encode, "studio", "bt601", "mean"),
            dev.tidl_nv12_to_rgb,
            "TexasInstruments/edgeai-tidl-tools scripts/osrt_model_tools/onnx_tools/"
            "tidl_onnx_model_utils/RGB_YUV_model_converter.py @1d311a92",
            device_encodes=False,
            decode_float=dev.tidl_nv12_to_rgb_float,
        ),
    ]
    for preset, (swing, matrix) in _AIPP_STANDARD.items():
        out.append(
            Profile(
                f"ascend-aipp-{preset}",
                f"Huawei Ascend AIPP CSC, preset {preset} (YUV420SP_U8 -> RGB): Q8 matrix, "
                "input_bias, >> 8, saturate; nearest chroma.",
                swing,
                matrix,
                "mean",
                "nearest",
                partial(_camera_encode, swing, matrix, "mean"),
                partial(dev.ascend_aipp_nv12_to_rgb, preset=preset),
                "Huawei CANN 8.0.0 ATC Instructions, AIPP, CSC Configuration",
                device_encodes=False,
            )
        )
    for name, (mode, (swing, matrix)) in _RGA_PROFILES.items():
        out.append(
            Profile(
                name,
                f"Rockchip RGA imcvtcolor {mode} (feeding RKNN): the standard's conversion "
                f"({swing} swing {matrix.upper()}), exactly rounded, nearest chroma. RGA's own "
                "fixed-point coefficients are not public: this models the mode's standard, "
                "so a wrong limited/full mode is reproduced, RGA's last-bit rounding is not.",
                swing,
                matrix,
                "mean",
                "nearest",
                partial(_camera_encode, swing, matrix, "mean"),
                partial(_standard_decode, swing, matrix),
                "airockchip/librga include/im2d_type.h (IM_YUV_TO_RGB_* / IM_RGB_TO_YUV_* "
                "modes); coefficients not published (docs/Rockchip_FAQ_RGA)",
                device_encodes=False,
            )
        )
    return out


#: RGA profiles: name -> (librga mode, the standard it implements).
_RGA_PROFILES = {
    "rga-bt601-limited": ("IM_YUV_TO_RGB_BT601_LIMIT", dev.RGA_MODES["IM_YUV_TO_RGB_BT601_LIMIT"]),
    "rga-bt601-full": ("IM_YUV_TO_RGB_BT601_FULL", dev.RGA_MODES["IM_YUV_TO_RGB_BT601_FULL"]),
    "rga-bt709-limited": ("IM_YUV_TO_RGB_BT709_LIMIT", dev.RGA_MODES["IM_YUV_TO_RGB_BT709_LIMIT"]),
}


def _standard_decode(swing: str, matrix: str, frame: NV12) -> np.ndarray:
    from .convert import nv12_to_rgb

    return nv12_to_rgb(frame, swing=swing, matrix=matrix, upsample="nearest")


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
PROFILES.update((p.name, p) for p in _device_profiles())


install(PROFILES)  # what convert's profile= keywords look up (core.registry)
