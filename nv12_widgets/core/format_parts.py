"""What the NV12 format itself loses on one image: luma requantisation or 4:2:0 chroma.

The format's own loss (the matched float decode of the NV12 frame against the exact
pixels) has two independent sources:

* **luma requantisation**: Y is stored in 8 bits; in studio swing (``Y = 16..235``)
  only 220 codes carry the 256 grey levels, so a decoded grey is off by up to
  ``255 / 219 / 2 = 0.58`` levels, on every pixel, also on a grey page;
* **4:2:0 chroma**: U and V are kept once per 2x2 block (and in 8 bits), so colour
  edges and fine colour texture are lost; a grey page has none.

:func:`format_error_parts` measures both in the pixel domain, by running the format
path twice, each time keeping one part exact: "chroma kept" decodes the frame's Y with
the image's exact full-resolution (float) U and V - its error is the luma part;
"luma kept" decodes the exact (float) Y with the frame's U and V upsampled as the
decode does - its error is the chroma part. The decode is affine (``rgb = A @ yuv +
b``, ``core.yuv_to_rgb_affine``, before rounding and clipping), so each part's RGB
error is ``A[:, 0] * dY`` and ``A[:, 1:] @ dUV``: computed directly, no model run.
Source of the matrices: ITU-R BT.601-7 / BT.709-6 via ``core.yuv_matrix``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ._checks import InputError
from .color import yuv_matrix, yuv_to_rgb_affine
from .convert import upsample_uv
from .nv12 import NV12

__all__ = ["FormatErrorParts", "format_error_parts"]


@dataclass(frozen=True)
class FormatErrorParts:
    """The format's pixel error split into its two sources (RMS over pixels and RGB
    channels, in grey levels 0..255).

    Attributes
    ----------
    luma_rms : float
        Error of the "chroma kept" decode: what the 8-bit (studio or full swing) Y costs.
    chroma_rms : float
        Error of the "luma kept" decode: what the 4:2:0 U/V cost.
    swing : str
        The frame's swing (studio-swing luma loses more: 220 codes for 256 levels).
    dominant : {"luma", "chroma", "none"}
        The larger part ("none" when both are below 1e-9).

    Examples
    --------
    >>> p = FormatErrorParts(luma_rms=0.3, chroma_rms=2.5, swing="studio", dominant="chroma")
    >>> p.label
    '4:2:0 chroma'
    >>> p.to_dict()
    {'luma_rms': 0.3, 'chroma_rms': 2.5, 'swing': 'studio', 'dominant': 'chroma', 'label': '4:2:0 chroma'}
    >>> FormatErrorParts(0.0, 0.0, "full", "none").label
    'nothing measurable'
    """

    luma_rms: float
    chroma_rms: float
    swing: str
    dominant: str

    @property
    def label(self) -> str:
        """What was lost, in words ("studio-swing luma requantisation", "4:2:0 chroma")."""
        if self.dominant == "luma":
            return f"{self.swing}-swing luma requantisation"
        if self.dominant == "chroma":
            return "4:2:0 chroma"
        return "nothing measurable"

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values (plus ``label``)."""
        return {**asdict(self), "label": self.label}


def format_error_parts(
    rgb: np.ndarray,
    frame: NV12,
    *,
    swing: str = "full",
    matrix: str = "bt601",
    upsample: str = "nearest",
) -> FormatErrorParts:
    """Split the format's error of ``frame`` (made from ``rgb``) into luma and chroma.

    Parameters
    ----------
    rgb : numpy.ndarray
        (H, W, 3) uint8 RGB, the image the frame was encoded from (same size).
    frame : NV12
    swing, matrix : str
        How the frame was encoded (a profile's own swing and matrix for a profile).
    upsample : {"nearest", "bilinear"}
        The chroma upsampling of the decode (the matched decode's).

    Returns
    -------
    FormatErrorParts

    Examples
    --------
    >>> from nv12_widgets.core import rgb_to_nv12
    >>> grey = np.full((4, 4, 3), 101, np.uint8)
    >>> p = format_error_parts(grey, rgb_to_nv12(grey, swing="studio"), swing="studio")
    >>> p.dominant, p.chroma_rms < 1e-9 < p.luma_rms
    ('luma', True)
    """
    x = np.asarray(rgb)
    if not isinstance(frame, NV12):
        raise InputError(f"frame must be an NV12 frame, got {type(frame).__name__}.")
    if x.ndim != 3 or x.shape[2] != 3 or x.shape[:2] != (frame.height, frame.width):
        raise InputError(
            f"rgb must be the (H, W, 3) image of the frame ({frame.height}x{frame.width}), "
            f"got shape {x.shape}."
        )
    m = yuv_matrix(swing, matrix)
    a = yuv_to_rgb_affine(swing, matrix)
    # per channel as whole planes (a (3, 3) matmul over (H, W, 3) is slow in numpy)
    px = [x[..., k].astype(np.float64) for k in range(3)]
    exact = [m[i, 0] * px[0] + m[i, 1] * px[1] + m[i, 2] * px[2] + m[i, 3] for i in range(3)]
    d_y = frame.y.astype(np.float64) - exact[0]
    uv = upsample_uv(frame.uv, frame.height, frame.width, upsample)
    d_u = uv[..., 0].astype(np.float64) - exact[1]
    d_v = uv[..., 1].astype(np.float64) - exact[2]
    luma = float(np.sqrt(np.mean(np.square(d_y)) * np.sum(np.square(a[:, 0])) / 3.0))
    # the chroma error as RGB: a[:, 1:3] @ (d_u, d_v) per pixel, mean square over the 3 rows
    sq = sum(np.square(a[r, 1] * d_u + a[r, 2] * d_v) for r in range(3))
    chroma = float(np.sqrt(np.mean(sq) / 3.0))
    if max(luma, chroma) < 1e-9:
        dominant = "none"
    else:
        dominant = "luma" if luma >= chroma else "chroma"
    return FormatErrorParts(luma, chroma, swing, dominant)
