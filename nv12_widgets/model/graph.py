"""ONNX graph utilities, and the NV12 preprocessing inserted in front of a model.

:func:`insert_nv12_preprocess` is the open equivalent of Horizon hbdk4's
``insert_image_convert("nv12")`` + ``insert_image_preprocess(...)`` (and of hb_mapper's
``input_type_rt: nv12``): it returns a new model whose inputs are the two NV12 planes
and which does, *inside the graph*, what :mod:`nv12_widgets.core` does in numpy on the
NV12 path of :func:`~nv12_widgets.model.compare`::

    y  (1, H, W, 1) uint8 ─┐
    uv (1, H/2, W/2, 2) uint8 ─ Resize x2 (nearest | linear) ─┴ Concat -> YUV444 (float)
      -> YUV -> RGB/BGR (affine 3x3 + offset, or the profile's arithmetic) -> Round, Clip 0..255
      -> (x / divisor - mean) / std -> Transpose to the model layout -> the original graph

The helpers (:func:`load_proto`, :func:`image_input_plan`, :func:`fix_input_shape`,
:func:`topological_nodes`, :func:`ensure_opset`) are shared by the layer-wise and
quantisation modules.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.core import InputError, yuv_matrix

from .config import PreprocessConfig
from .session import Model, guess_layout

__all__ = [
    "NV12_INPUTS",
    "PREPROCESS_PREFIX",
    "ImagePlan",
    "ModelLike",
    "ensure_opset",
    "fix_input_shape",
    "image_input_plan",
    "insert_nv12_preprocess",
    "is_nv12_model",
    "load_proto",
    "nv12_input_names",
    "preprocess_metadata",
    "preprocess_node_names",
    "opset_version",
    "topological_nodes",
]

ModelLike = Model | str | os.PathLike[str] | bytes | onnx.ModelProto

#: Names of the two inputs of an NV12-inserted model.
NV12_INPUTS = ("y", "uv")
#: Every node and initializer :func:`insert_nv12_preprocess` adds starts with this.
PREPROCESS_PREFIX = "nv12_preprocess/"
#: ``metadata_props`` key holding what was inserted (JSON).
METADATA_KEY = "nv12_widgets.nv12_preprocess"

_FLOAT_TYPES = {
    TensorProto.FLOAT: np.dtype(np.float32),
    TensorProto.FLOAT16: np.dtype(np.float16),
    TensorProto.DOUBLE: np.dtype(np.float64),
}

# OpenCV's fixed-point BT.601 studio-swing YUV -> RGB (modules/imgproc/src/color_yuv.simd.hpp).
_CV_SHIFT = 20
_CV_CY, _CV_CUB, _CV_CUG, _CV_CVG, _CV_CVR = 1220542, 2116026, -409993, -852492, 1673527
_UNSUPPORTED_PROFILE = (
    "profile={profile!r} decodes with PIL's bicubic resampler and PIL's fixed-point YCbCr "
    "conversion, which this ONNX graph does not reproduce. Insert the preprocessing with "
    "profile=None (upsample='bilinear' is the closest) and measure the difference to the "
    "profile with compare()."
)
# Horizon's centered_yuv2rgb float coefficients (core.profiles, rows R, G, B; columns U', V').
_HORIZON_DEC = np.array([[0.0, 1.402], [-0.3441, -0.7141], [1.772, 0.0]], np.float32)


# ---------------------------------------------------------------------- loading
def load_proto(model: ModelLike, *, copy: bool = True) -> onnx.ModelProto:
    """Any accepted model form as an ``onnx.ModelProto``.

    Parameters
    ----------
    model : Model, str, os.PathLike, bytes or onnx.ModelProto
        A :class:`~nv12_widgets.model.Model`, an ``.onnx`` path, serialized bytes or a
        ModelProto.
    copy : bool
        Return a private copy the caller may modify (default). With False a given
        ModelProto (or a Model's cached proto) is returned as is: do not mutate it.

    Raises
    ------
    InputError
        Missing, empty or unparsable model.
    """
    if isinstance(model, onnx.ModelProto):
        if not copy:
            return model
        out = onnx.ModelProto()
        out.CopyFrom(model)
        return out
    if isinstance(model, Model):
        proto = model.proto
        if not copy:
            return proto
        out = onnx.ModelProto()
        out.CopyFrom(proto)
        return out
    if isinstance(model, bytes | bytearray | memoryview):
        data = bytes(model)
        if not data:
            raise InputError("The model is empty (0 bytes): pass a real .onnx file or its bytes.")
        try:
            return onnx.load_model_from_string(data)
        except Exception as exc:  # protobuf DecodeError and friends
            raise InputError(f"The given bytes are not an ONNX model: {exc}.") from exc
    if isinstance(model, str | os.PathLike):
        path = Path(model)
        if not path.is_file():
            raise InputError(f"Model file not found: {path} (cwd is {Path.cwd()}).")
        if path.stat().st_size == 0:
            raise InputError(f"Model file {path} is empty (0 bytes); re-export or re-download it.")
        try:
            return onnx.load(str(path))
        except Exception as exc:
            raise InputError(
                f"{path} is not a readable ONNX model ({exc}); check it is a complete .onnx file."
            ) from exc
    raise InputError(
        f"model must be a Model, a path, bytes or an onnx.ModelProto, got {type(model).__name__}."
    )


def opset_version(proto: onnx.ModelProto) -> int:
    """The model's default-domain (``ai.onnx``) opset version."""
    for op in proto.opset_import:
        if op.domain in ("", "ai.onnx"):
            return int(op.version)
    raise InputError("The model imports no ai.onnx opset; it is not a standard ONNX model.")


def ensure_opset(proto: onnx.ModelProto, minimum: int) -> onnx.ModelProto:
    """The model converted to at least opset ``minimum`` (unchanged when already there).

    Uses ``onnx.version_converter``; raises :class:`InputError` when it cannot convert
    (custom domains, unsupported ops), with what to do.
    """
    current = opset_version(proto)
    if current >= minimum:
        return proto
    try:
        converted = onnx.version_converter.convert_version(proto, minimum)
    except Exception as exc:
        raise InputError(
            f"Could not convert the model from opset {current} to {minimum} ({exc}); "
            f"re-export it with opset >= {minimum}."
        ) from exc
    return converted


def _dims(value_info: onnx.ValueInfoProto) -> list[int | str | None]:
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return []
    out: list[int | str | None] = []
    for d in t.shape.dim:
        if d.HasField("dim_value"):
            out.append(int(d.dim_value))
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


def graph_inputs(proto: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    """The real inputs (old IR versions also list initializers as inputs: dropped)."""
    inits = {i.name for i in proto.graph.initializer}
    return [i for i in proto.graph.input if i.name not in inits]


def nv12_input_names(model: ModelLike) -> tuple[str, str] | None:
    """The (y, uv) input names of an NV12-inserted model, or None for other models.

    Read from the metadata :func:`insert_nv12_preprocess` writes; without it, a model
    with uint8 inputs named ``y`` and ``uv`` counts too (e.g. a vendor-exported one).
    """
    proto = load_proto(model, copy=False)
    inputs = {i.name: i for i in graph_inputs(proto)}
    meta = preprocess_metadata(proto) or {}
    names = tuple(meta.get("inputs") or NV12_INPUTS)
    if len(names) != 2 or not all(n in inputs for n in names):
        return None
    if all(inputs[n].type.tensor_type.elem_type == TensorProto.UINT8 for n in names):
        return (str(names[0]), str(names[1]))
    return None


def is_nv12_model(model: ModelLike) -> bool:
    """True for a model fed NV12 planes (see :func:`nv12_input_names`)."""
    return nv12_input_names(model) is not None


def fix_input_shape(
    proto: onnx.ModelProto, name: str, shape: Sequence[int], *, infer: bool = True
) -> onnx.ModelProto:
    """A copy of the model with input ``name`` fixed to ``shape`` (static dims must agree).

    Intermediate ``value_info`` entries are dropped and re-inferred (``infer=True``) so
    the new static sizes propagate through the graph.
    """
    out = onnx.ModelProto()
    out.CopyFrom(proto)
    target = next((i for i in out.graph.input if i.name == name), None)
    if target is None:
        raise InputError(f"The model has no input {name!r}.")
    dims = target.type.tensor_type.shape.dim
    if len(dims) != len(shape):
        raise InputError(f"Input {name!r} has rank {len(dims)}, cannot fix it to {tuple(shape)}.")
    for d, v in zip(dims, shape, strict=True):
        if d.HasField("dim_value") and d.dim_value != v:
            raise InputError(
                f"Input {name!r} has the static shape {_dims(target)}, which does not match "
                f"{tuple(shape)}."
            )
        d.Clear()
        d.dim_value = int(v)
    if infer:
        del out.graph.value_info[:]
        try:
            out = onnx.shape_inference.infer_shapes(out)
        except Exception:  # shape inference is best effort (custom ops)
            pass
    return out


def topological_nodes(graph: onnx.GraphProto) -> list[onnx.NodeProto]:
    """The graph's nodes in topological order (the stored order when it already is one).

    Kahn's algorithm, stable: among ready nodes the one stored first goes first.
    Tensors that no node produces (inputs, initializers, outer-scope names) are ready.

    Raises
    ------
    InputError
        When the graph has a cycle.
    """
    nodes = list(graph.node)
    produced: dict[str, int] = {}
    for i, n in enumerate(nodes):
        for o in n.output:
            if o:
                produced[o] = i
    deps: list[set[int]] = []
    for i, n in enumerate(nodes):
        deps.append({produced[t] for t in _node_inputs(n) if t in produced and produced[t] != i})
    if all(all(d < i for d in ds) for i, ds in enumerate(deps)):
        return nodes
    users: list[list[int]] = [[] for _ in nodes]
    missing = [len(ds) for ds in deps]
    for i, ds in enumerate(deps):
        for d in ds:
            users[d].append(i)
    import heapq

    ready = [i for i, m in enumerate(missing) if m == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users[i]:
            missing[u] -= 1
            if missing[u] == 0:
                heapq.heappush(ready, u)
    if len(order) != len(nodes):
        raise InputError("The graph has a cycle; it is not a valid ONNX model.")
    return [nodes[i] for i in order]


def _node_inputs(node: onnx.NodeProto) -> list[str]:
    """Inputs of a node including outer-scope names its subgraphs read."""
    names = [t for t in node.input if t]
    for attr in node.attribute:
        subs = []
        if attr.type == onnx.AttributeProto.GRAPH:
            subs = [attr.g]
        elif attr.type == onnx.AttributeProto.GRAPHS:
            subs = list(attr.graphs)
        for g in subs:
            local = {i.name for i in g.input} | {i.name for i in g.initializer}
            for n in g.node:
                local.update(o for o in n.output if o)
            for n in g.node:
                names.extend(t for t in _node_inputs(n) if t not in local)
    return names


# ---------------------------------------------------------------------- the image input
@dataclass(frozen=True)
class ImagePlan:
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
    """

    name: str
    layout: str
    size: tuple[int, int]
    channels: int
    dtype: np.dtype
    shape: tuple[int, ...]


def image_input_plan(
    proto: onnx.ModelProto,
    config: PreprocessConfig,
    *,
    input_name: str | None = None,
    require_even: bool = True,
) -> ImagePlan:
    """Resolve which input takes the image, at which size and layout (or InputError).

    The rules match :meth:`~nv12_widgets.model.compare.Comparator.plan`: the layout is
    ``config.layout`` or guessed from the shape; the size is the model's static size or
    ``config.size`` (they must agree when both exist); channels must match the training
    format; the batch must be 1 or dynamic.

    Parameters
    ----------
    proto : onnx.ModelProto
    config : PreprocessConfig
    input_name : str, optional
        The image input; default the single 4-D float input with 1 or 3 channels.
    require_even : bool
        Reject odd sizes (NV12 needs even height and width).
    """
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
    inputs = graph_inputs(proto)
    described = ", ".join(f"{i.name} {_dims(i)}" for i in inputs) or "none"
    if input_name is not None:
        chosen = next((i for i in inputs if i.name == input_name), None)
        if chosen is None:
            raise InputError(f"The model has no input {input_name!r}; its inputs are: {described}.")
    else:
        candidates = [
            i
            for i in inputs
            if i.type.tensor_type.elem_type in _FLOAT_TYPES and guess_layout(_dims(i)) is not None
        ]
        if not candidates:
            raise InputError(
                "The model has no image-like input (a 4-D float tensor with 1 or 3 channels, "
                f"NCHW or NHWC); its inputs are: {described}. Pass input_name= when the "
                "image input has another shape."
            )
        if len(candidates) > 1:
            raise InputError(
                f"The model has several image-like inputs {[c.name for c in candidates]}: "
                "choose one with input_name=."
            )
        chosen = candidates[0]
    elem = chosen.type.tensor_type.elem_type
    if elem not in _FLOAT_TYPES:
        raise InputError(
            f"Input {chosen.name!r} is {TensorProto.DataType.Name(elem)}, not floating point: "
            "give the float model (the NV12 preprocessing feeds normalised float values)."
        )
    dims = _dims(chosen)
    if len(dims) != 4:
        raise InputError(f"Input {chosen.name!r} has shape {dims}; an image input is 4-D.")
    layout = config.layout or guess_layout(dims)
    if layout is None:
        raise InputError(
            f"Cannot tell the layout of input {chosen.name!r} {dims}; set config.layout."
        )
    c_ax, h_ax, w_ax = (1, 2, 3) if layout == "NCHW" else (3, 1, 2)
    if isinstance(dims[0], int) and dims[0] != 1:
        raise InputError(f"Input {chosen.name!r} has a fixed batch of {dims[0]}; need 1.")
    c = dims[c_ax]
    if isinstance(c, int) and c != config.channels:
        raise InputError(
            f"Input {chosen.name!r} {dims} ({layout}) takes {c} channel(s) but "
            f"train_format={config.train_format!r} gives {config.channels}; choose "
            f"{'gray' if c == 1 else 'rgb/bgr/yuv444'} (or set config.layout)."
        )
    h, w = dims[h_ax], dims[w_ax]
    static = (h, w) if isinstance(h, int) and isinstance(w, int) else None
    size = config.size or static
    if size is None:
        raise InputError(
            f"Input {chosen.name!r} {dims} has a dynamic size; set config.size=(height, width)."
        )
    if static is not None and config.size is not None and tuple(config.size) != static:
        raise InputError(
            f"config.size={tuple(config.size)} but input {chosen.name!r} is fixed at {static}; "
            f"use size=None or {static}."
        )
    for ax, v in ((h_ax, size[0]), (w_ax, size[1])):
        if isinstance(dims[ax], int) and dims[ax] != v:
            raise InputError(f"Input {chosen.name!r} {dims} cannot take size {size}.")
    if require_even and (size[0] % 2 or size[1] % 2):
        raise InputError(
            f"Model input size {tuple(size)} is odd; NV12 (4:2:0) needs even height and width."
        )
    shape = (1, config.channels, *size) if layout == "NCHW" else (1, *size, config.channels)
    return ImagePlan(
        chosen.name,
        layout,
        (int(size[0]), int(size[1])),
        config.channels,
        _FLOAT_TYPES[elem],
        shape,
    )


# ---------------------------------------------------------------------- the insertion
def decode_spec(config: PreprocessConfig) -> tuple[str | None, str, str, str]:
    """How the device decodes NV12 for ``config``: (profile, swing, matrix, upsample).

    ``config.decode_kwargs()``, the rule the NV12 path of
    :func:`~nv12_widgets.model.compare` uses: the profile's own arithmetic, unless
    ``decode_swing`` differs from the profile's swing (then the plain keyword
    conversion with that swing).
    """
    kw = config.decode_kwargs()
    return kw["profile"], kw["swing"], kw["matrix"], kw["upsample"]


class _Builder:
    """Collects nodes and constants with unique, prefixed names."""

    def __init__(self, prefix: str, taken: set[str]) -> None:
        self.prefix = prefix
        self.taken = taken
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []

    def name(self, base: str) -> str:
        candidate = self.prefix + base
        k = 1
        while candidate in self.taken:
            candidate = f"{self.prefix}{base}_{k}"
            k += 1
        self.taken.add(candidate)
        return candidate

    def const(self, base: str, value: np.ndarray) -> str:
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(
        self, op_type: str, inputs: list[str], base: str, *, output: str | None = None, **attrs
    ) -> str:
        out = output if output is not None else self.name(base)
        self.nodes.append(
            helper.make_node(op_type, inputs, [out], name=self.name(base + "_node"), **attrs)
        )
        return out


def _inverse_affine(swing: str, matrix: str) -> np.ndarray:
    """(3, 4) float64 YUV -> RGB affine matrix: the inverse of ``core.yuv_matrix``.

    Computed as ``nv12_widgets.core`` does (``inv(M)``, offset ``-inv(M) @ o``), so the
    float32 coefficients are the same ones ``nv12_to_rgb`` applies.
    """
    m = yuv_matrix(swing, matrix)
    inv = np.linalg.inv(m[:, :3])
    out = np.empty((3, 4))
    out[:, :3] = inv
    out[:, 3] = -inv @ m[:, 3]
    return out


def _upsample(b: _Builder, uv_f: str, mode: str) -> str:
    """(1, h, w, 2) float -> (1, 2h, 2w, 2): Resize on the H and W axes of NHWC data."""
    roi = b.const("roi", np.zeros(0, np.float32))
    scales = b.const("uv_scales", np.array([1.0, 2.0, 2.0, 1.0], np.float32))
    if mode == "nearest":
        # out[i] = in[floor(i / 2)]: each chroma sample repeated over its 2x2 block,
        # exactly core.upsample_uv(..., "nearest").
        return b.op(
            "Resize",
            [uv_f, roi, scales],
            "uv_up",
            mode="nearest",
            coordinate_transformation_mode="asymmetric",
            nearest_mode="floor",
        )
    # Centre-sited bilinear (cv2.INTER_LINEAR geometry), then round half up to uint8 codes.
    lin = b.op(
        "Resize",
        [uv_f, roi, scales],
        "uv_linear",
        mode="linear",
        coordinate_transformation_mode="half_pixel",
    )
    half = b.const("half", np.array(0.5, np.float32))
    return b.op("Floor", [b.op("Add", [lin, half], "uv_linear_half")], "uv_up")


def _round_clip(b: _Builder, x: str) -> str:
    """Round half to even (``np.rint``) and clip to 0..255, in float32."""
    return _clip_u8(b, b.op("Round", [x], "rounded"))


def _clip_u8(b: _Builder, x: str) -> str:
    """Clip float32 codes to 0..255 (Clip on float32: every opset >= 11 has it)."""
    lo = b.const("zero", np.array(0.0, np.float32))
    hi = b.const("max255", np.array(255.0, np.float32))
    return b.op("Clip", [x, lo, hi], "pixels")


def _affine_round(b: _Builder, yuv: str, m: np.ndarray) -> str:
    """``floor(yuv @ m[:, :3].T + m[:, 3] + 0.5)`` clipped to 0..255, on NHWC data.

    Evaluated in float64 (exact to ~1e-13 for 8-bit inputs), then rounded to nearest
    with ties up: ``nv12_widgets.core``'s rounding of the exact affine value.
    """
    d = np.float64
    yuv64 = b.op("Cast", [yuv], "yuv444_f64", to=TensorProto.DOUBLE)
    w = b.const("yuv2rgb_matrix", np.ascontiguousarray(m[:, :3].T).astype(d))
    off = b.const("yuv2rgb_offset_plus_half", (m[:, 3] + 0.5).astype(d))
    exact = b.op("Add", [b.op("MatMul", [yuv64, w], "rgb_linear"), off], "rgb_plus_half")
    rounded = b.op("Floor", [exact], "rgb_rounded_f64")
    return _clip_u8(b, b.op("Cast", [rounded], "rgb_rounded", to=TensorProto.FLOAT))


def _convert(
    b: _Builder, y_f: str, uv_up: str, fmt: str, profile: str | None, swing: str, matrix: str
) -> str:
    """NHWC float Y (…,1) and UV (…,2) -> the training format's pixels, NHWC float 0..255."""
    if fmt == "gray":
        return y_f
    yuv = b.op("Concat", [y_f, uv_up], "yuv444", axis=3)
    if fmt == "yuv444":
        return yuv
    rows = [0, 1, 2] if fmt == "rgb" else [2, 1, 0]
    if profile is None:
        return _affine_round(b, yuv, _inverse_affine(swing, matrix)[rows])
    if profile == "horizon":
        # rgb = y + (uv - 128) @ DEC.T, in float32, rint, clip (core.profiles._horizon_decode).
        c128 = b.const("c128", np.array(128.0, np.float32))
        centred = b.op("Sub", [uv_up, c128], "uv_centred")
        dec = b.const("centered_yuv2rgb", np.ascontiguousarray(_HORIZON_DEC[rows].T))
        chroma = b.op("MatMul", [centred, dec], "rgb_chroma")
        return _round_clip(b, b.op("Add", [y_f, chroma], "rgb_float"))
    if profile == "opencv":
        # cv2.cvtColor(COLOR_YUV2RGB_NV12): integer arithmetic, exact in float64.
        d = np.float64
        yd = b.op("Cast", [y_f], "y_f64", to=TensorProto.DOUBLE)
        uvd = b.op("Cast", [uv_up], "uv_f64", to=TensorProto.DOUBLE)
        y16 = b.op(
            "Relu", [b.op("Sub", [yd, b.const("c16", np.array(16.0, d))], "y_m16")], "y_m16_pos"
        )
        yc = b.op("Mul", [y16, b.const("cy", np.array(float(_CV_CY), d))], "y_scaled")
        uvc = b.op("Sub", [uvd, b.const("c128_f64", np.array(128.0, d))], "uv_centred")
        coef = np.array([[0.0, _CV_CVR], [_CV_CUG, _CV_CVG], [_CV_CUB, 0.0]], d)[
            rows
        ].T  # (2, 3): columns R, G, B (reordered)
        chroma = b.op("MatMul", [uvc, b.const("cv_coef", coef)], "rgb_chroma")
        total = b.op(
            "Add",
            [
                b.op("Add", [yc, chroma], "rgb_fixed"),
                b.const("cv_round", np.array(float(1 << (_CV_SHIFT - 1)), d)),
            ],
            "rgb_fixed_round",
        )
        shifted = b.op(
            "Floor",
            [
                b.op(
                    "Mul",
                    [total, b.const("cv_shift", np.array(1.0 / (1 << _CV_SHIFT), d))],
                    "rgb_scaled",
                )
            ],
            "rgb_shifted",
        )
        # integers below 2^24 after the shift: exact in float32
        return _clip_u8(b, b.op("Cast", [shifted], "rgb_shifted_f32", to=TensorProto.FLOAT))
    raise InputError(_UNSUPPORTED_PROFILE.format(profile=profile))


def insert_nv12_preprocess(
    model: ModelLike,
    config: PreprocessConfig,
    *,
    input_name: str | None = None,
    input_names: tuple[str, str] = NV12_INPUTS,
) -> onnx.ModelProto:
    """A new model that takes NV12 planes and converts them inside the graph.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
        The float model (image input float32/float16/float64, NCHW or NHWC). It is not
        modified.
    config : PreprocessConfig
        Its training-side preprocessing (``train_format``, ``divisor``, ``mean``,
        ``std``, ``layout``, ``size``) and the device's NV12 decoding (``swing`` /
        ``decode_swing``, ``matrix``, ``upsample``, ``profile``), as the NV12 path of
        :func:`~nv12_widgets.model.compare` uses them.
    input_name : str, optional
        The image input to replace (default: the single image-like input). Other
        inputs are kept as they are.
    input_names : (str, str)
        Names of the two new inputs, default ``("y", "uv")``. Give others when the
        model already uses these names (many toy models call their output ``y``).

    Returns
    -------
    onnx.ModelProto
        Inputs ``y`` (1, H, W, 1) uint8 and ``uv`` (1, H/2, W/2, 2) uint8 (H, W =
        ``config.size`` or the model's static size; dynamic dims of the image input are
        fixed; batch 1), then the model's other inputs; the same outputs. The graph:

        * ``Cast`` to float, ``Resize`` x2 of ``uv`` (``upsample="nearest"``: mode
          nearest, asymmetric, floor = each sample repeated over its 2x2 block, exactly
          ``nv12_to_yuv444``; ``"bilinear"``: mode linear, half_pixel, then
          ``Floor(x + 0.5)``: bit-exact to ``cv2.INTER_LINEAR_EXACT``, within one code
          of the ``cv2.INTER_LINEAR`` that ``nv12_to_yuv444`` uses, whose SIMD fixed
          point truncates);
        * ``Concat`` Y, U, V; for ``rgb``/``bgr`` the inverse of the config's swing /
          matrix as ``MatMul`` + ``Add`` in float64, then ``Floor(x + 0.5)`` and
          ``Clip`` 0..255: the exact value rounded with ties up, as ``nv12_to_format``
          rounds (profile ``"horizon"``: its centred float32 coefficients and
          ``Round``, as ``np.rint``; ``"opencv"``: OpenCV's integer arithmetic, exact in
          float64); ``yuv444``: the upsampled planes as they are; ``gray``: Y;
        * ``Mul`` + ``Add`` per channel: ``x * (1 / (divisor * std)) - mean / std``, the
          same float32 arithmetic as ``nv12_widgets.core.normalize``;
        * ``Transpose`` to NCHW when the model is NCHW, ``Cast`` when its input is not
          float32; the result is named like the removed input and feeds the original
          graph.

        Added nodes and initializers are named ``nv12_preprocess/...``; the model's own
        initializers, nodes and metadata are kept; ``metadata_props`` gains
        ``nv12_widgets.nv12_preprocess`` (JSON: config, replaced input, layout, size).
        The opset is kept, or raised to 11 (Round, Resize) with the version converter.

    Raises
    ------
    InputError
        No image-like input, channels or size that do not fit the config, an odd size,
        a dynamic size without ``config.size``, ``profile="vendor-pil"`` (PIL's
        bicubic resampler is not reproduced), a ``yuv444`` profile whose upsampling is
        not nearest/bilinear, or ``input_names`` that the model already uses.

    Notes
    -----
    Equivalence: with ``upsample="nearest"`` (and for the horizon and opencv
    profiles) the converted pixels equal ``nv12_to_format`` bit for bit, so the model
    output equals the numpy NV12 path followed by the float model (measured on the
    bundled detector: identical outputs, cosine 1.0). With ``"bilinear"`` a few chroma
    samples differ by one code (see above): cosine 0.99996 on the detector.

    Quantisation: :func:`~nv12_widgets.model.quantize_model` recognises the ``y`` /
    ``uv`` inputs, calibrates with NV12 frames and leaves these preprocessing nodes in
    float, so the first quantised tensor is the normalised image, as on the device.
    """
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
    proto = load_proto(model)
    if input_name is None and is_nv12_model(proto):
        raise InputError(
            "The model is NV12-inserted already (it takes uint8 NV12 planes); insert into "
            "the float model."
        )
    plan = image_input_plan(proto, config, input_name=input_name)
    profile, swing, matrix, upsample = decode_spec(config)
    fmt = config.train_format
    if profile is not None and fmt != "gray":  # gray is the Y plane whatever the profile
        if profile not in ("horizon", "opencv"):
            raise InputError(_UNSUPPORTED_PROFILE.format(profile=profile))
        if profile == "opencv" and fmt == "yuv444":
            raise InputError(
                "profile='opencv' has no YUV444 decoding (OpenCV converts NV12 straight to "
                "RGB); use profile=None with upsample='nearest' for a yuv444 model."
            )
        # Both profiles repeat each chroma sample over its 2x2 block, whatever
        # config.upsample says (as nv12_to_format does for them).
        upsample = "nearest"

    if (
        not isinstance(input_names, tuple | list)
        or len(input_names) != 2
        or not all(isinstance(n, str) and n for n in input_names)
        or input_names[0] == input_names[1]
    ):
        raise InputError(f"input_names must be two different names, got {input_names!r}.")
    y_name, uv_name = input_names
    existing = {i.name for i in proto.graph.input} | {i.name for i in proto.graph.initializer}
    existing |= {o for n in proto.graph.node for o in n.output} | {
        o.name for o in proto.graph.output
    }
    clash = [n for n in input_names if n in existing]
    if clash:
        raise InputError(
            f"The model already has tensor(s) named {clash}"
            + (
                " (is it NV12-inserted already? insert into the float model)"
                if is_nv12_model(proto)
                else ""
            )
            + "; choose other names, e.g. input_names=('nv12_y', 'nv12_uv')."
        )
    proto = ensure_opset(proto, 11)

    taken = {i.name for i in proto.graph.initializer}
    taken |= {o for n in proto.graph.node for o in n.output}
    taken |= {n.name for n in proto.graph.node}
    taken |= {i.name for i in proto.graph.input}
    b = _Builder(PREPROCESS_PREFIX, taken)
    h, w = plan.size
    y_f = b.op("Cast", [y_name], "y_float", to=TensorProto.FLOAT)
    uv_f = b.op("Cast", [uv_name], "uv_float", to=TensorProto.FLOAT)
    uv_up = _upsample(b, uv_f, upsample) if fmt != "gray" else ""
    pixels = _convert(b, y_f, uv_up, fmt, profile, swing, matrix)

    # core.normalize: x * (1 / (d * s)) + (-m / s), constants computed in float64.
    params = config.normalize_params()
    d = float(params["divisor"])
    m = np.asarray(params["mean"], np.float64)
    s = np.asarray(params["std"], np.float64)
    scale = (1.0 / (d * s)).astype(np.float32)
    offset = (-m / s).astype(np.float32)
    x = b.op("Mul", [pixels, b.const("norm_scale", scale)], "scaled")
    out_name = plan.name
    tail: list[tuple[str, dict[str, Any]]] = []
    if plan.layout == "NCHW":
        tail.append(("Transpose", {"perm": [0, 3, 1, 2]}))
    if plan.dtype != np.float32:
        tail.append(("Cast", {"to": helper.np_dtype_to_tensor_dtype(plan.dtype)}))
    x = b.op(
        "Add",
        [x, b.const("norm_offset", offset)],
        "normalized",
        output=None if tail else out_name,
    )
    for i, (op_type, attrs) in enumerate(tail):
        x = b.op(
            op_type, [x], op_type.lower(), output=out_name if i == len(tail) - 1 else None, **attrs
        )

    graph = proto.graph
    new_inputs = [
        helper.make_tensor_value_info(y_name, TensorProto.UINT8, [1, h, w, 1]),
        helper.make_tensor_value_info(uv_name, TensorProto.UINT8, [1, h // 2, w // 2, 2]),
    ]
    kept = [i for i in graph.input if i.name != plan.name]
    del graph.input[:]
    graph.input.extend(new_inputs + kept)
    old_nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(b.nodes + old_nodes)
    graph.initializer.extend(b.inits)
    # The replaced input's old (dynamic) shape must not linger as value_info.
    vis = [v for v in graph.value_info if v.name != plan.name]
    del graph.value_info[:]
    graph.value_info.extend(vis)
    graph.value_info.append(
        helper.make_tensor_value_info(
            plan.name, helper.np_dtype_to_tensor_dtype(plan.dtype), list(plan.shape)
        )
    )
    meta = {
        "config": config.to_dict(),
        "replaced_input": plan.name,
        "inputs": [y_name, uv_name],
        "layout": plan.layout,
        "size": list(plan.size),
        "decode": {"profile": profile, "swing": swing, "matrix": matrix, "upsample": upsample},
    }
    props = [p for p in proto.metadata_props if p.key != METADATA_KEY]
    del proto.metadata_props[:]
    proto.metadata_props.extend(props)
    proto.metadata_props.add(key=METADATA_KEY, value=json.dumps(meta))
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as exc:  # pragma: no cover - a bug here, not user error
        raise InputError(f"The NV12-inserted model does not validate: {exc}") from exc
    return proto


def json_metadata(model: ModelLike, key: str) -> dict[str, Any] | None:
    """The JSON value stored under ``key`` in the model's metadata_props, or None."""
    proto = load_proto(model, copy=False)
    for p in proto.metadata_props:
        if p.key == key:
            try:
                return json.loads(p.value)
            except json.JSONDecodeError:
                return None
    return None


def preprocess_metadata(model: ModelLike) -> dict[str, Any] | None:
    """What :func:`insert_nv12_preprocess` recorded in the model, or None."""
    return json_metadata(model, METADATA_KEY)


def preprocess_node_names(proto: onnx.ModelProto) -> list[str]:
    """Names of the nodes :func:`insert_nv12_preprocess` added (by prefix, then by graph).

    Nodes renamed by optimisers are found through the graph: every node whose inputs
    come only from ``y``, ``uv``, initializers and other such nodes, up to the replaced
    input's tensor.
    """
    inits = {i.name for i in proto.graph.initializer}
    meta = preprocess_metadata(proto) or {}
    stop = meta.get("replaced_input")
    reach = set(meta.get("inputs") or NV12_INPUTS)
    names: list[str] = []
    for node in topological_nodes(proto.graph):
        ins = [t for t in node.input if t]
        from_nv12 = any(t in reach for t in ins) and all(t in reach or t in inits for t in ins)
        if node.name.startswith(PREPROCESS_PREFIX) or (from_nv12 and stop not in reach):
            names.append(node.name)
            reach.update(o for o in node.output if o)
    return names
