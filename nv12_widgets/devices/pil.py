"""``vendor-pil``: the vendor's reference NV12 generator, built on Pillow.

Horizon's NV12 debugging note generates reference frames with PIL
``convert("YCbCr")`` (full swing BT.601, fixed point, truncating), U and V each resized
to half size with PIL's default filter (BICUBIC since Pillow 7), interleaved. Decoding
upsamples U and V with the same PIL filter and converts with PIL. It is a reference
conversion, not a device: it has no ONNX form (PIL's bicubic resampler has no ONNX
equivalent).

Known answers: Pillow's ``ImagingConvertYCbCr2RGB`` (src/libImaging/ConvertYCbCr.c) adds
to Y the JFIF coefficients times the centred chroma as Q6 table entries (each rounded),
shifted right by 6 (floor): e.g. (120, 100, 160) -> R = 120 + (2871 >> 6) = 164,
G = 120 + ((617 - 1463) >> 6) = 106, B = 120 + (-3175 >> 6) = 70 (one level below the
rounded JFIF formula's 165, 107, 70).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from nv12_widgets.core.nv12 import NV12
from nv12_widgets.core.registry import Device, Source, register_device
from nv12_widgets.core.threads import MAX_WORKERS, PARALLEL_MIN_PIXELS, get_pool

__all__ = ["VENDOR_PIL", "vendor_pil_decode", "vendor_pil_encode"]


def vendor_pil_encode(rgb: np.ndarray) -> NV12:
    """(H, W, 3) uint8 RGB -> NV12 as the vendor's PIL generator makes it.

    Examples
    --------
    >>> vendor_pil_encode(np.full((2, 2, 3), 255, np.uint8)).y.tolist()
    [[255, 255], [255, 255]]
    """
    h, w = rgb.shape[:2]
    y, u, v = Image.fromarray(rgb, "RGB").convert("YCbCr").split()
    half = (w // 2, h // 2)
    uv = np.empty((h // 2, w // 2, 2), np.uint8)
    if h * w >= PARALLEL_MIN_PIXELS and MAX_WORKERS > 1:
        # PIL releases the GIL while resizing: U on a pool thread, V here.
        u_small = get_pool().submit(u.resize, half)
        uv[..., 1] = np.asarray(v.resize(half))
        uv[..., 0] = np.asarray(u_small.result())
    else:
        uv[..., 0] = np.asarray(u.resize(half))
        uv[..., 1] = np.asarray(v.resize(half))
    return NV12.adopt(np.array(y), uv)


def vendor_pil_decode(frame: NV12) -> np.ndarray:
    """NV12 -> (H, W, 3) uint8 RGB: PIL's resize of U and V, then PIL's YCbCr -> RGB.

    Examples
    --------
    >>> from nv12_widgets.devices.common import yuv_frame
    >>> vendor_pil_decode(yuv_frame((0, 128, 128)))[0, 0].tolist()
    [0, 0, 0]
    """
    size = (frame.width, frame.height)
    y = Image.fromarray(frame.y)
    u = Image.fromarray(np.ascontiguousarray(frame.u)).resize(size)
    v = Image.fromarray(np.ascontiguousarray(frame.v)).resize(size)
    return np.asarray(Image.merge("YCbCr", (y, u, v)).convert("RGB")).copy()


VENDOR_PIL = register_device(
    Device(
        "vendor-pil",
        "Vendor reference generator: PIL YCbCr (full swing BT.601, truncating), "
        "U/V resized with PIL's default filter (bicubic), interleaved.",
        "full",
        "bt601",
        "bicubic (PIL)",
        "bicubic (PIL)",
        vendor_pil_encode,
        vendor_pil_decode,
        sources=(
            Source("Horizon NV12 debugging note, reference generator (PIL convert('YCbCr'))"),
            Source(
                "Pillow YCbCr <-> RGB",
                "python-pillow/Pillow",
                "src/libImaging/ConvertYCbCr.c",
                "7.0 to 13.0.0 (bicubic default since 7.0; the tests run 13.0.0)",
            ),
        ),
        examples=(
            ((0, 128, 128), (0, 0, 0)),
            ((255, 128, 128), (255, 255, 255)),
            ((120, 100, 160), (164, 106, 70)),
            ((90, 150, 110), (64, 95, 128)),
        ),
    )
)
