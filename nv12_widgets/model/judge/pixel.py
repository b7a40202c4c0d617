"""One pixel of a :class:`~nv12_widgets.model.Comparison`, read out on every path.

What the dashboard's pixel inspector shows when you hover over or click a plane: the
NV12 codes (Y and the U, V pair of the pixel's 2x2 chroma block, NV12 4:2:0 siting as in
:class:`~nv12_widgets.core.NV12`), the RGB the device rebuilds, both paths' model-input
pixels in the training format (float where the device decodes to float: ``openvino-f32``,
``tidl``) and the exact values of the tensor each path fed the model
(``Comparison.tensors``, made by the pipeline's normalize stage), and the error.
Also where a plane's pixel lands in the frame (:func:`plane_pixel`) and where the
largest error is (:func:`largest_error`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nv12_widgets.core import InputError, crop_zoom, error_map, normalize
from nv12_widgets.model.judge.finding_fields import ERROR_MAP_GAIN

__all__ = [
    "MARKER_RGB",
    "PLANES",
    "PixelReadout",
    "largest_error",
    "marked_zoom",
    "pixel_readout",
    "plane_pixel",
]

#: Colour of the outline drawn around the inspected pixel in a zoom (a saturated red
#: that stands out on grey planes and on the error map).
MARKER_RGB = (255, 48, 48)

#: Rows and columns of the frame one pixel of each plane covers: (row step, col step).
#: The interleaved UV plane is (H/2, W) bytes ``U V U V``: byte ``c`` belongs to chroma
#: column ``c // 2``, which covers frame columns ``2 (c // 2)`` and the next.
PLANES = {
    "y": (1, 1),
    "uv": (2, 1),
    "u": (2, 2),
    "v": (2, 2),
    "rgb": (1, 1),
    "error": (1, 1),
}


def plane_pixel(
    plane: str, x: float, y: float, shown_width: float, shown_height: float, size: tuple[int, int]
) -> tuple[int, int]:
    """The frame pixel (row, col) under a point of a displayed plane.

    Parameters
    ----------
    plane : str
        A key of :data:`PLANES`.
    x, y : float
        The point, in display pixels from the image's top-left corner (a mouse event's
        ``relativeX`` / ``relativeY``).
    shown_width, shown_height : float
        The displayed image's size in the same units (> 0).
    size : (int, int)
        The frame's (height, width).

    Returns
    -------
    (int, int)
        (row, col), clamped into the frame; for a chroma plane the top-left pixel of
        the 2x2 block the chroma sample covers.

    Examples
    --------
    >>> plane_pixel("y", 10.0, 5.0, 64, 64, (32, 32))  # shown at 2x
    (2, 5)
    >>> plane_pixel("uv", 7.0, 3.0, 32, 16, (32, 32))  # byte 7 = V of chroma column 3
    (6, 6)
    """
    if plane not in PLANES:
        raise InputError(f"unknown plane {plane!r}; one of {', '.join(PLANES)}")
    if not (shown_width > 0 and shown_height > 0):
        raise InputError(f"the displayed size must be positive, got {shown_width} x {shown_height}")
    h, w = size
    step_r, step_c = PLANES[plane]
    plane_h, plane_w = -(-h // step_r), (w if plane == "uv" else -(-w // step_c))
    pr = min(max(int(np.floor(y / shown_height * plane_h)), 0), plane_h - 1)
    pc = min(max(int(np.floor(x / shown_width * plane_w)), 0), plane_w - 1)
    if plane == "uv":
        return min(pr * 2, h - 1), min((pc // 2) * 2, w - 1)
    return min(pr * step_r, h - 1), min(pc * step_c, w - 1)


def _abs_error(cmp) -> np.ndarray:
    """(h, w) largest |NV12 path - reference| over channels, in grey levels (float: a
    float-decode profile's fractions count)."""
    a = cmp.reference_input.astype(np.float32)
    b = cmp.nv12_input.astype(np.float32)
    return np.abs(b - a).max(axis=2)


def largest_error(cmp) -> tuple[int, int]:
    """(row, col) of the largest |NV12 path - reference| (over channels) of the model
    input; the first in row-major order on ties; the centre when the paths agree
    everywhere (nothing to point at, and the centre is rarely a dark corner).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ref = np.zeros((4, 6, 3), np.uint8); dev = ref.copy(); dev[2, 5, 1] = 3
    >>> largest_error(SimpleNamespace(reference_input=ref, nv12_input=dev))
    (2, 5)
    >>> largest_error(SimpleNamespace(reference_input=ref, nv12_input=ref))
    (2, 3)
    """
    err = _abs_error(cmp)
    if not err.any():
        return err.shape[0] // 2, err.shape[1] // 2
    r, c = np.unravel_index(int(np.argmax(err)), err.shape)
    return int(r), int(c)


@dataclass(frozen=True)
class PixelReadout:
    """Everything about one pixel (see :func:`pixel_readout`).

    Attributes
    ----------
    row, col : int
    y, u, v : int
        The NV12 codes: luma, and the chroma pair of the pixel's 2x2 block.
    nv12_rgb : tuple of int
        The RGB the device's conversion rebuilds from the frame.
    train_format : str
        The channel order of ``reference`` / ``nv12`` (``"rgb"``, ``"bgr"``, ...).
    reference, nv12 : tuple of int or float
        The model-input pixel of the reference path and of the NV12 path (floats when
        the device decodes to float, e.g. 131.232 for ``openvino-f32``: never truncated).
    reference_normalised, nv12_normalised : tuple of float
        The values of the tensor each path fed the model at this pixel (channel order of
        the training format).
    error : tuple of int or float
        ``nv12 - reference`` per channel, grey levels.
    error_map : int
        The error map's value here: ``min(255, gain * max |error|)``.

    Examples
    --------
    A full-swing frame decoded as studio swing loses contrast:

    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model import PreprocessConfig, compare
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> rgb = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> c = compare(tiny, rgb, PreprocessConfig(), device=PreprocessConfig(decode_swing="studio"))
    >>> for label, value in pixel_readout(c, 1, 2).rows():
    ...     print(f"{label:<25} {value}")
    Y, U, V codes             94, 131, 125
    RGB rebuilt from NV12     86, 92, 97
    reference RGB             90, 95, 100
    NV12 path RGB             86, 92, 97
    reference normalised      +0.35294, +0.37255, +0.39216
    NV12 normalised           +0.33725, +0.36078, +0.38039
    error (NV12 - reference)  -4, -3, -3
    """

    row: int
    col: int
    y: int
    u: int
    v: int
    nv12_rgb: tuple[int, ...]
    train_format: str
    reference: tuple[int | float, ...]
    nv12: tuple[int | float, ...]
    reference_normalised: tuple[float, ...]
    nv12_normalised: tuple[float, ...]
    error: tuple[int | float, ...]
    error_map: int

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for a table, in reading order."""
        fmt = self.train_format.upper()

        def ints(v):
            return ", ".join(str(x) if isinstance(x, int) else f"{x:.4f}" for x in v)

        def floats(v):
            return ", ".join(f"{x:+.5f}" for x in v)

        return [
            ("Y, U, V codes", f"{self.y}, {self.u}, {self.v}"),
            ("RGB rebuilt from NV12", ints(self.nv12_rgb)),
            (f"reference {fmt}", ints(self.reference)),
            (f"NV12 path {fmt}", ints(self.nv12)),
            ("reference normalised", floats(self.reference_normalised)),
            ("NV12 normalised", floats(self.nv12_normalised)),
            (
                "error (NV12 - reference)",
                ", ".join(f"{x:+d}" if isinstance(x, int) else f"{x:+.4f}" for x in self.error),
            ),
        ]


def pixel_readout(
    cmp, row: int, col: int, nv12_rgb: np.ndarray | None = None, gain: float = ERROR_MAP_GAIN
) -> PixelReadout:
    """Read one pixel of a comparison on every path.

    Parameters
    ----------
    cmp : Comparison
        Its ``nv12_frame``, ``reference_input``, ``nv12_input`` (all (h, w) at the model
        input size), ``config`` and ``device_config`` are read.
    row, col : int
        The pixel; must lie in the frame.
    nv12_rgb : numpy.ndarray, optional
        (h, w, 3) uint8 ``cmp.nv12_rgb()`` when the caller has it (saves a decode).
    gain : float
        The error map's gain (the dashboard's: :data:`~nv12_widgets.model.judge.finding_fields.ERROR_MAP_GAIN`).

    Returns
    -------
    PixelReadout

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model import PreprocessConfig, compare
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> rgb = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> c = compare(tiny, rgb, PreprocessConfig(), device=PreprocessConfig(decode_swing="studio"))
    >>> p = pixel_readout(c, 1, 2)
    >>> (p.y, p.u, p.v), p.reference, p.nv12, p.error, p.error_map
    ((94, 131, 125), (90, 95, 100), (86, 92, 97), (-4, -3, -3), 64)
    """
    f = cmp.nv12_frame
    h, w = cmp.reference_input.shape[:2]
    if (f.height, f.width) != (h, w):
        raise InputError(f"the frame is {f.height} x {f.width} but the model input {h} x {w}")
    r, c = int(row), int(col)
    if not (0 <= r < h and 0 <= c < w):
        raise InputError(
            f"pixel (row {r}, col {c}) is outside the {h} x {w} (height x width) frame"
        )
    rgb = cmp.nv12_rgb() if nv12_rgb is None else nv12_rgb
    ref, dev = cmp.reference_input[r, c], cmp.nv12_input[r, c]
    err = dev.astype(np.float64) - ref.astype(np.float64)
    exact = all(np.issubdtype(a.dtype, np.integer) for a in (ref, dev))
    return PixelReadout(
        row=r,
        col=c,
        y=int(f.y[r, c]),
        u=int(f.uv[r // 2, c // 2, 0]),
        v=int(f.uv[r // 2, c // 2, 1]),
        nv12_rgb=tuple(int(x) for x in rgb[r, c]),
        train_format=cmp.config.train_format,
        reference=_values(ref),
        nv12=_values(dev),
        reference_normalised=_fed(cmp, "reference", r, c, ref, cmp.config),
        nv12_normalised=_fed(cmp, "nv12", r, c, dev, cmp.device_config),
        error=tuple(int(x) for x in err) if exact else tuple(float(x) for x in err),
        error_map=int(error_map(ref[None, None], dev[None, None], gain=gain)[0, 0]),
    )


def _values(pixel: np.ndarray) -> tuple[int | float, ...]:
    """A pixel's values: ints for integer pixels, the exact floats otherwise."""
    if np.issubdtype(pixel.dtype, np.integer):
        return tuple(int(x) for x in pixel)
    return tuple(float(x) for x in pixel)


def _fed(cmp, path: str, r: int, c: int, pixel: np.ndarray, config) -> tuple[float, ...]:
    """The values of the tensor ``path`` fed the model at (r, c): read from
    ``cmp.tensors`` (the pipeline's own tensor); without it, the pixel normalised by
    ``core.normalize`` (the normalize stage's arithmetic), never truncated."""
    tensor = getattr(cmp, "tensors", {}).get(path)
    if tensor is not None:
        values = tensor[0, :, r, c] if cmp.layout == "NCHW" else tensor[0, r, c, :]
    else:
        values = normalize(pixel[None, None].astype(np.float32), **config.normalize_params())[0, 0]
    return tuple(float(x) for x in values)


def marked_zoom(image: np.ndarray, row: int, col: int, *, half: int = 12, scale: int = 8):
    """:func:`nv12_widgets.core.crop_zoom` of ``image`` around (row, col), as RGB, with a
    one-pixel :data:`MARKER_RGB` outline around the enlarged centre pixel.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, 3) uint8.
    row, col : int
        The pixel (clamped into the image, as ``crop_zoom`` does).
    half, scale : int
        As in ``crop_zoom``.

    Returns
    -------
    numpy.ndarray
        (h * scale, w * scale, 3) uint8: the zoom, grey planes repeated into RGB.

    Examples
    --------
    >>> z = marked_zoom(np.zeros((4, 4), np.uint8), 0, 1, half=1, scale=4)
    >>> z.shape, z[0, 4].tolist(), z[1, 5].tolist()  # the crop starts at row 0, column 0
    ((8, 12, 3), [255, 48, 48], [0, 0, 0])
    """
    zoom = crop_zoom(image, row, col, half=half, scale=scale)
    if zoom.ndim == 2:
        zoom = np.repeat(zoom[:, :, None], 3, axis=2)
    h, w = image.shape[:2]
    r = min(max(int(row), 0), h - 1)
    c = min(max(int(col), 0), w - 1)
    # crop_zoom's crop starts at max(0, r - half), max(0, c - half)
    top, left = (r - max(0, r - half)) * scale, (c - max(0, c - half)) * scale
    bottom, right = top + scale - 1, left + scale - 1
    zoom[top, left : right + 1] = MARKER_RGB
    zoom[bottom, left : right + 1] = MARKER_RGB
    zoom[top : bottom + 1, left] = MARKER_RGB
    zoom[top : bottom + 1, right] = MARKER_RGB
    return zoom
