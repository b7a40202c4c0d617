"""ONNX graph utilities, and the NV12 preprocessing inserted in front of a model.

:func:`insert_nv12_preprocess` is the open equivalent of Horizon hbdk4's
``insert_image_convert("nv12")`` + ``insert_image_preprocess(...)`` (and of hb_mapper's
``input_type_rt: nv12``): it returns a new model whose inputs are the two NV12 planes
and which does, *inside the graph*, what :mod:`nv12_widgets.core` does in numpy on the
NV12 path of :func:`~nv12_widgets.model.workflows.compare`::

    y  (1, H, W, 1) uint8 ─┐
    uv (1, H/2, W/2, 2) uint8 ─ Resize x2 (nearest | linear) ─┴ Concat -> YUV444 (float)
      -> YUV -> RGB/BGR (affine 3x3 + offset, or the profile's arithmetic) -> Round, Clip 0..255
      -> (x / divisor - mean) / std -> Transpose to the model layout -> the original graph

The helpers (:func:`load_proto`, :func:`fix_input_shape`,
:func:`topological_nodes`, :func:`ensure_opset`) are shared by the layer-wise and
quantisation modules.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import onnx
from onnx import TensorProto, helper

from nv12_widgets.core import InputError
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import GraphBuilder, Pipeline, value_info_dims
from nv12_widgets.model.devicepath.session import Model, read_model_file

__all__ = [
    "NV12_INPUTS",
    "PREPROCESS_PREFIX",
    "ModelLike",
    "ensure_opset",
    "fix_input_shape",
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

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> out = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> node = helper.make_node("Identity", ["image"], ["out"], name="id")
    >>> graph = helper.make_graph([node], "tiny", [image], [out])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> load_proto(tiny.SerializeToString()).graph.name  # bytes, a path or a Model too
    'tiny'
    >>> load_proto(tiny) is tiny, load_proto(tiny, copy=False) is tiny
    (False, True)
    >>> load_proto(b"")
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: The model is empty (0 bytes): pass a real .onnx file or its bytes.
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
        data, proto = read_model_file(path)  # bounded; external data from its folder
        if proto is not None:
            return proto
        try:
            return onnx.load_model_from_string(data)
        except Exception as exc:
            raise InputError(
                f"{path} is not a readable ONNX model ({exc}); check it is a complete .onnx file."
            ) from exc
    raise InputError(
        f"model must be a Model, a path, bytes or an onnx.ModelProto, got {type(model).__name__}."
    )


def opset_version(proto: onnx.ModelProto) -> int:
    """The model's default-domain (``ai.onnx``) opset version.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> out = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> node = helper.make_node("Identity", ["image"], ["out"], name="id")
    >>> graph = helper.make_graph([node], "tiny", [image], [out])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> opset_version(tiny)
    13
    """
    for op in proto.opset_import:
        if op.domain in ("", "ai.onnx"):
            return int(op.version)
    raise InputError("The model imports no ai.onnx opset; it is not a standard ONNX model.")


def ensure_opset(proto: onnx.ModelProto, minimum: int) -> onnx.ModelProto:
    """The model converted to at least opset ``minimum`` (unchanged when already there).

    Uses ``onnx.version_converter``; raises :class:`InputError` when it cannot convert
    (custom domains, unsupported ops), with what to do.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> out = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> node = helper.make_node("Identity", ["image"], ["out"], name="id")
    >>> graph = helper.make_graph([node], "tiny", [image], [out])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> opset_version(ensure_opset(tiny, 17))
    17
    >>> ensure_opset(tiny, 11) is tiny  # already recent enough: unchanged
    True
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


def graph_inputs(proto: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    """The real inputs (old IR versions also list initializers as inputs: dropped)."""
    inits = {i.name for i in proto.graph.initializer}
    return [i for i in proto.graph.input if i.name not in inits]


def nv12_input_names(model: ModelLike) -> tuple[str, str] | None:
    """The (y, uv) input names of an NV12-inserted model, or None for other models.

    Read from the metadata :func:`insert_nv12_preprocess` writes; without it, a model
    with uint8 inputs named ``y`` and ``uv`` counts too (e.g. a vendor-exported one).

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> y = helper.make_tensor_value_info("y", TensorProto.UINT8, [1, 2, 2, 1])
    >>> uv = helper.make_tensor_value_info("uv", TensorProto.UINT8, [1, 1, 1, 2])
    >>> out = helper.make_tensor_value_info("out", TensorProto.UINT8, [1, 2, 2, 1])
    >>> graph = helper.make_graph([helper.make_node("Identity", ["y"], ["out"])], "g", [y, uv], [out])
    >>> nv12_input_names(helper.make_model(graph))
    ('y', 'uv')
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
    """True for a model fed NV12 planes (see :func:`nv12_input_names`).

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> from onnx import TensorProto, helper
    >>> image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> out = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> node = helper.make_node("Identity", ["image"], ["out"], name="id")
    >>> graph = helper.make_graph([node], "tiny", [image], [out])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> is_nv12_model(tiny), is_nv12_model(insert_nv12_preprocess(tiny, PreprocessConfig()))
    (False, True)
    """
    return nv12_input_names(model) is not None


def fix_input_shape(
    proto: onnx.ModelProto, name: str, shape: Sequence[int], *, infer: bool = True
) -> onnx.ModelProto:
    """A copy of the model with input ``name`` fixed to ``shape`` (static dims must agree).

    Intermediate ``value_info`` entries are dropped and re-inferred (``infer=True``) so
    the new static sizes propagate through the graph.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, "H", "W"])
    >>> out = helper.make_tensor_value_info("out", TensorProto.FLOAT, None)
    >>> graph = helper.make_graph([helper.make_node("Relu", ["image"], ["out"])], "g", [image], [out])
    >>> fixed = fix_input_shape(helper.make_model(graph), "image", (1, 3, 4, 4))
    >>> [d.dim_value for d in fixed.graph.input[0].type.tensor_type.shape.dim]
    [1, 3, 4, 4]
    >>> fix_input_shape(fixed, "image", (1, 3, 2, 2))
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: Input 'image' has the static shape [1, 3, 4, 4], which does not match (1, 3, 2, 2).
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
        if d.HasField("dim_value") and d.dim_value > 0 and d.dim_value != v:
            raise InputError(
                f"Input {name!r} has the static shape {value_info_dims(target)}, which does not match "
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

    Examples
    --------
    >>> from onnx import helper
    >>> second = helper.make_node("Relu", ["a"], ["b"], name="second")
    >>> first = helper.make_node("Neg", ["x"], ["a"], name="first")
    >>> graph = helper.make_graph([second, first], "unordered", [], [])
    >>> [node.name for node in topological_nodes(graph)]
    ['first', 'second']
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


# ---------------------------------------------------------------------- the insertion
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
        :func:`~nv12_widgets.model.workflows.compare` uses them.
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

    Examples
    --------
    >>> import onnxruntime as ort
    >>> from nv12_widgets.core import rgb_to_nv12
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> from onnx import TensorProto, helper
    >>> image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> out = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> node = helper.make_node("Identity", ["image"], ["out"], name="id")
    >>> graph = helper.make_graph([node], "tiny", [image], [out])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> inserted = insert_nv12_preprocess(tiny, PreprocessConfig(mean=0.5, std=0.5))
    >>> [(i.name, i.type.tensor_type.elem_type) for i in inserted.graph.input]  # UINT8 = 2
    [('y', 2), ('uv', 2)]
    >>> frame = rgb_to_nv12(np.full((2, 2, 3), 255, np.uint8))  # white
    >>> feeds = {"y": frame.y[None, ..., None], "uv": frame.uv[None]}
    >>> ort.InferenceSession(inserted.SerializeToString()).run(None, feeds)[0][0, :, 0, 0]
    array([1., 1., 1.], dtype=float32)
    """
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
    proto = load_proto(model)
    if input_name is None and is_nv12_model(proto):
        raise InputError(
            "The model is NV12-inserted already (it takes uint8 NV12 planes); insert into "
            "the float model."
        )
    pipeline = Pipeline.for_proto(proto, config, input_name=input_name)
    pipeline.decode.graph_check()
    plan = pipeline.plan
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
    b = GraphBuilder(PREPROCESS_PREFIX, taken)
    h, w = plan.size
    pipeline.emit(b, y_name, uv_name, plan.name)

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
    props = [p for p in proto.metadata_props if p.key != METADATA_KEY]
    del proto.metadata_props[:]
    proto.metadata_props.extend(props)
    proto.metadata_props.add(
        key=METADATA_KEY, value=pipeline.metadata(plan.name, (y_name, uv_name))
    )
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
    """What :func:`insert_nv12_preprocess` recorded in the model, or None.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> from onnx import TensorProto, helper
    >>> image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> out = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> node = helper.make_node("Identity", ["image"], ["out"], name="id")
    >>> graph = helper.make_graph([node], "tiny", [image], [out])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> meta = preprocess_metadata(insert_nv12_preprocess(tiny, PreprocessConfig()))
    >>> meta["inputs"], meta["replaced_input"], preprocess_metadata(tiny)
    (['y', 'uv'], 'image', None)
    """
    return json_metadata(model, METADATA_KEY)


def preprocess_node_names(proto: onnx.ModelProto) -> list[str]:
    """Names of the nodes :func:`insert_nv12_preprocess` added (by prefix, then by graph).

    Nodes renamed by optimisers are found through the graph: every node whose inputs
    come only from ``y``, ``uv``, initializers and other such nodes, up to the replaced
    input's tensor.

    Examples
    --------
    >>> from nv12_widgets.model.devicepath.config import PreprocessConfig
    >>> from onnx import TensorProto, helper
    >>> image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> out = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 2, 2])
    >>> node = helper.make_node("Identity", ["image"], ["out"], name="id")
    >>> graph = helper.make_graph([node], "tiny", [image], [out])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> inserted = insert_nv12_preprocess(tiny, PreprocessConfig())
    >>> names = preprocess_node_names(inserted)
    >>> all(n.startswith(PREPROCESS_PREFIX) for n in names), "id" in names
    (True, False)
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
