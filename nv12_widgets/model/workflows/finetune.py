"""Fine-tune a classifier's head on what the device really feeds it, on CPU, in minutes.

The cheapest retraining that uses the device path: keep the network's features, refit
the last fully-connected layer. Three steps, each usable alone:

* :func:`feature_tensor` / :func:`extract_features`: the tensor the final fully-connected
  layer reads (the penultimate features), found in the graph - the data input of the
  last ``MatMul``/``Gemm`` whose weight is an initializer - and added as a graph output,
  then computed with onnxruntime for a batch of input tensors;
* :func:`fit_head`: a multinomial logistic regression on those features
  (scikit-learn's ``LogisticRegression``, lbfgs, L2), deterministic;
* :func:`with_head`: graph surgery writing a head back: the nodes after the feature
  tensor are replaced by ``Gemm(features, W, b, transB=1)`` + ``Softmax(axis=-1)``
  producing the model's original output name, so every tool that reads the model (its
  class metadata, :func:`~nv12_widgets.model.workflows.dataset.evaluate`) sees the same interface.

Fit one head on the training tensors (``Pipeline.reference_tensor``) and one on the
device path's tensors (:class:`~nv12_widgets.model.devicepath.training.DevicePathTransform`), then
compare both with :func:`~nv12_widgets.model.workflows.dataset.evaluate` on held-out images
(``notebooks/10_train_on_the_device_path.ipynb``).

Examples
--------
>>> import numpy as np
>>> from onnx import TensorProto, helper, numpy_helper
>>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])
>>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])
>>> w = numpy_helper.from_array(np.eye(3, 2, dtype=np.float32), "w")
>>> g = helper.make_graph([helper.make_node("Relu", ["x"], ["f"]),
...     helper.make_node("MatMul", ["f", "w"], ["l"]),
...     helper.make_node("Softmax", ["l"], ["y"], axis=-1)], "g", [x], [y], [w])
>>> m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
>>> feature_tensor(m)
'f'
>>> feats = extract_features(m, np.array([[1, -2, 3], [0, 5, 1]], np.float32))
>>> feats.tolist()
[[1.0, 0.0, 3.0], [0.0, 5.0, 1.0]]
>>> head = with_head(m, np.array([[0, 0, 1], [0, 1, 0]], np.float32), np.zeros(2, np.float32))
>>> out = extract_features(head, np.array([[1, -2, 3]], np.float32), tensor="y")
>>> int(out.argmax()), round(float(out.sum()), 6)
(0, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from nv12_widgets.core import InputError
from nv12_widgets.model.devicepath.graph import ModelLike, graph_inputs, load_proto

__all__ = ["extract_features", "feature_tensor", "fit_head", "with_head"]


def _final_fc(proto: onnx.ModelProto) -> onnx.NodeProto:
    inits = {t.name for t in proto.graph.initializer}
    fcs = [
        n
        for n in proto.graph.node
        if n.op_type in ("MatMul", "Gemm") and len(n.input) >= 2 and n.input[1] in inits
    ]
    if not fcs:
        raise InputError(
            "No final fully-connected layer (a MatMul or Gemm with an initializer weight) in "
            "the graph: pass the feature tensor's name as tensor=."
        )
    return fcs[-1]


def feature_tensor(model: ModelLike) -> str:
    """The name of the tensor the model's last fully-connected layer reads.

    Examples
    --------
    >>> from nv12_widgets.model import demo_model_path
    >>> feature_tensor(demo_model_path("orientation"))     # PP-LCNet's pooled features
    'p2o.pd_op.flatten.0.0'
    """
    return _final_fc(load_proto(model, copy=False)).input[0]


def _producers(proto: onnx.ModelProto, tensor: str) -> list[onnx.NodeProto]:
    """The nodes ``tensor`` depends on, in graph order."""
    producer = {o: n for n in proto.graph.node for o in n.output if o}
    needed: set[int] = set()
    todo = [tensor]
    seen: set[str] = set()
    while todo:
        t = todo.pop()
        if t in seen or t not in producer:
            continue
        seen.add(t)
        node = producer[t]
        needed.add(id(node))
        todo.extend(i for i in node.input if i)
        for a in node.attribute:  # tensors read by subgraphs (If/Loop bodies)
            if a.type == onnx.AttributeProto.GRAPH:
                todo.extend(i for sub in a.g.node for i in sub.input if i)
    return [n for n in proto.graph.node if id(n) in needed]


def _truncated(proto: onnx.ModelProto, tensor: str) -> onnx.ModelProto:
    """``proto`` computing only ``tensor`` (as its single output)."""
    nodes = _producers(proto, tensor)
    if not nodes and tensor not in {i.name for i in proto.graph.input}:
        raise InputError(f"no tensor {tensor!r} in the model.")
    used = {i for n in nodes for i in n.input} | {
        i for n in nodes for a in n.attribute if a.type == onnx.AttributeProto.GRAPH
        for s in a.g.node for i in s.input
    }  # fmt: skip
    out = onnx.ModelProto()
    out.CopyFrom(proto)
    del out.graph.node[:]
    out.graph.node.extend(nodes)
    inits = [t for t in proto.graph.initializer if t.name in used]
    del out.graph.initializer[:]
    out.graph.initializer.extend(inits)
    del out.graph.output[:]
    out.graph.output.append(helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT, None))
    return out


def extract_features(
    model: ModelLike,
    tensors: Any,
    *,
    tensor: str | None = None,
    input_name: str | None = None,
    batch: int = 16,
    threads: int | None = None,
) -> np.ndarray:
    """The feature tensor for each input tensor, stacked: ``(N, features)``.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
    tensors : array (N, ...) or sequence of arrays
        Model input tensors (with or without the batch axis of 1).
    tensor : str, optional
        The tensor to read (default :func:`feature_tensor`).
    batch : int
        Inputs per onnxruntime run (the model's batch axis must be dynamic; otherwise
        use ``batch=1``).

    Examples
    --------
    >>> from nv12_widgets.model import demo_model_path
    >>> x = np.zeros((2, 3, 224, 224), np.float32)
    >>> extract_features(demo_model_path("orientation"), x).shape
    (2, 1280)
    """
    import onnxruntime as ort

    proto = load_proto(model, copy=False)
    tensor = tensor or _final_fc(proto).input[0]
    names = [i.name for i in graph_inputs(proto)]
    if input_name is None:
        if len(names) != 1:
            raise InputError(f"The model has inputs {names}: pass input_name=.")
        input_name = names[0]
    items = [np.asarray(t, np.float32) for t in tensors]
    if not items:
        raise InputError("no tensors given.")
    shape = items[0].shape[1:] if items[0].shape[0] == 1 else items[0].shape
    rows = [t.reshape(shape) for t in items]
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = int(threads)
    sess = ort.InferenceSession(
        _truncated(proto, tensor).SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    out = []
    for i in range(0, len(rows), max(1, int(batch))):
        x = np.stack(rows[i : i + max(1, int(batch))])
        out.append(sess.run([tensor], {input_name: x})[0])
    feats = np.concatenate(out)
    return feats.reshape(len(rows), -1)


def fit_head(
    features: np.ndarray, labels: Sequence[int], *, c: float = 1.0, max_iter: int = 5000
) -> tuple[np.ndarray, np.ndarray]:
    """A multinomial logistic-regression head: ``(W (classes, features), b (classes,))``.

    scikit-learn's ``LogisticRegression(C=c, solver="lbfgs")`` (deterministic: lbfgs has
    no random state). Every class index in ``0..max(labels)`` must occur.

    Examples
    --------
    >>> f = np.array([[0.0, 1.0], [0.1, 0.9], [1.0, 0.0], [0.9, 0.2]])
    >>> w, b = fit_head(f, [0, 0, 1, 1])
    >>> w.shape, b.shape, (f @ w.T + b).argmax(1).tolist()
    ((2, 2), (2,), [0, 0, 1, 1])
    """
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise InputError(f"fit_head needs scikit-learn: pip install scikit-learn ({exc}).") from exc
    x = np.asarray(features, np.float64)
    y = np.asarray(labels, np.int64)
    if x.ndim != 2 or len(x) != len(y) or len(y) == 0:
        raise InputError(f"features must be (N, F) with N labels; got {x.shape} and {y.shape}.")
    classes = np.unique(y)
    if classes.tolist() != list(range(int(y.max()) + 1)):
        raise InputError(f"labels must cover 0..{int(y.max())}; got {classes.tolist()}.")
    clf = LogisticRegression(C=float(c), max_iter=int(max_iter))
    clf.fit(x, y)
    w, b = clf.coef_, clf.intercept_
    if len(classes) == 2:  # sklearn's binary form: one row; as two softmax rows
        w, b = np.vstack([-w / 2, w / 2]), np.array([-b[0] / 2, b[0] / 2])
    return w.astype(np.float32), b.astype(np.float32)


def with_head(
    model: ModelLike,
    weights: np.ndarray,
    bias: np.ndarray,
    *,
    tensor: str | None = None,
    softmax: bool = True,
) -> onnx.ModelProto:
    """``model`` with the layers after ``tensor`` replaced by ``Gemm`` (+ ``Softmax``).

    The new head writes the model's first output (same name, shape ``(N, classes)``);
    other outputs are dropped; metadata (e.g. class names) is kept.

    Examples
    --------
    >>> from nv12_widgets.model import demo_model_path
    >>> m = with_head(demo_model_path("orientation"), np.zeros((4, 1280)), np.zeros(4))
    >>> [n.op_type for n in m.graph.node[-2:]], m.graph.output[0].name
    (['Gemm', 'Softmax'], 'fetch_name_0')
    """
    proto = load_proto(model)
    tensor = tensor or _final_fc(proto).input[0]
    w = np.asarray(weights, np.float32)
    b = np.asarray(bias, np.float32)
    if w.ndim != 2 or b.shape != (w.shape[0],):
        raise InputError(
            f"weights must be (classes, features), bias (classes,); got {w.shape}, {b.shape}."
        )
    out_name = proto.graph.output[0].name
    body = _truncated(proto, tensor)
    taken = {t for n in proto.graph.node for t in (*n.input, *n.output)}
    wn, bn, logits = (_fresh(taken, f"finetuned_head.{s}") for s in ("W", "b", "logits"))
    body.graph.initializer.extend([numpy_helper.from_array(w, wn), numpy_helper.from_array(b, bn)])
    body.graph.node.append(
        helper.make_node(
            "Gemm",
            [tensor, wn, bn],
            [logits if softmax else out_name],
            name="finetuned_head",
            transB=1,
        )
    )
    if softmax:
        body.graph.node.append(
            helper.make_node("Softmax", [logits], [out_name], name="finetuned_softmax", axis=-1)
        )
    batch = onnx.TensorShapeProto.Dimension()
    first = proto.graph.input[0].type.tensor_type.shape.dim
    if first:
        batch.CopyFrom(first[0])
    del body.graph.output[:]
    vi = helper.make_tensor_value_info(out_name, onnx.TensorProto.FLOAT, [None, w.shape[0]])
    vi.type.tensor_type.shape.dim[0].CopyFrom(batch)
    body.graph.output.append(vi)
    onnx.checker.check_model(body)
    return body


def _fresh(taken: set[str], name: str) -> str:
    out, i = name, 0
    while out in taken:
        i += 1
        out = f"{name}_{i}"
    taken.add(out)
    return out
