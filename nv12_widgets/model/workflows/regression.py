"""The regression gate: are run B's answers worse than run A's, over the same images?

:func:`diff_runs` pairs two runs image by image and tests the difference:

* two **result sets** (the JSON lines :func:`nv12_widgets.model.evaluate` writes): per
  image the NV12 path's loss ``1 - cosine`` against the float reference (or the
  quantised path's, when both runs have it) for one output, and, per image, whether
  the answer is right (with labels: the top-1 class; without: the task agreement with
  the reference is 1);
* two **board dump folders** (one dump per image, matched by file name, dequantised
  with the ``scale`` / ``zero_point`` of their sidecars): with a folder of reference
  outputs, each dump's loss against its reference; without, the cosine of B against A
  itself (a change, not a direction);
* two **models** (quantised models, toolchain versions) over the same images: each
  model fed the same device tensor (:class:`~nv12_widgets.model.Pipeline`), losses
  against a float reference model when given, and per layer
  (:func:`~nv12_widgets.model.workflows.layerwise`, B against A) on the image that changed most.

Statistics are :mod:`nv12_widgets.model.workflows.dataset`'s (imported, not copied): the paired
bootstrap interval of the mean per-image loss difference
(:func:`~nv12_widgets.model.workflows.dataset.paired_bootstrap_ci`, 2000 resamples, seed 0) and
the exact McNemar test on the right / wrong pairs
(:func:`~nv12_widgets.model.workflows.dataset.mcnemar_exact`).

**Significant regression** (the gate, exit 1 in the CLI): the interval's lower bound of
the loss increase is above ``tolerance`` (default 1e-4, i.e. the whole 95% interval
says B loses more cosine than A by more than that), or McNemar's p is below ``alpha``
(0.05) with more images turned wrong than right. Without a direction (dumps compared
with each other only): any image whose cosine B vs A is below ``1 - tolerance``.
Identical runs are never a regression (every difference is 0).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nv12_widgets.core import InputError, compare_arrays, dequantize, from_json_number, to_jsonable
from nv12_widgets.core.io import open_regular
from nv12_widgets.model.exchange.board import load_tensor, read_sidecar
from nv12_widgets.model.workflows.dataset import list_images, mcnemar_exact, paired_bootstrap_ci

__all__ = ["RunDiff", "diff_dumps", "diff_models", "diff_results", "diff_runs", "read_results"]

_DUMP_SUFFIXES = (".npy", ".bin")


@dataclass(frozen=True, eq=False)
class RunDiff:
    """The paired comparison of two runs.

    Attributes
    ----------
    kind : {"results", "dumps", "models"}
    names : list of str
        The paired images (A and B both have them), in A's order.
    a, b : numpy.ndarray
        Per image, the loss of run A / run B (``1 - cosine`` against the reference), or
        for undirected dump comparisons ``a`` zeros and ``b`` the loss of B against A.
    directed : bool
        ``a`` and ``b`` are measured against a common reference (B better or worse).
    loss_change : (mean, low, high)
        Paired bootstrap mean of ``b - a`` and its 95% interval.
    mcnemar : dict or None
        ``b`` (A right, B wrong), ``c`` (A wrong, B right), ``p``; None without answers.
    regression : bool
        The gate (module docstring).
    reasons : list of str
    only_a, only_b : list of str
        Images present in one run only (not paired).
    layers : list of dict
        Per layer: ``tensor``, ``op_type``, ``cosine`` (B vs A) or ``cosine_a`` /
        ``cosine_b`` / ``delta`` for two layerwise results; worst first.

    Examples
    --------
    Two folders of board dumps compared with each other (no reference: undirected):

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for run, second in (("a", [1.0, 0.0, 0.0]), ("b", [0.0, 1.0, 0.0])):
    ...     (root / run).mkdir()
    ...     np.save(root / run / "img1.npy", np.array([1.0, 2.0, 3.0], np.float32))
    ...     np.save(root / run / "img2.npy", np.array(second, np.float32))
    >>> d = diff_dumps(root / "a", root / "b")
    >>> d.names, d.b.tolist(), d.directed, d.regression
    (['img1', 'img2'], [0.0, 1.0], False, True)
    >>> d.worst(1)
    [{'image': 'img2', 'a': 0.0, 'b': 1.0, 'change': 1.0}]
    >>> d.to_dict()["images"], d.to_dict()["loss_b"]
    (2, 0.5)
    >>> print(d.summary())
    dumps: 2 paired images
      1 - cosine of B vs A: A 0.000e+00, B 5.000e-01; change B - A +5.000e-01 [95% +0.000e+00, +1.000e+00]
      REGRESSION: 1 image(s) changed beyond cosine 0.9999 (e.g. img2)
    """

    kind: str
    names: list[str]
    a: np.ndarray
    b: np.ndarray
    directed: bool
    loss_change: tuple[float, float, float]
    mcnemar: dict[str, float] | None
    regression: bool
    reasons: list[str]
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    layers: list[dict[str, Any]] = field(default_factory=list)
    tolerance: float = 1e-4
    alpha: float = 0.05

    def worst(self, n: int = 10) -> list[dict[str, Any]]:
        """The ``n`` images whose loss grew most from A to B."""
        d = self.b - self.a
        order = np.argsort(-np.nan_to_num(d, nan=-np.inf), kind="stable")[:n]
        return [
            {
                "image": self.names[i],
                "a": float(self.a[i]),
                "b": float(self.b[i]),
                "change": float(d[i]),
            }  # fmt: skip
            for i in order
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible summary (what the HTML section and ``--json`` show)."""
        return to_jsonable(
            {
                "kind": self.kind,
                "images": len(self.names),
                "directed": self.directed,
                "loss_a": _finite_mean(self.a),
                "loss_b": _finite_mean(self.b),
                "loss_change": list(self.loss_change),
                "mcnemar": self.mcnemar,
                "regression": self.regression,
                "reasons": self.reasons,
                "tolerance": self.tolerance,
                "alpha": self.alpha,
                "only_a": self.only_a,
                "only_b": self.only_b,
                "worst": self.worst(),
                "layers": self.layers[:50],
            }
        )

    def summary(self) -> str:
        """A few lines for the terminal."""
        m, lo, hi = self.loss_change
        what = "loss (1 - cosine vs reference)" if self.directed else "1 - cosine of B vs A"
        lines = [
            f"{self.kind}: {len(self.names)} paired images"
            + (
                f" ({len(self.only_a)} only in A, {len(self.only_b)} only in B)"
                if self.only_a or self.only_b
                else ""
            ),  # fmt: skip
            f"  {what}: A {_finite_mean(self.a):.3e}, B {_finite_mean(self.b):.3e}; change B - A "
            f"{m:+.3e} [95% {lo:+.3e}, {hi:+.3e}]"
            if np.isfinite(self.a).any() or np.isfinite(self.b).any()
            else f"  {what}: not measured on any image (no cosine, e.g. a single-value "
            "output): this gate cannot see a change",
        ]
        if self.mcnemar is not None:
            mc = self.mcnemar
            lines.append(
                f"  answers: {mc['b']} right in A only, {mc['c']} right in B only, McNemar exact p = {mc['p']:.4g}"  # fmt: skip
            )
        for row in self.layers[:5]:
            if "delta" in row:
                lines.append(f"  layer {row['tensor']}: cosine A {row['cosine_a']:.6f}, B {row['cosine_b']:.6f}")  # fmt: skip
            else:
                lines.append(f"  layer {row['tensor']} ({row['op_type']}): cosine B vs A {row['cosine']:.6f}")  # fmt: skip
        verdict = "REGRESSION" if self.regression else "no significant regression"
        lines.append(f"  {verdict}" + (": " + "; ".join(self.reasons) if self.reasons else ""))
        return "\n".join(lines)


def _finite_mean(x: np.ndarray) -> float:
    """The mean of the finite values (NaN, without a warning, when there is none)."""
    finite = np.asarray(x, np.float64)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if finite.size else math.nan


# ---------------------------------------------------------------------- the gate
def _gate(kind, names, a, b, directed, right_a, right_b, tolerance, alpha, **extra) -> RunDiff:
    if not (isinstance(tolerance, int | float) and tolerance >= 0):
        raise InputError(f"tolerance must be >= 0, got {tolerance!r}.")
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise InputError(f"alpha must be in (0, 1), got {alpha!r}.")
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    change = paired_bootstrap_ci(a, b)
    reasons = []
    mc = None
    if right_a is not None:
        mc = mcnemar_exact(right_a, right_b)
        if mc["p"] < alpha and mc["b"] > mc["c"]:
            reasons.append(
                f"{mc['b']} images right in A are wrong in B ({mc['c']} the other way), "
                f"McNemar exact p = {mc['p']:.3g} < {alpha}"
            )
    if directed and change[1] > tolerance:
        reasons.append(
            f"the loss grows by {change[0]:.3e} per image, 95% interval [{change[1]:.3e}, "
            f"{change[2]:.3e}] above the tolerance {tolerance:g}"
        )
    if not directed:
        changed = [n for n, v in zip(names, b, strict=True) if not v <= tolerance]
        if changed:
            reasons.append(
                f"{len(changed)} image(s) changed beyond cosine {1 - tolerance:g} "
                f"(e.g. {changed[0]})"
            )
    return RunDiff(
        kind, list(names), a, b, directed, change, mc, bool(reasons), reasons,
        tolerance=float(tolerance), alpha=float(alpha), **extra,
    )  # fmt: skip


def _pair(a_keys: Sequence[str], b_keys: Sequence[str], what: str):
    common = [k for k in a_keys if k in set(b_keys)]
    if not common:
        raise InputError(
            f"The two {what} have no image in common (names differ): nothing to compare. "
            f"A has e.g. {list(a_keys)[:2]}, B {list(b_keys)[:2]}."
        )
    return common, [k for k in a_keys if k not in set(b_keys)], [k for k in b_keys if k not in set(a_keys)]  # fmt: skip


# ---------------------------------------------------------------------- result sets
def read_results(path: str | os.PathLike[str], run: str | None = None):
    """The run header and image records of one run in an :func:`evaluate` results file.

    The file format is :mod:`nv12_widgets.model.workflows.dataset`'s (JSON lines: ``{"kind": "run"}``
    headers, ``{"kind": "image", "run": KEY}`` records; a torn last line is ignored).
    ``run`` picks a run key; default the file's last run header.

    Returns
    -------
    (header, records) : dict, dict of str to dict
        Records of that run by image path (the last record of a path wins).

    Examples
    --------
    >>> import json, tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> def write(name, run, losses):
    ...     records = [{"kind": "run", "run": run}] + [
    ...         {"kind": "image", "run": run, "path": f"img{i}.png", "status": "ok",
    ...          "loss": {"out": {"nv12": v}}}
    ...         for i, v in enumerate(losses)
    ...     ]
    ...     with open(root / name, "w") as fh:
    ...         print(*(json.dumps(r) for r in records), sep="\\n", file=fh)
    >>> write("before.jsonl", "r1", [0.001, 0.002, 0.001, 0.003])
    >>> write("after.jsonl", "r2", [0.011, 0.012, 0.011, 0.013])
    >>> header, records = read_results(root / "before.jsonl")
    >>> header, list(records)
    ({'kind': 'run', 'run': 'r1'}, ['img0.png', 'img1.png', 'img2.png', 'img3.png'])
    >>> read_results(root / "before.jsonl", run="r9")
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: before.jsonl has no run 'r9'; its runs are ['r1'].
    """
    headers: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    with open_regular(path, kind="json", what="results file", limit=2 << 30) as (fh, _size):
        for raw in fh:
            try:
                rec = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue  # a torn line from an interrupted run
            if not isinstance(rec, dict):
                continue
            if rec.get("kind") == "run":
                headers.append(rec)
            elif rec.get("kind") == "image":
                images.append(rec)
    keys = [h.get("run") for h in headers] or list(dict.fromkeys(r.get("run") for r in images))
    if not keys:
        raise InputError(f"{Path(path).name} holds no run: is it a results file of evaluate?")
    key = run if run is not None else keys[-1]
    if key not in keys:
        raise InputError(f"{Path(path).name} has no run {key!r}; its runs are {keys}.")
    header = next((h for h in headers if h.get("run") == key), {"run": key})
    records = {r["path"]: r for r in images if r.get("run") == key and isinstance(r.get("path"), str)}  # fmt: skip
    return header, records


def _loss(rec: Mapping[str, Any], output: str, kind: str) -> float:
    if rec.get("status") != "ok":
        return math.nan
    v = (rec.get("loss") or {}).get(output, {}).get(kind)
    return math.nan if v is None else float(from_json_number(v))


def _right(rec: Mapping[str, Any], header: Mapping[str, Any], output: str, path: str):
    """Whether the image's answer is right: top-1 == label, else agreement == 1."""
    classes = header.get("classes")
    label, pred = rec.get("label"), rec.get("pred")
    if classes and label in classes and pred and path in pred:
        return pred[path][:1] == [classes.index(label)]
    agree = ((rec.get("agreement") or {}).get(output) or {}).get(path)
    return None if agree is None else float(from_json_number(agree)) == 1.0


def diff_results(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    *,
    output: str | None = None,
    run_a: str | None = None,
    run_b: str | None = None,
    tolerance: float = 1e-4,
    alpha: float = 0.05,
) -> RunDiff:
    """Compare two result sets of :func:`~nv12_widgets.model.evaluate`, image by image.

    Examples
    --------
    >>> import json, tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> def write(name, run, losses):
    ...     records = [{"kind": "run", "run": run}] + [
    ...         {"kind": "image", "run": run, "path": f"img{i}.png", "status": "ok",
    ...          "loss": {"out": {"nv12": v}}}
    ...         for i, v in enumerate(losses)
    ...     ]
    ...     with open(root / name, "w") as fh:
    ...         print(*(json.dumps(r) for r in records), sep="\\n", file=fh)
    >>> write("before.jsonl", "r1", [0.001, 0.002, 0.001, 0.003])
    >>> write("after.jsonl", "r2", [0.011, 0.012, 0.011, 0.013])
    >>> d = diff_results(root / "before.jsonl", root / "after.jsonl")
    >>> d.regression, [round(v, 6) for v in d.loss_change]
    (True, [0.01, 0.01, 0.01])
    >>> d.reasons
    ['the loss grows by 1.000e-02 per image, 95% interval [1.000e-02, 1.000e-02] above the tolerance 0.0001']
    """
    ha, ra = read_results(a, run_a)
    hb, rb = read_results(b, run_b)
    names, only_a, only_b = _pair(list(ra), list(rb), "result sets")
    first = next((r for r in ra.values() if r.get("status") == "ok"), None)
    if first is None:
        raise InputError(f"{Path(a).name}: no image was evaluated without error.")
    out = output or ha.get("class_output") or next(iter(first.get("loss") or {}), None)
    if out is None or out not in (first.get("loss") or {}):
        raise InputError(f"No output {out!r} in the results; outputs: {list(first.get('loss') or {})}.")  # fmt: skip
    both_quant = all(not math.isnan(_loss(r, out, "quant")) for r in (ra[names[0]], rb[names[0]]))
    kind, path = ("quant", "quant") if both_quant else ("nv12", "nv12")
    la = [_loss(ra[n], out, kind) for n in names]
    lb = [_loss(rb[n], out, kind) for n in names]
    right_a = [_right(ra[n], ha, out, path) for n in names]
    right_b = [_right(rb[n], hb, out, path) for n in names]
    keep = [i for i in range(len(names)) if right_a[i] is not None and right_b[i] is not None]
    answers = ([right_a[i] for i in keep], [right_b[i] for i in keep]) if keep else (None, None)
    return _gate("results", names, la, lb, True, *answers, tolerance, alpha, only_a=only_a, only_b=only_b)  # fmt: skip


# ---------------------------------------------------------------------- dump folders
def _dumps(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise InputError(f"No folder at {str(folder)!r}; give a folder of board dumps.")
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _DUMP_SUFFIXES
    )
    found: dict[str, Path] = {}
    for p in files:  # save_tensor writes .bin and .npy of the same values: the .npy wins
        if p.stem not in found or p.suffix.lower() == ".npy":
            found[p.stem] = p
    if not found:
        raise InputError(f"{folder} holds no dump (.npy, or .bin with a .json sidecar).")
    return found


def load_dump(path: str | os.PathLike[str]) -> np.ndarray:
    """A board dump as float32: :func:`~nv12_widgets.model.exchange.board.load_tensor`, integer
    codes dequantised with the sidecar's ``scale`` and ``zero_point``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from nv12_widgets.model.exchange.board import save_tensor
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> _ = save_tensor(np.array([-64, 0, 64], np.int8), p, extra={"scale": 0.5})
    >>> load_dump(str(p) + ".bin").tolist()
    [-32.0, 0.0, 32.0]
    """
    arr = load_tensor(path)
    if np.issubdtype(arr.dtype, np.integer):
        try:
            meta = read_sidecar(path)
        except InputError:
            meta = {}
        if "scale" not in meta:
            raise InputError(f"{Path(path).name} holds integer codes and no sidecar 'scale': cannot dequantise it.")  # fmt: skip
        return dequantize(arr, float(meta["scale"]), int(meta.get("zero_point", 0)))
    return arr.astype(np.float32)


def _cos_loss(ref: np.ndarray, test: np.ndarray, where: str) -> float:
    if ref.size != test.size:
        raise InputError(f"{where}: sizes differ ({ref.shape} vs {test.shape}).")
    return 1.0 - compare_arrays(ref, test.reshape(ref.shape)).cosine


def diff_dumps(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    *,
    reference: str | os.PathLike[str] | None = None,
    tolerance: float = 1e-4,
    alpha: float = 0.05,
) -> RunDiff:
    """Compare two folders of board dumps (one per image, matched by name).

    With ``reference`` (a folder of the float model's outputs, same names) each dump's
    loss against its reference is compared (directed); without, B against A.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for run, second in (("a", [1.0, 0.0, 0.0]), ("b", [0.0, 1.0, 0.0])):
    ...     (root / run).mkdir()
    ...     np.save(root / run / "img1.npy", np.array([1.0, 2.0, 3.0], np.float32))
    ...     np.save(root / run / "img2.npy", np.array(second, np.float32))
    >>> d = diff_dumps(root / "a", root / "b")
    >>> d.kind, d.directed, d.regression, d.reasons
    ('dumps', False, True, ['1 image(s) changed beyond cosine 0.9999 (e.g. img2)'])
    >>> diff_dumps(root / "a", root / "a").regression  # identical runs never regress
    False
    """
    da, db = _dumps(Path(a)), _dumps(Path(b))
    names, only_a, only_b = _pair(list(da), list(db), "dump folders")
    if reference is None:
        lb = [_cos_loss(load_dump(da[n]), load_dump(db[n]), n) for n in names]
        return _gate("dumps", names, np.zeros(len(names)), lb, False, None, None, tolerance, alpha, only_a=only_a, only_b=only_b)  # fmt: skip
    dr = _dumps(Path(reference))
    missing = [n for n in names if n not in dr]
    if missing:
        raise InputError(f"The reference folder has no output for {missing[:3]}.")
    la, lb = [], []
    for n in names:
        ref = load_dump(dr[n])
        la.append(_cos_loss(ref, load_dump(da[n]), n))
        lb.append(_cos_loss(ref, load_dump(db[n]), n))
    return _gate("dumps", names, la, lb, True, None, None, tolerance, alpha, only_a=only_a, only_b=only_b)  # fmt: skip


# ---------------------------------------------------------------------- two models
def diff_models(
    a: Any,
    b: Any,
    images: Any,
    config: Any = None,
    *,
    reference: Any = None,
    output: str | None = None,
    layers: bool = True,
    tolerance: float = 1e-4,
    alpha: float = 0.05,
) -> RunDiff:
    """Compare two models (e.g. two quantised builds) fed the same device tensors.

    Each image goes through model A's :class:`~nv12_widgets.model.Pipeline` (``config``)
    once; both models run on that tensor. With ``reference`` (the float model) each
    output's loss against the reference is compared, and an answer is right when its
    task agreement with the reference is 1
    (:func:`~nv12_widgets.model.workflows.dataset.task_kind_agreement`); without, B against A.
    ``layers``: :func:`~nv12_widgets.model.workflows.layerwise` B vs A on the image whose output
    changed most.

    Examples
    --------
    Model B halves the blue channel; the float reference is model A:

    >>> import tempfile
    >>> from PIL import Image
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> def gain_model(gain):
    ...     x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    ...     y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])
    ...     k = numpy_helper.from_array(np.array(gain, np.float32).reshape(1, 3, 1, 1), "k")
    ...     mul = helper.make_node("Mul", ["x", "k"], ["y"], name="mul")
    ...     graph = helper.make_graph([mul], "g", [x], [y], [k])
    ...     return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    >>> images = Path(tempfile.mkdtemp())
    >>> for i in range(3):
    ...     Image.fromarray(np.full((4, 4, 3), 60 * (i + 1), np.uint8)).save(images / f"{i}.png")
    >>> a, b = gain_model([1, 1, 1]), gain_model([1, 1, 0.5])
    >>> d = diff_models(a, b, images, reference=a)
    >>> d.directed, d.regression, round(float(d.b.mean()), 5), d.layers[0]["tensor"]
    (True, True, 0.03775, 'y')
    """
    from nv12_widgets.core import load_image
    from nv12_widgets.model.devicepath.pipeline import Pipeline
    from nv12_widgets.model.devicepath.session import Model
    from nv12_widgets.model.workflows.dataset import task_kind_agreement
    from nv12_widgets.model.workflows.layerwise import layerwise

    ma = a if isinstance(a, Model) else Model(a)
    mb = b if isinstance(b, Model) else Model(b)
    mr = None if reference is None else (reference if isinstance(reference, Model) else Model(reference))  # fmt: skip
    pipe = Pipeline.for_model(ma, config)
    out = output or ma.output_names[0]
    if out not in ma.output_names or out not in mb.output_names:
        raise InputError(f"Output {out!r} is not in both models ({ma.output_names}, {mb.output_names}).")  # fmt: skip
    paths = list_images(images)
    la, lb, right_a, right_b, tensors = [], [], [], [], []
    for p in paths:
        t = pipe.run(load_image(p)).device_tensor
        t = t if t.ndim == len(ma.image.shape) else t[None]
        tensors.append(t)
        ya, yb = ma.run_image(t)[out], mb.run_image(t)[out]
        if mr is None:
            la.append(0.0)
            lb.append(_cos_loss(ya, yb, p))
            continue
        yr = mr.run_image(t)[out]
        la.append(_cos_loss(yr, ya, p))
        lb.append(_cos_loss(yr, yb, p))
        right_a.append(task_kind_agreement(out, yr, ya))
        right_b.append(task_kind_agreement(out, yr, yb))
    rows: list[dict[str, Any]] = []
    if layers and paths:
        worst = int(np.argmax(np.asarray(lb) - np.asarray(la)))
        feeds = {ma.image.name: tensors[worst]}
        res = layerwise(ma, feeds, feeds, model_b=mb)
        rows = sorted(
            ({"tensor": r.tensor, "op_type": r.op_type, "cosine": r.cosine, "image": paths[worst]} for r in res.rows),
            key=lambda r: (not r["cosine"] <= 1.0, r["cosine"]),
        )  # fmt: skip
    answers = (None, None)
    if mr is not None and all(v is not None for v in right_a + right_b):
        answers = ([v == 1.0 for v in right_a], [v == 1.0 for v in right_b])
    return _gate("models", paths, la, lb, mr is not None, *answers, tolerance, alpha, layers=rows)  # fmt: skip


def diff_layers(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per tensor, two layerwise results side by side (``LayerwiseResult.to_dict()``),
    the largest cosine drops from A to B first.

    Examples
    --------
    >>> ra = {"rows": [{"tensor": "t", "op_type": "Conv", "cosine": 0.999}]}
    >>> rb = {"rows": [{"tensor": "t", "op_type": "Conv", "cosine": 0.5}]}
    >>> diff_layers(ra, rb)[0]["delta"]
    -0.499
    """
    rows_a = {r["tensor"]: r for r in a.get("rows", [])}
    out = []
    for r in b.get("rows", []):
        if r.get("tensor") in rows_a:
            ca = float(from_json_number(rows_a[r["tensor"]]["cosine"]))
            cb = float(from_json_number(r["cosine"]))
            out.append({"tensor": r["tensor"], "op_type": r.get("op_type", ""), "cosine_a": ca, "cosine_b": cb, "delta": round(cb - ca, 12)})  # fmt: skip
    if not out:
        raise InputError("The two layerwise results share no tensor name: different models?")
    return sorted(out, key=lambda r: (not r["delta"] <= 1.0, r["delta"]))


def diff_runs(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    *,
    images: Any = None,
    config: Any = None,
    reference: Any = None,
    layers_a: Any = None,
    layers_b: Any = None,
    tolerance: float = 1e-4,
    alpha: float = 0.05,
) -> RunDiff:
    """Dispatch on what ``a`` and ``b`` are: folders -> :func:`diff_dumps`; ``.onnx``
    files -> :func:`diff_models` (needs ``images``); other files -> :func:`diff_results`.
    ``layers_a`` / ``layers_b``: two layerwise results (dicts or JSON files) compared
    per tensor (:func:`diff_layers`).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for run, second in (("a", [1.0, 0.0, 0.0]), ("b", [0.0, 1.0, 0.0])):
    ...     (root / run).mkdir()
    ...     np.save(root / run / "img1.npy", np.array([1.0, 2.0, 3.0], np.float32))
    ...     np.save(root / run / "img2.npy", np.array(second, np.float32))
    >>> diff_runs(root / "a", root / "b").kind  # two folders: board dumps
    'dumps'
    >>> ra = {"rows": [{"tensor": "t", "op_type": "Conv", "cosine": 0.999}]}
    >>> rb = {"rows": [{"tensor": "t", "op_type": "Conv", "cosine": 0.5}]}
    >>> diff_runs(root / "a", root / "b", layers_a=ra, layers_b=rb).layers[0]["delta"]
    -0.499
    """
    pa, pb = Path(a), Path(b)
    for p in (pa, pb):
        if not p.exists():
            raise InputError(f"No file or folder at {str(p)!r}; check the path.")
    if pa.is_dir() != pb.is_dir():
        raise InputError("Compare like with like: two folders of dumps, two result files or two models.")  # fmt: skip
    if pa.is_dir():
        d = diff_dumps(pa, pb, reference=reference, tolerance=tolerance, alpha=alpha)
    elif pa.suffix.lower() == ".onnx" and pb.suffix.lower() == ".onnx":
        if images is None:
            raise InputError("Comparing two models needs the images to run them on (images= / --images).")  # fmt: skip
        d = diff_models(pa, pb, images, config, reference=reference, tolerance=tolerance, alpha=alpha)  # fmt: skip
    else:
        d = diff_results(pa, pb, tolerance=tolerance, alpha=alpha)
    if layers_a is not None and layers_b is not None:
        from dataclasses import replace

        d = replace(d, layers=diff_layers(_layers(layers_a), _layers(layers_b)))
    return d


def _layers(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    from nv12_widgets.core.io import read_json_file

    data = read_json_file(value, what="layerwise result")
    if not isinstance(data, dict) or "rows" not in data:
        raise InputError(f"{Path(value).name} is not a layerwise result (LayerwiseResult.to_dict() JSON).")  # fmt: skip
    return data
