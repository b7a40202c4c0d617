"""Layer-wise comparison: every float intermediate tensor of a graph, between two runs.

This is the view of hb_mapper's / RKNN's accuracy analysis: run the model on two inputs
(reference vs NV12 path, clean vs noisy) - or a float and a quantised model on the same
input - and list, in topological order, how similar each node's output is. The first
node whose cosine falls below a threshold is where the difference appears or is
amplified.

How it works: on a copy of the model every float intermediate tensor (type found with
``onnx.shape_inference``) is added as a graph output; the copy runs with graph
optimisations disabled so no tensor is fused away or renamed. Very large graphs are run
in several chunks of outputs (``max_bytes``) so memory stays bounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

from nv12_widgets.core import InputError, compare_arrays
from nv12_widgets.model.devicepath.graph import (
    ModelLike,
    graph_inputs,
    load_proto,
    topological_nodes,
)

__all__ = ["Intermediates", "LayerRow", "LayerwiseResult", "collect_intermediates", "layerwise"]

_FLOAT = {
    TensorProto.FLOAT: np.dtype(np.float32),
    TensorProto.FLOAT16: np.dtype(np.float16),
    TensorProto.DOUBLE: np.dtype(np.float64),
}
# Ops whose outputs are not worth comparing (constants, shapes).
_SKIP_OPS = {"Constant", "Shape", "Size", "ConstantOfShape"}
_QDQ_SUFFIX = "_DequantizeLinear_Output"


@dataclass(frozen=True)
class LayerRow:
    """One compared tensor.

    Attributes
    ----------
    index : int
        Position of the producing node in topological order (0-based, over all nodes).
    node : str
        The node's name (``"<op_type>_<index>"`` when the graph leaves it empty).
    op_type : str
    tensor : str
        The output tensor's name.
    shape : tuple of int
        Its shape in run A.
    cosine : float
        Cosine similarity B vs A (0 when a norm is 0, 1.0 when identical, NaN when
        either holds NaN/Inf).
    sqnr_db : float
        ``10 log10(|A|^2 / |A - B|^2)`` (``inf`` when identical, NaN with NaN/Inf).
    max_abs : float
        Largest ``|A - B|`` (NaN with NaN/Inf).
    note : str
        Why a metric is NaN, else "".
    input_cosine : float
        The lowest cosine among the tensors the node reads (compared graph inputs and
        node outputs; through nodes that were not compared, their own inputs;
        weights and constants count as 1.0). NaN when one of them is NaN.

    Examples
    --------
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> vi = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])
    >>> relu = helper.make_node("Relu", ["x"], ["r"], name="relu")
    >>> scale = helper.make_node("Mul", ["r", "w"], ["y"], name="scale")
    >>> w = numpy_helper.from_array(np.array([1, 1, 1, 10], np.float32), "w")
    >>> graph = helper.make_graph([relu, scale], "g", [vi("x")], [vi("y")], [w])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> a = np.array([[1, 2, 3, 0.5]], np.float32)
    >>> b = np.array([[1, 2, 3, -0.5]], np.float32)  # one value changed
    >>> row = layerwise(tiny, a, b).row("scale")
    >>> row.op_type, row.tensor, row.shape, round(row.cosine, 4), row.max_abs
    ('Mul', 'y', (1, 4), 0.5991, 5.0)
    >>> round(row.input_cosine, 4), round(row.drop, 4), row.below(0.999)  # Mul amplifies
    (0.9912, 0.392, True)
    >>> row.to_dict()["shape"]
    [1, 4]
    """

    index: int
    node: str
    op_type: str
    tensor: str
    shape: tuple[int, ...]
    cosine: float
    sqnr_db: float
    max_abs: float
    note: str = ""
    input_cosine: float = 1.0

    @property
    def drop(self) -> float:
        """``input_cosine - cosine``: how much this node itself lowers the similarity.

        The accumulated cosine (:attr:`cosine`) carries every earlier layer's error; the
        drop isolates the layer that introduces or amplifies it (a large drop with a high
        input cosine is the layer to keep in float / examine).
        """
        return self.input_cosine - self.cosine

    def below(self, threshold: float) -> bool:
        """True when the cosine is under ``threshold`` (NaN counts as below)."""
        return not (self.cosine >= threshold)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shape"] = list(self.shape)
        return d


@dataclass(frozen=True, eq=False)
class LayerwiseResult:
    """The per-tensor comparison of two runs, in topological order.

    Attributes
    ----------
    rows : list of LayerRow
        One per compared node output.
    threshold : float
        The cosine threshold of :attr:`first_below`.
    first_below : LayerRow or None
        The first row (topological order) whose cosine is below ``threshold`` (or NaN).
    inputs : list of LayerRow
        The graph inputs compared the same way (``index`` -1, ``op_type`` "Input"): shows
        how different the two feeds already are.
    outputs : list of LayerRow
        Rows of the model's own outputs (also in ``rows``).
    skipped : list of str
        Tensors not compared, with the reason (non-float, unknown type, shape differs,
        missing in the second model).

    Examples
    --------
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> vi = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])
    >>> relu = helper.make_node("Relu", ["x"], ["r"], name="relu")
    >>> scale = helper.make_node("Mul", ["r", "w"], ["y"], name="scale")
    >>> w = numpy_helper.from_array(np.array([1, 1, 1, 10], np.float32), "w")
    >>> graph = helper.make_graph([relu, scale], "g", [vi("x")], [vi("y")], [w])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> a = np.array([[1, 2, 3, 0.5]], np.float32)
    >>> b = np.array([[1, 2, 3, -0.5]], np.float32)  # one value changed
    >>> res = layerwise(tiny, a, b)
    >>> res.first_below.node, [r.node for r in res.worst(2)], res.largest_drops(1)[0].node
    ('relu', ['scale', 'relu'], 'scale')
    >>> round(res.inputs[0].cosine, 4), [r.tensor for r in res.outputs]
    (0.9649, ['y'])
    >>> res.row("y").node, res.to_dict()["first_below"]["tensor"]
    ('scale', 'r')
    >>> print(res.to_markdown([res.row("relu")]))
    | # | node | op | tensor | shape | cosine | drop | SQNR dB | max abs |
    |---:|---|---|---|---|---:|---:|---:|---:|
    | 0 | relu | Relu | r | [1, 4] | 0.991189 **<- first below** | -2.63e-02 | 17.56 | 0.5 |
    >>> from matplotlib.figure import Figure  # no display needed
    >>> res.plot(Figure().subplots(), log=True).get_ylabel()
    '1 - cosine'
    >>> print(res)
    2 tensors compared, threshold 0.999: first below at #0 relu (Relu, cosine 0.991189)
    worst:
    | # | node | op | tensor | shape | cosine | drop | SQNR dB | max abs |
    |---:|---|---|---|---|---:|---:|---:|---:|
    | 1 | scale | Mul | y | [1, 4] | 0.599145 | 3.92e-01 | 1.93 | 5 |
    | 0 | relu | Relu | r | [1, 4] | 0.991189 **<- first below** | -2.63e-02 | 17.56 | 0.5 |
    """

    rows: list[LayerRow]
    threshold: float
    first_below: LayerRow | None
    inputs: list[LayerRow] = field(default_factory=list)
    outputs: list[LayerRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def worst(self, n: int = 5) -> list[LayerRow]:
        """The ``n`` rows with the lowest cosine (NaN first), ties in topological order."""
        if n < 0:
            raise InputError(f"n must be >= 0, got {n}.")
        nan_rows = [r for r in self.rows if math.isnan(r.cosine)]
        rest = sorted(
            (r for r in self.rows if not math.isnan(r.cosine)), key=lambda r: (r.cosine, r.index)
        )
        return (nan_rows + rest)[:n]

    def largest_drops(self, n: int = 5) -> list[LayerRow]:
        """The ``n`` rows whose node lowers the cosine most (:attr:`LayerRow.drop`).

        Rows with a NaN drop are left out. Ties keep topological order.
        """
        if n < 0:
            raise InputError(f"n must be >= 0, got {n}.")
        rows = [r for r in self.rows if not math.isnan(r.drop)]
        return sorted(rows, key=lambda r: (-r.drop, r.index))[:n]

    def row(self, name: str) -> LayerRow:
        """The row of a tensor or node name (InputError when not compared)."""
        for r in self.rows:
            if r.tensor == name or r.node == name:
                return r
        raise InputError(f"No compared tensor or node named {name!r}.")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict: threshold, first_below (a row dict or None), rows, inputs, skipped.

        Floats are kept as Python floats (``inf`` / ``nan`` included).
        """
        return {
            "threshold": self.threshold,
            "first_below": self.first_below.to_dict() if self.first_below else None,
            "rows": [r.to_dict() for r in self.rows],
            "inputs": [r.to_dict() for r in self.inputs],
            "outputs": [r.tensor for r in self.outputs],
            "skipped": list(self.skipped),
        }

    def to_markdown(self, rows: Sequence[LayerRow] | None = None) -> str:
        """A markdown table of ``rows`` (default: all), marking the first row below."""
        rows = self.rows if rows is None else rows
        lines = [
            "| # | node | op | tensor | shape | cosine | drop | SQNR dB | max abs |",
            "|---:|---|---|---|---|---:|---:|---:|---:|",
        ]
        for r in rows:
            mark = " **<- first below**" if r is self.first_below else ""
            lines.append(
                f"| {r.index} | {r.node} | {r.op_type} | {r.tensor} | {list(r.shape)} | "
                f"{r.cosine:.6f}{mark} | {r.drop:.2e} | {r.sqnr_db:.2f} | {r.max_abs:.4g} |"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        head = f"{len(self.rows)} tensors compared, threshold {self.threshold}: " + (
            f"first below at #{self.first_below.index} {self.first_below.node} "
            f"({self.first_below.op_type}, cosine {self.first_below.cosine:.6f})"
            if self.first_below
            else "none below"
        )
        return head + "\nworst:\n" + self.to_markdown(self.worst(5))

    def plot(self, ax: Any = None, *, log: bool = False) -> Any:
        """Cosine per layer (topological order), with the threshold and the first row below.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw (default: a new figure).
        log : bool
            Plot ``1 - cosine`` on a log scale instead (small losses become visible).

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt  # lazy: only when plotting

        if ax is None:
            _, ax = plt.subplots(figsize=(10, 3.5))
        xs = [r.index for r in self.rows]
        cos = np.array([r.cosine for r in self.rows], dtype=np.float64)
        if log:
            ys = np.clip(1.0 - cos, 1e-12, None)
            ax.semilogy(xs, ys, ".-", lw=0.8, ms=3, label="1 - cosine")
            ax.axhline(1.0 - self.threshold, color="tab:red", ls="--", lw=0.8, label="threshold")
            ax.set_ylabel("1 - cosine")
        else:
            ax.plot(xs, cos, ".-", lw=0.8, ms=3, label="cosine")
            ax.axhline(self.threshold, color="tab:red", ls="--", lw=0.8, label="threshold")
            ax.set_ylabel("cosine")
        if self.first_below is not None:
            r = self.first_below
            y = max(1e-12, 1.0 - r.cosine) if log else r.cosine
            if math.isfinite(y):
                ax.plot([r.index], [y], "o", color="tab:red", ms=6)
                ax.annotate(
                    f"{r.node} ({r.op_type})",
                    (r.index, y),
                    textcoords="offset points",
                    xytext=(5, -12),
                    fontsize=8,
                    color="tab:red",
                )
        ax.set_xlabel("node (topological order)")
        ax.set_title("Layer-wise cosine similarity")
        ax.legend(loc="lower left", fontsize=8)
        return ax


# ---------------------------------------------------------------------- running
def _infer(proto: onnx.ModelProto, feeds: Mapping[str, np.ndarray]) -> onnx.ModelProto:
    """Shape/type inference with the graph inputs fixed to the feeds' shapes."""
    model = onnx.ModelProto()
    model.CopyFrom(proto)
    ordered = topological_nodes(model.graph)  # onnx's inference walks the stored order
    del model.graph.node[:]
    model.graph.node.extend(ordered)
    for inp in model.graph.input:
        if inp.name in feeds:
            shape = np.shape(feeds[inp.name])
            dims = inp.type.tensor_type.shape.dim
            if len(dims) == len(shape):
                for d, v in zip(dims, shape, strict=True):
                    if not d.HasField("dim_value"):
                        d.Clear()
                        d.dim_value = int(v)
    try:
        return onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception:  # custom ops or invalid shapes: fall back to declared types only
        return model


def _value_types(proto: onnx.ModelProto) -> dict[str, onnx.ValueInfoProto]:
    g = proto.graph
    out = {v.name: v for v in g.value_info}
    out.update({v.name: v for v in g.output})
    out.update({v.name: v for v in g.input})
    return out


def _dynamic_tensors(proto: onnx.ModelProto, nodes: list[onnx.NodeProto]) -> set[str]:
    """Tensors that depend on a graph input (constant subgraphs are not worth comparing)."""
    live = {i.name for i in graph_inputs(proto)}
    for n in nodes:
        if any(t in live for t in n.input if t):
            live.update(o for o in n.output if o)
    return live


def _as_feeds(proto: onnx.ModelProto, feeds: Any, which: str) -> dict[str, np.ndarray]:
    names = [i.name for i in graph_inputs(proto)]
    if isinstance(feeds, np.ndarray):
        if len(names) != 1:
            raise InputError(
                f"{which}: the model has inputs {names}; pass a dict {{name: array}}, not one array."
            )
        return {names[0]: feeds}
    if not isinstance(feeds, Mapping):
        raise InputError(
            f"{which} must be a dict of input name -> array (or one array for a one-input "
            f"model), got {type(feeds).__name__}."
        )
    missing = [n for n in names if n not in feeds]
    unknown = [k for k in feeds if k not in names]
    if missing or unknown:
        raise InputError(
            f"{which}: missing inputs {missing}, unknown names {unknown}; the model's inputs "
            f"are {names}."
        )
    return {k: np.asarray(v) for k, v in feeds.items()}


def _session(proto: onnx.ModelProto, outputs: list[tuple[str, int]]) -> ort.InferenceSession:
    model = onnx.ModelProto()
    model.CopyFrom(proto)
    have = {o.name for o in model.graph.output}
    for name, elem in outputs:
        if name not in have:
            model.graph.output.append(helper.make_tensor_value_info(name, elem, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(
            model.SerializeToString(), opts, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:
        raise InputError(
            f"onnxruntime could not load the model with its intermediate tensors exposed: "
            f"{str(exc).splitlines()[0][:300]}"
        ) from exc


def _run_chunks(
    proto: onnx.ModelProto,
    feeds: dict[str, np.ndarray],
    tensors: list[tuple[str, int, int]],
    max_bytes: int,
) -> dict[str, np.ndarray]:
    """Fetch ``tensors`` ((name, elem type, byte estimate)) in chunks of <= max_bytes."""
    chunks: list[list[tuple[str, int]]] = [[]]
    size = 0
    for name, elem, nbytes in tensors:
        if chunks[-1] and size + nbytes > max_bytes:
            chunks.append([])
            size = 0
        chunks[-1].append((name, elem))
        size += nbytes
    out: dict[str, np.ndarray] = {}
    for chunk in chunks:
        if not chunk:
            continue
        sess = _session(proto, chunk)
        names = [n for n, _ in chunk]
        try:
            values = sess.run(names, feeds)
        except Exception as exc:
            shapes = {k: (tuple(v.shape), str(v.dtype)) for k, v in feeds.items()}
            raise InputError(
                f"onnxruntime failed running the model with inputs {shapes}: "
                f"{str(exc).splitlines()[0][:300]}"
            ) from exc
        out.update(zip(names, values, strict=True))
        del sess
    return out


def _metrics(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float, str]:
    m = compare_arrays(a, b)  # run A is the reference
    return m.cosine, m.sqnr_db, m.max_abs, m.note


def _nan_min(values: list[float]) -> float:
    if any(math.isnan(v) for v in values):
        return math.nan
    return min(values, default=1.0)


def _with_input_cosines(
    rows: list[LayerRow],
    input_rows: list[LayerRow],
    nodes: list[onnx.NodeProto],
) -> list[LayerRow]:
    """Fill :attr:`LayerRow.input_cosine` by one pass in topological order."""
    effective: dict[str, float] = {r.tensor: r.cosine for r in input_rows}
    measured = {r.tensor: r.cosine for r in rows}
    node_input: dict[int, float] = {}
    for index, node in enumerate(nodes):
        reads = _nan_min([effective.get(t, 1.0) for t in node.input if t])
        node_input[index] = reads
        for t in node.output:
            if t:
                effective[t] = measured.get(t, reads)
    return [replace(r, input_cosine=float(node_input.get(r.index, 1.0))) for r in rows]


@dataclass(frozen=True, eq=False)
class Intermediates:
    """Every compared intermediate tensor of two runs (what :func:`layerwise` measures).

    Attributes
    ----------
    proto : onnx.ModelProto
        Model A.
    feeds_a, feeds_b : dict
        The checked feeds.
    nodes : list of onnx.NodeProto
        Model A's nodes in topological order.
    plan : list of (int, onnx.NodeProto, str, int, int)
        (node index, node, tensor name, element type, byte estimate) of every fetched
        tensor, in topological order.
    values_a, values_b : dict of str to numpy.ndarray
        The tensors of run A (by name) and of run B (by its name in model B, see
        ``name_b``).
    name_b : dict of str to str
        Tensor name in A -> its name in B (a QDQ model's dequantised output).
    skipped : list of str
        Tensors left out, and why.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> vi = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])
    >>> relu = helper.make_node("Relu", ["x"], ["y"], name="relu")
    >>> graph = helper.make_graph([relu], "g", [vi("x")], [vi("y")])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> a = np.array([[1, -2, 3, 4]], np.float32)
    >>> got = collect_intermediates(tiny, a, np.abs(a))
    >>> [t for _, _, t, _, _ in got.plan], got.name_b, got.skipped
    (['y'], {'y': 'y'}, [])
    >>> got.pair("y")  # A's -2 clipped to 0 by the Relu
    (array([[1., 0., 3., 4.]], dtype=float32), array([[1., 2., 3., 4.]], dtype=float32))
    >>> got.pair("x")[0]  # a graph input: the feeds
    array([[ 1., -2.,  3.,  4.]], dtype=float32)
    """

    proto: onnx.ModelProto
    feeds_a: dict
    feeds_b: dict
    nodes: list
    plan: list
    values_a: dict
    values_b: dict
    name_b: dict
    skipped: list

    def pair(self, tensor: str) -> tuple[np.ndarray, np.ndarray]:
        """(A, B) values of ``tensor`` (a node output of model A, or a graph input)."""
        if tensor in self.feeds_a and tensor in self.feeds_b:
            return np.asarray(self.feeds_a[tensor]), np.asarray(self.feeds_b[tensor])
        return np.asarray(self.values_a[tensor]), np.asarray(self.values_b[self.name_b[tensor]])


def collect_intermediates(
    model: ModelLike,
    feeds_a: Mapping[str, np.ndarray] | np.ndarray,
    feeds_b: Mapping[str, np.ndarray] | np.ndarray,
    *,
    outputs: Sequence[str] | None = None,
    model_b: ModelLike | None = None,
    max_bytes: int = 512 * 2**20,
) -> Intermediates:
    """Run two feeds (or two models) and fetch every float intermediate tensor of both.

    The parameters are :func:`layerwise`'s; this is its data-gathering half, shared with
    :mod:`nv12_widgets.model.workflows.drift` (per-node drift by cause).

    Examples
    --------
    The reference tensor against one with a single value changed, on a two-node graph:

    >>> from onnx import TensorProto, helper, numpy_helper
    >>> vi = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])
    >>> relu = helper.make_node("Relu", ["x"], ["r"], name="relu")
    >>> scale = helper.make_node("Mul", ["r", "w"], ["y"], name="scale")
    >>> w = numpy_helper.from_array(np.array([1, 1, 1, 10], np.float32), "w")
    >>> graph = helper.make_graph([relu, scale], "g", [vi("x")], [vi("y")], [w])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> a = np.array([[1, 2, 3, 0.5]], np.float32)
    >>> b = np.array([[1, 2, 3, -0.5]], np.float32)  # one value changed
    >>> res = layerwise(tiny, {"x": a}, {"x": b})
    >>> [(r.node, round(r.cosine, 4)) for r in res.rows]
    [('relu', 0.9912), ('scale', 0.5991)]
    >>> res.first_below.node
    'relu'
    """
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise InputError(f"max_bytes must be a positive integer, got {max_bytes!r}.")
    proto_a = load_proto(model, copy=False)
    proto_b = load_proto(model_b, copy=False) if model_b is not None else proto_a
    fa = _as_feeds(proto_a, feeds_a, "feeds_a")
    fb = _as_feeds(proto_b, feeds_b, "feeds_b")

    inferred = _infer(proto_a, fa)
    types = _value_types(inferred)
    nodes = topological_nodes(proto_a.graph)
    live = _dynamic_tensors(proto_a, nodes)
    wanted = set(outputs) if outputs is not None else None
    if wanted is not None:
        produced = {o for n in nodes for o in n.output}
        unknown = sorted(wanted - produced)
        if unknown:
            raise InputError(
                f"outputs {unknown} are not node outputs of the model (graph inputs are "
                "compared in .inputs anyway)."
            )

    skipped: list[str] = []
    plan: list[tuple[int, onnx.NodeProto, str, int, int]] = []  # index, node, tensor, elem, bytes
    for index, node in enumerate(nodes):
        if node.op_type in _SKIP_OPS and wanted is None:
            continue
        for t in node.output:
            if not t or (wanted is not None and t not in wanted):
                continue
            if wanted is None and t not in live:
                continue
            vi = types.get(t)
            elem = vi.type.tensor_type.elem_type if vi is not None else 0
            if elem == 0:
                skipped.append(f"{t}: type unknown after shape inference")
                continue
            if elem not in _FLOAT:
                skipped.append(f"{t}: {TensorProto.DataType.Name(elem)} (not float)")
                continue
            dims = [
                d.dim_value if d.HasField("dim_value") else 0 for d in vi.type.tensor_type.shape.dim
            ]
            nbytes = int(np.prod([max(d, 1) for d in dims])) * _FLOAT[elem].itemsize
            plan.append((index, node, t, elem, nbytes))

    # Names in run B: the same, or the DequantizeLinear output of a QDQ model.
    name_b: dict[str, str] = {}
    elems = {t: elem for _, _, t, elem, _ in plan}
    if model_b is not None:
        produced_b = {o for n in proto_b.graph.node for o in n.output}
        produced_b |= {i.name for i in graph_inputs(proto_b)}
        kept = []
        for item in plan:
            t = item[2]
            if t + _QDQ_SUFFIX in produced_b:
                name_b[t] = t + _QDQ_SUFFIX
            elif t in produced_b:
                name_b[t] = t
            else:
                skipped.append(f"{t}: not in model_b")
                continue
            kept.append(item)
        plan = kept
    else:
        name_b = {t: t for _, _, t, _, _ in plan}

    tensors_a = [(t, elem, nb) for _, _, t, elem, nb in plan]
    values_a = _run_chunks(proto_a, fa, tensors_a, max_bytes)
    tensors_b = [(name_b[t], elems[t], nb) for _, _, t, _, nb in plan]
    if model_b is not None:
        inferred_b = _infer(proto_b, fb)
        types_b = _value_types(inferred_b)
        tensors_b = [
            (n, types_b[n].type.tensor_type.elem_type if n in types_b else e, nb)
            for n, e, nb in tensors_b
        ]
    values_b = _run_chunks(proto_b, fb, tensors_b, max_bytes)

    return Intermediates(proto_a, fa, fb, nodes, plan, values_a, values_b, name_b, skipped)


def layerwise(
    model: ModelLike,
    feeds_a: Mapping[str, np.ndarray] | np.ndarray,
    feeds_b: Mapping[str, np.ndarray] | np.ndarray,
    *,
    threshold: float = 0.999,
    outputs: Sequence[str] | None = None,
    model_b: ModelLike | None = None,
    max_bytes: int = 512 * 2**20,
) -> LayerwiseResult:
    """Compare every float intermediate tensor between two runs, in topological order.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
        The model (run A; run B too unless ``model_b`` is given).
    feeds_a, feeds_b : dict of str to numpy.ndarray, or numpy.ndarray
        One array per model input (a bare array for a one-input model), e.g. the
        reference tensor and the NV12-path tensor, each (1, C, H, W) float32.
    threshold : float
        :attr:`LayerwiseResult.first_below` is the first node output whose cosine is
        below this (the vendors' analysis tools flag ~0.999 for int8).
    outputs : sequence of str, optional
        Compare only these tensor names (node outputs); default every float tensor
        that depends on a graph input (constant-only subgraphs, ``Constant`` and
        ``Shape`` nodes are left out).
    model_b : Model, path, bytes or onnx.ModelProto, optional
        Run B with another model on ``feeds_b``, e.g. the QDQ model from
        :func:`~nv12_widgets.model.quantize_model` against its float original (pass the
        same feeds twice). Tensors are matched by name; a quantised tensor ``t`` is read
        from ``t_DequantizeLinear_Output`` when the QDQ model has it (onnxruntime's
        naming), i.e. after its int8 round trip.
    max_bytes : int
        Largest total size of intermediate tensors fetched in one run (estimated from
        inferred shapes); bigger graphs run several times.

    Returns
    -------
    LayerwiseResult

    Raises
    ------
    InputError
        Bad model or feeds (missing / unknown input names, wrong shapes), a threshold
        outside [-1, 1], unknown ``outputs`` names, onnxruntime failing on the feeds.

    Examples
    --------
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> vi = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])
    >>> relu = helper.make_node("Relu", ["x"], ["r"], name="relu")
    >>> scale = helper.make_node("Mul", ["r", "w"], ["y"], name="scale")
    >>> w = numpy_helper.from_array(np.array([1, 1, 1, 10], np.float32), "w")
    >>> graph = helper.make_graph([relu, scale], "g", [vi("x")], [vi("y")], [w])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> ref = np.array([[1, 2, 3, 4]], np.float32)
    >>> res = layerwise(tiny, ref, ref + np.float32(0.5))  # a bare array: the only input
    >>> [(r.node, round(r.cosine, 4)) for r in res.rows], res.first_below.node
    ([('relu', 0.998), ('scale', 0.9999)], 'relu')
    """
    if not (isinstance(threshold, int | float) and -1.0 <= float(threshold) <= 1.0):
        raise InputError(f"threshold must be a cosine in [-1, 1], got {threshold!r}.")
    got = collect_intermediates(
        model, feeds_a, feeds_b, outputs=outputs, model_b=model_b, max_bytes=max_bytes
    )
    proto_a, fa, fb, nodes, plan = got.proto, got.feeds_a, got.feeds_b, got.nodes, got.plan
    values_a, values_b, name_b, skipped = got.values_a, got.values_b, got.name_b, got.skipped
    rows: list[LayerRow] = []
    graph_outputs = {o.name for o in proto_a.graph.output}
    for index, node, t, _, _ in plan:
        a = np.asarray(values_a[t])
        b = np.asarray(values_b[name_b[t]])
        cos, sq, mx, note = _metrics(a, b)
        row = LayerRow(
            index=index,
            node=node.name or f"{node.op_type}_{index}",
            op_type=node.op_type,
            tensor=t,
            shape=tuple(int(s) for s in a.shape),
            cosine=float(cos),
            sqnr_db=float(sq),
            max_abs=float(mx),
            note=note,
        )
        rows.append(row)
    input_rows = []
    for name, a in fa.items():
        b_name = name if name in fb else None
        if b_name is None or a.dtype.kind != "f" or fb[b_name].dtype.kind != "f":
            continue
        cos, sq, mx, note = _metrics(a, fb[b_name])
        input_rows.append(
            LayerRow(
                -1, name, "Input", name, tuple(a.shape), float(cos), float(sq), float(mx), note
            )
        )
    rows = _with_input_cosines(rows, input_rows, nodes)
    out_rows = [r for r in rows if r.tensor in graph_outputs]
    first = next((r for r in rows if r.below(threshold)), None)
    return LayerwiseResult(
        rows=rows,
        threshold=float(threshold),
        first_below=first,
        inputs=input_rows,
        outputs=out_rows,
        skipped=skipped,
    )
