"""What a model's tensors look like: declared shapes, dynamic dimensions, image layout.

:class:`TensorInfo` describes one input or output as onnxruntime reports it; the
helpers here read its dimensions (:func:`is_dynamic`, :func:`guess_layout`). No session is
needed: :mod:`.sizes` and :mod:`.session` build on this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = ["Dim", "Layout", "TensorInfo", "format_dims", "guess_layout", "is_dynamic"]

Layout = Literal["NCHW", "NHWC"]
Dim = int | str | None

# onnxruntime type strings -> numpy dtypes (the ones a vision model plausibly uses).
_ORT_DTYPES: dict[str, np.dtype] = {
    "tensor(float)": np.dtype(np.float32),
    "tensor(float16)": np.dtype(np.float16),
    "tensor(double)": np.dtype(np.float64),
    "tensor(uint8)": np.dtype(np.uint8),
    "tensor(int8)": np.dtype(np.int8),
    "tensor(uint16)": np.dtype(np.uint16),
    "tensor(int16)": np.dtype(np.int16),
    "tensor(uint32)": np.dtype(np.uint32),
    "tensor(int32)": np.dtype(np.int32),
    "tensor(uint64)": np.dtype(np.uint64),
    "tensor(int64)": np.dtype(np.int64),
    "tensor(bool)": np.dtype(np.bool_),
}

_IMAGE_CHANNELS = (1, 3)


def is_dynamic(dim: object) -> bool:
    """True when a declared dimension is not a fixed size.

    A dimension is dynamic when it is None (unset), a string (a ``dim_param`` name such
    as ``"N"`` or ``"p2o.DynamicDimension.0"``), or an integer ``<= 0``: Paddle2ONNX and
    some other exporters write ``dim_value: -1`` (and a few ``0``) for "any size", which
    the ONNX spec does not define. onnxruntime reports ``-1`` as unknown (None) but
    enforces ``0`` literally when running, so a ``0`` dimension is described as dynamic
    yet still has to be re-exported to run at another size.

    The graph insertion and the pipeline's planning must use this test (not
    ``isinstance(d, int)``) when they read dimensions from an ``onnx.ModelProto``.

    Examples
    --------
    >>> [is_dynamic(d) for d in (None, "N", -1, 0, 1, 48)]
    [True, True, True, True, False, False]
    """
    if dim is None or isinstance(dim, str):
        return True
    if isinstance(dim, bool):
        return True
    if isinstance(dim, (int, np.integer)):
        return int(dim) <= 0
    return True


def _fixed(dim: object) -> bool:
    return not is_dynamic(dim)


def guess_layout(shape: Sequence[Dim]) -> Layout | None:
    """Guess whether a 4-D shape is NCHW or NHWC from where a 1- or 3-channel axis is.

    Parameters
    ----------
    shape : sequence of int, str or None
        The tensor shape; dynamic dimensions are strings (symbolic names) or None.

    Returns
    -------
    "NCHW", "NHWC" or None
        NCHW when axis 1 is 1 or 3 (and axis 3 is not, or is dynamic, or both are:
        NCHW is the ONNX convention), NHWC when only axis 3 is 1 or 3, None when the
        shape is not 4-D or neither axis looks like image channels.

    Examples
    --------
    >>> guess_layout((1, 3, 224, 224)), guess_layout(("N", 224, 224, 3))
    ('NCHW', 'NHWC')
    >>> guess_layout((1, 3, 32, 3)), guess_layout((1, 2, 8, 8)), guess_layout((1, 1000))
    ('NCHW', None, None)
    """
    if len(shape) != 4:
        return None
    c1, c3 = shape[1], shape[3]
    ch1 = _fixed(c1) and c1 in _IMAGE_CHANNELS
    ch3 = _fixed(c3) and c3 in _IMAGE_CHANNELS
    if ch1:
        return "NCHW"
    if ch3:
        return "NHWC"
    # e.g. (1, 2, H, W) or (N, C, H, W) all dynamic: not an image we can feed
    return None


@dataclass(frozen=True)
class TensorInfo:
    """What one model input or output looks like.

    Attributes
    ----------
    name : str
        The ONNX tensor name.
    shape : tuple
        Dimensions; a dynamic dimension (see :func:`is_dynamic`) is its symbolic name
        (str) or None (``dim_value <= 0`` and unset dimensions become None).
    dtype : numpy.dtype
        Element type (``np.dtype('float32')`` for ``tensor(float)``); ``np.dtype(object)``
        for types numpy cannot hold (strings, sequences, maps).
    layout : "NCHW", "NHWC" or None
        Guessed from the shape (see :func:`guess_layout`); None when not image-like.
    channels : int or None
        The channel count for a 4-D tensor with a known layout and static channel axis.
    size : (int, int) or None
        Spatial size ``(height, width)`` when both are static, else None.
    dim_names : tuple of str
        Each dimension as the model declares it (``"p2o.DynamicDimension.0"``, ``"-1"``,
        ``"3"``; ``"?"`` when unset): for a tooltip next to :meth:`describe`. Not part
        of equality.

    Examples
    --------
    >>> from types import SimpleNamespace  # stands in for an onnxruntime NodeArg
    >>> arg = SimpleNamespace(name="x", shape=["N", 3, 48, -1], type="tensor(float)")
    >>> info = TensorInfo.from_ort(arg)
    >>> info.shape, info.layout, info.channels, info.size, info.is_image
    (('N', 3, 48, None), 'NCHW', 3, None, True)
    >>> info.rank, info.spatial
    (4, (48, None))
    >>> info.describe()
    'x: float32 [?, 3, 48, ?] (NCHW)'
    >>> info.dims_tooltip()
    'N = N (dynamic), C = 3, H = 48, W = -1 (dynamic)'
    """

    name: str
    shape: tuple[Dim, ...]
    dtype: np.dtype
    layout: Layout | None
    channels: int | None
    size: tuple[int, int] | None
    dim_names: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_ort(cls, node: Any) -> TensorInfo:
        """Build from an onnxruntime ``NodeArg``."""
        declared = tuple(node.shape) if node.shape is not None else ()
        names = tuple("?" if d is None else str(d) for d in declared)
        shape = tuple(
            d if isinstance(d, str) or (d is not None and _fixed(d)) else None for d in declared
        )
        dtype = _ORT_DTYPES.get(node.type, np.dtype(object))
        layout = guess_layout(shape)
        channels = size = None
        if layout is not None:
            if layout == "NCHW":
                c, h, w = shape[1], shape[2], shape[3]
            else:
                h, w, c = shape[1], shape[2], shape[3]
            channels = c if _fixed(c) else None
            if _fixed(h) and _fixed(w):
                size = (h, w)
        return cls(node.name, shape, dtype, layout, channels, size, names)

    @property
    def is_image(self) -> bool:
        """True for a 4-D input with 1 or 3 channels (a guessable layout)."""
        return self.layout is not None and self.channels in _IMAGE_CHANNELS

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def spatial(self) -> tuple[Dim, Dim] | None:
        """The declared ``(height, width)`` dimensions (dynamic ones as None / names), or
        None when the layout is unknown."""
        if self.layout is None:
            return None
        h_axis, w_axis = (2, 3) if self.layout == "NCHW" else (1, 2)
        return self.shape[h_axis], self.shape[w_axis]

    def describe(self) -> str:
        """Short human-readable form, ``?`` for dynamic dimensions.

        e.g. ``x: float32 [?, 3, 48, ?] (NCHW)``; the declared names are in
        :attr:`dim_names` and :meth:`dims_tooltip`.
        """
        layout = f" ({self.layout})" if self.layout else ""
        return f"{self.name}: {self.dtype} {format_dims(self.shape)}{layout}"

    def dims_tooltip(self) -> str:
        """Each dimension with its axis letter and declared value, for a tooltip.

        e.g. ``N = p2o.DynamicDimension.0 (dynamic), C = 3, H = 48, W = ? (dynamic)``.
        """
        letters = self.layout if self.layout and len(self.shape) == 4 else None
        names = self.dim_names or tuple("?" if d is None else str(d) for d in self.shape)
        parts = []
        for i, (d, declared) in enumerate(zip(self.shape, names, strict=False)):
            axis = letters[i] if letters else f"dim {i}"
            parts.append(f"{axis} = {declared}" + (" (dynamic)" if is_dynamic(d) else ""))
        return ", ".join(parts)


def format_dims(shape: Sequence[Dim]) -> str:
    """A shape as ``[?, 3, 48, ?]`` (``?`` for dynamic dimensions).

    >>> format_dims((None, 3, 48, "w"))
    '[?, 3, 48, ?]'
    """
    return "[" + ", ".join("?" if is_dynamic(d) else str(d) for d in shape) + "]"
