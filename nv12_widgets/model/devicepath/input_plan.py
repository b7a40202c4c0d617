"""How a config feeds a model's image input: :func:`plan_input` and :class:`InputPlan`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto

from nv12_widgets.core import InputError
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.session import guess_layout, is_dynamic

__all__ = ["FLOAT_TYPES", "InputPlan", "plan_input", "value_info_dims"]


#: Float element types an image input may have (ONNX enum -> numpy).
FLOAT_TYPES = {
    TensorProto.FLOAT: np.dtype(np.float32),
    TensorProto.FLOAT16: np.dtype(np.float16),
    TensorProto.DOUBLE: np.dtype(np.float64),
}


# ---------------------------------------------------------------------- the model input
@dataclass(frozen=True)
class InputPlan:
    """How a config feeds a model's image input.

    Attributes
    ----------
    name : str
        The image input's name.
    layout : {"NCHW", "NHWC"}
    size : (int, int)
        (height, width) the model is fed at.
    channels : int
        1 or 3.
    dtype : numpy.dtype
        The input's element type (float32 for a float model).
    shape : tuple of int
        The full static input shape, batch 1.

    Examples
    --------
    >>> p = InputPlan("x", "NHWC", (4, 4), 3, np.dtype("float32"), (1, 4, 4, 3))
    >>> p == plan_input("x", [1, 4, 4, 3], np.dtype("float32"), PreprocessConfig())
    True
    """

    name: str
    layout: str
    size: tuple[int, int]
    channels: int
    dtype: np.dtype
    shape: tuple[int, ...]


def plan_input(
    name: str,
    dims: Sequence[Any],
    dtype: np.dtype | None,
    config: PreprocessConfig,
    *,
    require_even: bool = True,
) -> InputPlan:
    """The one rule for feeding a config to an image input (or an InputError saying why not).

    Parameters
    ----------
    name : str
        The input's name.
    dims : sequence
        Its dimensions; dynamic ones as None, names or ints <= 0 (:func:`is_dynamic`).
    dtype : numpy.dtype or None
        Its element type; None when not a floating type numpy knows.
    config : PreprocessConfig
    require_even : bool
        Reject odd sizes (NV12 needs even height and width).

    Rules: the input is floating point, or three-channel uint8 fed pixel codes (the
    model normalises inside, e.g. a TensorFlow detector's ``image_tensor``: the config
    must leave codes as they are, divisor 1, mean 0, std 1; a one-channel uint8 input is
    an NV12-inserted model's Y plane, refused); the layout is ``config.layout`` or guessed
    from the shape; the batch must be 1 or dynamic; the channels must match the training format; the size is the model's
    static size or ``config.size`` (they must agree when both exist; a dynamic size
    needs ``config.size``).

    Examples
    --------
    >>> p = plan_input("x", [1, 3, 224, 224], np.dtype("float32"), PreprocessConfig())
    >>> p.layout, p.size, p.shape
    ('NCHW', (224, 224), (1, 3, 224, 224))
    """
    dims = [None if is_dynamic(d) else int(d) for d in dims]
    shown = "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"
    described = f"{name!r} {shown}"
    if dtype is not None and np.dtype(dtype) == np.uint8 and 3 in dims[1:] and 1 not in dims[1:]:
        _check_codes(described, config)  # uint8 RGB codes (one channel: an NV12 model's Y)
    elif dtype is None or not np.issubdtype(dtype, np.floating):
        raise InputError(
            f"Input {described} is {dtype if dtype is not None else 'not a float tensor'}, not "
            "floating point: the NV12 path feeds normalised float values (an NV12-inserted or "
            "already-quantized model takes raw codes; give its float original)."
        )
    if len(dims) != 4:
        hint = (
            " A (C, H, W) input without a batch axis is not supported: re-export the model "
            "with a batch axis of 1."
            if len(dims) == 3
            else ""
        )
        raise InputError(
            f"Input {described} is not 4-D: an image input is (N, C, H, W) or (N, H, W, C)." + hint
        )
    if config.layout is None and dims[1] not in (1, 3, None) and dims[3] not in (1, 3, None):
        raise InputError(
            f"Input {described} has {dims[1]} channels as NCHW and {dims[3]} as NHWC: an NV12 "
            "frame decodes to 3 channels (rgb, bgr, yuv444) or 1 (gray), so it cannot feed "
            "this input (an RGBA or RGB-D model needs its other channels from elsewhere)."
        )
    layout = config.layout or guess_layout(dims)
    if layout is None:
        raise InputError(f"Cannot tell the layout of input {described}; set config.layout.")
    if dims[0] is not None and dims[0] != 1:
        raise InputError(f"Input {described} has a fixed batch of {dims[0]}; need 1.")
    c_ax, h_ax, w_ax = (1, 2, 3) if layout == "NCHW" else (3, 1, 2)
    c = dims[c_ax]
    if c is not None and c != config.channels:
        if c in (1, 3):
            fix = f"use train_format={'gray' if c == 1 else 'rgb/bgr/yuv444'!r}"
        elif dims[4 - c_ax] in (1, 3, None):  # the other layout's channel axis fits
            fix = f"layout={layout!r} looks wrong for this shape: set config.layout"
        else:
            fix = "an NV12 frame decodes to 3 channels or 1, so it cannot feed this input"
        raise InputError(
            f"Input {described} takes {c} channel(s) in layout {layout} but "
            f"train_format={config.train_format!r} gives {config.channels}; {fix}."
        )
    h, w = dims[h_ax], dims[w_ax]
    static = (h, w) if h is not None and w is not None else None
    size = tuple(config.size) if config.size is not None else static
    if size is None:
        raise InputError(
            f"Input {described} has a dynamic size; set config.size=(height, width) "
            "(Model(...).size_options(image.shape[:2]) lists sizes it runs at, best first)."
        )
    if static is not None and config.size is not None and size != static:
        raise InputError(
            f"config.size={size} but input {name!r} is fixed at {static}; use size=None or {static}."
        )
    if require_even and (size[0] % 2 or size[1] % 2):
        if static is not None:
            # the model fixes the odd side: config.size cannot change it
            raise InputError(
                f"Input {described} is fixed at an odd size {size[0]} x {size[1]} (height x "
                "width), and an NV12 (4:2:0) frame has even sides: a device cannot feed it "
                "NV12 as it is. Export the model at an even size (e.g. "
                f"{size[0] + size[0] % 2} x {size[1] + size[1] % 2}), or pad / crop to it in "
                "the model's first layer."
            )
        raise InputError(
            f"Model input size {size} (height, width) is odd; NV12 (4:2:0) needs even height "
            "and width. Set config.size to even numbers."
        )
    if (h is not None and h != size[0]) or (w is not None and w != size[1]):

        def declared(d: int | None) -> str:
            return "dynamic (?)" if d is None else f"fixed at {d}"

        suggestion = (h if h is not None else size[0], w if w is not None else size[1])
        raise InputError(
            f"The model does not accept size {size[0]} x {size[1]} (height x width); input "
            f"{described} declares height {declared(h)}, width {declared(w)}. Try "
            f"config.size={suggestion}: keep the model's fixed dimension, the other side is "
            "free (multiples of 32 are safest)."
        )
    shape = (1, config.channels, *size) if layout == "NCHW" else (1, *size, config.channels)
    return InputPlan(name, layout, (int(size[0]), int(size[1])), config.channels, dtype, shape)


def _check_codes(described: str, config: PreprocessConfig) -> None:
    """A uint8 input takes pixel codes 0..255: the config must not normalise them."""
    p = config.normalize_params()
    scale = np.float64(p["divisor"]) * p["std"].astype(np.float64)
    if not (np.all(scale == 1.0) and np.all(p["mean"] == 0.0)):
        raise InputError(
            f"Input {described} is uint8: it takes pixel codes 0..255 (the model normalises "
            f"inside), but the config maps them to (x / {config.divisor:g} - mean) / std; "
            "set divisor=1, mean=0, std=1."
        )


def value_info_dims(value_info: onnx.ValueInfoProto) -> list[int | str | None]:
    """Dimensions of a graph input: ints, symbolic names, or None (unknown); a
    ``dim_value`` <= 0 (Paddle2ONNX's -1) is dynamic (None).

    Examples
    --------
    >>> from onnx import helper
    >>> vi = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, -1, 4])
    >>> value_info_dims(vi)
    ['N', 3, None, 4]
    """
    dims: list[int | str | None] = []
    for d in value_info.type.tensor_type.shape.dim:
        if d.HasField("dim_value") and d.dim_value > 0:
            dims.append(int(d.dim_value))
        elif d.HasField("dim_param") and d.dim_param:
            dims.append(d.dim_param)
        else:
            dims.append(None)
    return dims
