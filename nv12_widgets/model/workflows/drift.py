"""Per-node drift by cause: where each source of difference appears and which node amplifies it.

The vendors' per-layer tools print one long table of similarities between two runs; users
mix up a node's *own* contribution with the error it inherits (RKNN's "entire" vs
"single", Horizon's cumulative error curve). Here every cause of difference the dashboard
separates gets its own pair of runs through the same graph:

============  =========================  =========================================
cause         run A                      run B
============  =========================  =========================================
format        reference tensor           format tensor (the NV12 frame decoded right:
                                         4:2:0 chroma + swing requantisation only)
conversion    format tensor              nv12 tensor (the device's own decode)
noise         reference tensor           reference + the vendor's U(0, a) noise
quantisation  float model, reference     the quantised (QDQ) model, same feed
============  =========================  =========================================

and for every node output two measures:

* **drift** (cumulative): ``||B - A|| / ||A||`` of the node's output, everything before it
  included (0 = identical); with the cosine for readers of the vendors' tables;
* **amplification** (the node's own): its output drift divided by the largest drift among
  the float tensors it reads (through nodes that were not compared, their inputs'),
  i.e. how much this node multiplies the relative error it is fed. ``> 1``: it amplifies;
  ``< 1``: it attenuates; ``inf``: it creates drift from identical inputs (only possible
  with a different model B: a quantised node's own error).

The first node where each cause's cosine falls below a threshold, and the nodes ranked by
amplification, say *where* each cause starts to matter and *which* node makes it worse.
:meth:`DriftByCause.model_explorer` writes the same numbers as Google's Model Explorer
node data (one overlay per cause and measure, with thresholds); :meth:`DriftByCause.plot`
draws drift against depth along the critical path.

The relative error is the one of ORT's ``qdq_loss_debug`` / Hailo's SNR, expressed as a
ratio (``SQNR = -20 log10(drift)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nv12_widgets.core import InputError
from nv12_widgets.core.io import atomic_write
from nv12_widgets.model.devicepath.graph import ModelLike
from nv12_widgets.model.workflows.layerwise import collect_intermediates

__all__ = [
    "CAUSES",
    "CauseDrift",
    "DriftByCause",
    "NodeDrift",
    "chart_png",
    "drift_by_cause",
    "drift_fields",
    "relative_error",
]

#: The causes, in the order they are shown.
CAUSES = ("format", "conversion", "noise", "quantisation")

#: Which runs each cause compares: (path of run A, path of run B); quantisation compares
#: the float and the quantised model on the reference path.
CAUSE_PATHS = {
    "format": ("reference", "format"),
    "conversion": ("format", "nv12"),
    "noise": ("reference", "noise"),
    "quantisation": ("reference", "reference"),
}


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||b - a|| / ||a||`` in float64 (0 when equal; inf when ``a`` is 0 and ``b`` not;
    NaN with NaN/Inf values).

    Examples
    --------
    >>> relative_error(np.array([3.0, 4.0]), np.array([3.0, 4.5]))
    0.1
    >>> relative_error(np.zeros(2), np.zeros(2))
    0.0
    """
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    if a.shape != b.shape:
        raise InputError(f"relative_error: shapes differ, {a.shape} vs {b.shape}.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return math.nan
    num = float(np.sqrt(np.einsum("i,i->", b - a, b - a)))
    den = float(np.sqrt(np.einsum("i,i->", a, a)))
    if den == 0.0:
        return 0.0 if num == 0.0 else math.inf
    return num / den


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    na, nb = float(np.sqrt(a @ a)), float(np.sqrt(b @ b))
    if not (math.isfinite(na) and math.isfinite(nb)):
        return math.nan
    return 0.0 if na == 0 or nb == 0 else float(a @ b) / (na * nb)


def _ratio(out: float, inp: float) -> float:
    if math.isnan(out) or math.isnan(inp):
        return math.nan
    if inp == 0.0:
        return 0.0 if out == 0.0 else math.inf
    return out / inp


@dataclass(frozen=True)
class NodeDrift:
    """One node output under one cause (see the module docstring).

    Examples
    --------
    >>> r = NodeDrift(1, "scale", "Mul", "y", drift=0.2, cosine=0.98, input_drift=0.1,
    ...               amplification=2.0, reads=("r", "w"))
    >>> r.to_dict()["amplification"], "reads" in r.to_dict()
    (2.0, False)
    """

    index: int
    node: str
    op_type: str
    tensor: str
    drift: float
    cosine: float
    input_drift: float
    amplification: float
    reads: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "node": self.node,
            "op_type": self.op_type,
            "tensor": self.tensor,
            "drift": self.drift,
            "cosine": self.cosine,
            "input_drift": self.input_drift,
            "amplification": self.amplification,
        }


@dataclass(frozen=True, eq=False)
class CauseDrift:
    """Every compared node output of one cause, in topological order.

    Examples
    --------
    >>> rows = [NodeDrift(0, "relu", "Relu", "r", 0.1, 0.9995, 0.1, 1.0, ("x",)),
    ...         NodeDrift(1, "scale", "Mul", "y", 0.3, 0.99, 0.1, 3.0, ("r", "w"))]
    >>> c = CauseDrift("format", rows, threshold=0.999, input_drift=0.1)
    >>> c.first_below.node, [r.node for r in c.ranked(2)], c.row("y").node
    ('scale', ['scale', 'relu'], 'scale')
    """

    cause: str
    rows: list[NodeDrift]
    threshold: float
    input_drift: float

    @property
    def first_below(self) -> NodeDrift | None:
        """The first node whose cosine is below the threshold (NaN counts), or None."""
        return next((r for r in self.rows if not (r.cosine >= self.threshold)), None)

    def ranked(self, n: int = 10) -> list[NodeDrift]:
        """The ``n`` nodes that amplify this cause most (largest amplification first;
        among equal amplifications, the larger drift first)."""
        key = [
            r for r in self.rows if not math.isnan(r.amplification) and (r.drift or r.input_drift)
        ]
        key.sort(key=lambda r: (r.amplification, r.drift), reverse=True)
        return key[:n]

    def row(self, tensor: str) -> NodeDrift:
        for r in self.rows:
            if r.tensor == tensor or r.node == tensor:
                return r
        raise InputError(f"no compared node or tensor {tensor!r} for cause {self.cause!r}.")


@dataclass(frozen=True, eq=False)
class DriftByCause:
    """Per-node drift of each cause (see :func:`drift_by_cause`).

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
    >>> fmt = np.array([[1, 2, 3, 4.5]], np.float32)  # the last value drifts
    >>> d = drift_by_cause(tiny, {"reference": ref, "format": fmt})
    >>> print(d.summary())
    format: input drift 9.13e-02; first below cos 0.999 at relu (Relu, #0); top amplifier scale (Mul) x1.36
    >>> [r.node for r in d.critical_path("format")], d.to_dict()["format"]["first_below"]
    (['relu', 'scale'], 'relu')
    >>> sorted(d.model_explorer())
    ['format amplification', 'format drift']
    >>> import os, tempfile
    >>> [os.path.basename(p) for p in d.save_model_explorer(tempfile.mkdtemp())]
    ['format_drift.json', 'format_amplification.json']
    >>> from matplotlib.figure import Figure  # no display needed
    >>> d.plot(Figure().subplots()).get_yscale()
    'log'
    """

    causes: dict[str, CauseDrift]
    nodes: list[tuple[int, str, str, tuple[str, ...], tuple[str, ...]]] = field(repr=False)
    graph: str = "main"
    #: True when ``cancel`` stopped :func:`drift_by_cause` before every cause was measured.
    cancelled: bool = False

    def __getitem__(self, cause: str) -> CauseDrift:
        if cause not in self.causes:
            raise InputError(f"no cause {cause!r} measured; have {sorted(self.causes)}.")
        return self.causes[cause]

    def summary(self) -> str:
        """One line per cause: where it first crosses the threshold, the top amplifier."""
        lines = []
        for name, c in self.causes.items():
            if not any(r.drift for r in c.rows) and not c.input_drift:
                lines.append(f"{name}: no difference on this path (the two runs are identical)")
                continue
            first = c.first_below
            top = c.ranked(1)
            lines.append(
                f"{name}: input drift {c.input_drift:.2e}; "
                + (
                    f"first below cos {c.threshold} at {first.node} ({first.op_type}, "
                    f"#{first.index})"
                    if first
                    else f"never below cos {c.threshold}"
                )
                + (
                    f"; top amplifier {top[0].node} ({top[0].op_type}) x{top[0].amplification:.3g}"
                    if top
                    else ""
                )
            )
        return "\n".join(lines)

    def critical_path(self, cause: str) -> list[NodeDrift]:
        """From the worst model output back to the input, each step taking the input
        with the largest drift: the chain the plot follows (input first)."""
        c = self[cause]
        by_tensor = {r.tensor: r for r in c.rows}
        if not c.rows:
            return []
        outputs_read = {t for _, _, _, ins, _ in self.nodes for t in ins}
        producer = {t: ins for _, _, _, ins, outs in self.nodes for t in outs}
        ends = [r for r in c.rows if r.tensor not in outputs_read] or c.rows
        current = max(ends, key=lambda r: -1 if math.isnan(r.drift) else r.drift)
        chain = [current]
        seen = {current.tensor}

        def measured_reads(tensors: Sequence[str]) -> list[NodeDrift]:
            out, todo, visited = [], list(tensors), set()
            while todo:  # through nodes that were not compared, to their own inputs
                t = todo.pop()
                if t in visited or t in seen:
                    continue
                visited.add(t)
                if t in by_tensor:
                    out.append(by_tensor[t])
                else:
                    todo.extend(producer.get(t, ()))
            return out

        while True:
            reads = measured_reads(current.reads)
            if not reads:
                break
            current = max(reads, key=lambda r: -1 if math.isnan(r.drift) else r.drift)
            chain.append(current)
        return chain[::-1]

    def to_dict(self) -> dict[str, Any]:
        return {
            name: {
                "threshold": c.threshold,
                "input_drift": c.input_drift,
                "first_below": c.first_below.node if c.first_below else None,
                "rows": [r.to_dict() for r in c.rows],
            }
            for name, c in self.causes.items()
        }

    def model_explorer(self, graph_id: str | None = None) -> dict[str, Any]:
        """Node data for Google's Model Explorer: one overlay per cause and measure.

        Returns ``{"<cause> drift": {graph_id: GraphNodeData}, "<cause> amplification":
        ...}`` as plain JSON-able dicts in Model Explorer's node-data format
        (``model_explorer.node_data_builder``: ``results`` keyed by node id - the ONNX
        adapter ``model-explorer-onnx`` uses the node names - and ``thresholds`` colouring
        the nodes); the graph id is the ONNX graph's name, as that adapter names graphs.
        Write them with :meth:`save_model_explorer` and load them with
        ``model-explorer M.onnx --node_data_paths=...`` or
        ``config().add_node_data_from_path``.
        """
        graph_id = graph_id or self.graph
        out: dict[str, Any] = {}
        for name, c in self.causes.items():
            drift = {r.node: {"value": _finite(r.drift)} for r in c.rows}
            amp = {r.node: {"value": _finite(r.amplification)} for r in c.rows}
            limit = 1.0 - c.threshold
            out[f"{name} drift"] = {
                graph_id: {
                    "results": drift,
                    "thresholds": [
                        {"value": limit * 0.1, "bgColor": "#e6f4ea"},
                        {"value": limit, "bgColor": "#fef7e0"},
                        {"value": 1e300, "bgColor": "#fce8e6"},
                    ],
                }
            }
            out[f"{name} amplification"] = {
                graph_id: {
                    "results": amp,
                    "thresholds": [
                        {"value": 1.0, "bgColor": "#e6f4ea"},
                        {"value": 2.0, "bgColor": "#fef7e0"},
                        {"value": 1e300, "bgColor": "#fce8e6"},
                    ],
                }
            }
        return out

    def save_model_explorer(self, folder: Any, graph_id: str | None = None) -> list[str]:
        """Write one node-data JSON file per overlay into ``folder`` (atomically); returns
        the paths."""
        import json
        from pathlib import Path

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in self.model_explorer(graph_id).items():
            path = folder / (name.replace(" ", "_") + ".json")
            atomic_write(
                path, json.dumps(data, indent=1).encode(), overwrite=True, what="node data"
            )
            paths.append(str(path))
        return paths

    def plot(self, ax: Any = None, causes: Sequence[str] | None = None) -> Any:
        """Drift against depth along each cause's critical path (matplotlib, log scale)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.2))
        for name in causes or list(self.causes):
            if not any(r.drift for r in self.causes[name].rows):
                continue  # nothing to draw on a log scale: the summary says so
            chain = self.critical_path(name)
            xs = [r.index for r in chain]
            ys = [max(r.drift, 1e-12) if math.isfinite(r.drift) else np.nan for r in chain]
            ax.plot(xs, ys, marker=".", label=name)
        ax.set_yscale("log")
        ax.set_xlabel("node (topological order) along the critical path")
        ax.set_ylabel("drift ||B - A|| / ||A||")
        ax.set_title("Drift by cause along the critical path")
        ax.legend(loc="upper left", fontsize=8, bbox_to_anchor=(1.01, 1.0))
        ax.figure.tight_layout()
        return ax


def chart_png(drift: DriftByCause, dpi: int = 110) -> bytes:
    """:meth:`DriftByCause.plot` as PNG bytes (for reports and the dashboard).

    Examples
    --------
    >>> row = NodeDrift(0, "relu", "Relu", "r", 0.1, 0.99, 0.1, 1.0, ("x",))
    >>> d = DriftByCause({"format": CauseDrift("format", [row], 0.999, 0.1)},
    ...                  nodes=[(0, "relu", "Relu", ("x",), ("r",))])
    >>> chart_png(d, dpi=20)[:4]
    b'\\x89PNG'
    """
    import io

    import matplotlib.pyplot as plt

    ax = drift.plot()
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=dpi)
    plt.close(ax.figure)
    return buf.getvalue()


def drift_fields(drift: DriftByCause, *, model_name: str, image_name: str, top: int = 5):
    """Keyword arguments for ``Findings.record`` (the report's "drift by cause" entry):
    the summary as the verdict, the plot as a chart, per cause where it first crosses the
    threshold and its top amplifiers as context.

    Examples
    --------
    >>> row = NodeDrift(0, "relu", "Relu", "r", 0.1, 0.99, 0.1, 1.0, ("x",))
    >>> d = DriftByCause({"format": CauseDrift("format", [row], 0.999, 0.1)},
    ...                  nodes=[(0, "relu", "Relu", ("x",), ("r",))])
    >>> f = drift_fields(d, model_name="det.onnx", image_name="a.jpg")
    >>> f["title"], sorted(f["charts"]), f["context"]["format: first below cos 0.999"]
    ('Drift by cause: a.jpg', ['drift by cause along the critical path'], 'relu (Relu, #0)')
    """
    context: dict[str, Any] = {"model": model_name, "image": image_name}
    for name, c in drift.causes.items():
        first = c.first_below
        context[f"{name}: input drift"] = c.input_drift
        context[f"{name}: first below cos {c.threshold:g}"] = (
            f"{first.node} ({first.op_type}, #{first.index})" if first else "never"
        )
        context[f"{name}: top amplifiers"] = (
            ", ".join(f"{r.node} x{r.amplification:.3g}" for r in c.ranked(top))
            or "none (no difference on this path)"
        )
    return {
        "title": f"Drift by cause: {image_name}",
        "verdict": drift.summary(),
        "charts": {"drift by cause along the critical path": chart_png(drift)},
        "context": context,
    }


def _finite(v: float) -> float | None:
    if math.isnan(v):
        return None
    return 1e300 if math.isinf(v) else float(v)


def _cause_rows(got, cause: str) -> tuple[list[NodeDrift], float]:
    """Drift and amplification of every fetched tensor (one pass, topological order)."""
    effective: dict[str, float] = {}
    for name in got.feeds_a:
        if name in got.feeds_b and np.asarray(got.feeds_a[name]).dtype.kind == "f":
            effective[name] = relative_error(got.feeds_a[name], got.feeds_b[name])
    input_drift = max(effective.values(), default=0.0)
    measured = {}
    for _, _, t, _, _ in got.plan:
        a, b = got.pair(t)
        measured[t] = (relative_error(a, b), _cosine(a, b))
    rows: list[NodeDrift] = []
    plan_by_index: dict[int, list[str]] = {}
    for index, _, t, _, _ in got.plan:
        plan_by_index.setdefault(index, []).append(t)
    for index, node in enumerate(got.nodes):
        ins = [t for t in node.input if t]
        vals = [effective[t] for t in ins if t in effective]
        reads = 0.0 if not vals else (math.nan if any(map(math.isnan, vals)) else max(vals))
        for t in node.output:
            if not t:
                continue
            if t in measured:
                d, cos = measured[t]
                effective[t] = d
                rows.append(
                    NodeDrift(
                        index=index,
                        node=node.name or f"{node.op_type}_{index}",
                        op_type=node.op_type,
                        tensor=t,
                        drift=d,
                        cosine=cos,
                        input_drift=reads,
                        amplification=_ratio(d, reads),
                        reads=tuple(ins),
                    )
                )
            else:
                effective[t] = reads
    return rows, input_drift


def drift_by_cause(
    model: ModelLike,
    tensors: Mapping[str, np.ndarray],
    *,
    quantized: ModelLike | None = None,
    causes: Sequence[str] | None = None,
    input_name: str | None = None,
    threshold: float = 0.999,
    extra_feeds: Mapping[str, np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Any = None,
) -> DriftByCause:
    """Per-node drift of each cause of difference (see the module docstring).

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
        The float model.
    tensors : mapping or Comparison
        The tensors the model is fed on each path, named as a
        :class:`~nv12_widgets.model.Comparison`'s ``tensors`` (pass the comparison
        itself): ``"reference"``, ``"format"`` (the frame decoded right: ``Pipeline.run``'s
        ``format_tensor``), ``"nv12"`` (the device's decode: ``device_tensor``) and
        ``"noise"``. A cause is measured when both of its paths are given.
    quantized : model, optional
        The quantised (QDQ) model: adds the "quantisation" cause (float vs quantised on
        the reference tensor; tensors read after their DequantizeLinear).
    causes : sequence of str, optional
        Only these causes (default: every cause whose runs are available).
    input_name : str, optional
        The image input's name (default: the model's only input).
    threshold : float
        Cosine threshold of :attr:`CauseDrift.first_below` (the vendors flag ~0.999).
    extra_feeds : mapping, optional
        Other inputs of the model, the same on every run.
    progress : callable, optional
        ``progress(done, total)`` after each cause measured (total = the causes to measure).
    cancel : threading.Event, optional
        Checked before each cause: when set, the causes measured so far are returned with
        ``cancelled=True`` (an InputError if none was).

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> vi = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])
    >>> relu = helper.make_node("Relu", ["x"], ["y"], name="relu")
    >>> graph = helper.make_graph([relu], "g", [vi("x")], [vi("y")])
    >>> tiny = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> ref = np.array([[1, 2, 3, 4]], np.float32)
    >>> fmt = np.array([[1, 2, 3, 4.5]], np.float32)
    >>> nv12 = np.array([[1.5, 2, 3, 4.5]], np.float32)
    >>> d = drift_by_cause(tiny, {"reference": ref, "format": fmt, "nv12": nv12})
    >>> list(d.causes), round(d["conversion"].row("relu").drift, 4)
    (['format', 'conversion'], 0.0854)
    """
    from nv12_widgets.model.devicepath.graph import graph_inputs, load_proto

    if not (isinstance(threshold, int | float) and -1.0 <= float(threshold) <= 1.0):
        raise InputError(f"threshold must be a cosine in [-1, 1], got {threshold!r}.")
    tensors = getattr(tensors, "tensors", tensors)  # a Comparison
    if not isinstance(tensors, Mapping):
        raise InputError(
            f"tensors must be a Comparison or a mapping path -> tensor, got {type(tensors).__name__}."
        )
    proto = load_proto(model, copy=False)
    names = [i.name for i in graph_inputs(proto)]
    extra = dict(extra_feeds or {})
    if input_name is None:
        free = [n for n in names if n not in extra]
        if len(free) != 1:
            raise InputError(f"The model has inputs {names}: pass input_name= (and extra_feeds=).")
        input_name = free[0]
    wanted = list(causes) if causes is not None else list(CAUSES)
    unknown = [c for c in wanted if c not in CAUSES]
    if unknown:
        raise InputError(f"unknown causes {unknown}; choose from {list(CAUSES)}.")
    plan = []
    for cause in wanted:
        pa, pb = CAUSE_PATHS[cause]
        if cause == "quantisation" and quantized is None:
            if causes is not None:
                raise InputError("the quantisation cause needs quantized= (a QDQ model).")
            continue
        if pa not in tensors or pb not in tensors:
            if causes is not None:
                raise InputError(f"cause {cause!r} needs the {pa!r} and {pb!r} tensors.")
            continue
        plan.append((cause, pa, pb))
    result: dict[str, CauseDrift] = {}
    got = None
    cancelled = False
    for done, (cause, pa, pb) in enumerate(plan):
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        fa = {input_name: np.asarray(tensors[pa]), **extra}
        fb = {input_name: np.asarray(tensors[pb]), **extra}
        got = collect_intermediates(
            proto, fa, fb, model_b=quantized if cause == "quantisation" else None
        )
        rows, inp = _cause_rows(got, cause)
        result[cause] = CauseDrift(cause, rows, float(threshold), inp)
        if progress is not None:
            progress(done + 1, len(plan))
    if cancelled and not result:
        raise InputError("drift_by_cause was cancelled before any cause was measured.")
    if not result:
        raise InputError(
            "No cause could be measured: give at least the 'reference' and 'format' (format), "
            "'format' and 'nv12' (conversion) or 'reference' and 'noise' tensors."
        )
    nodes = [
        (
            i,
            n.name or f"{n.op_type}_{i}",
            n.op_type,
            tuple(t for t in n.input if t),
            tuple(t for t in n.output if t),
        )
        for i, n in enumerate(got.nodes)
    ]
    return DriftByCause(result, nodes, proto.graph.name or "main", cancelled=cancelled)
