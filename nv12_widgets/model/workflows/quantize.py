"""Post-training int8 quantisation with the config's own preprocessing, and the 2x2 table.

:func:`quantize_model` makes a QDQ model with ``onnxruntime.quantization.quantize_static``
calibrated on images prepared exactly as the reference path of
:func:`~nv12_widgets.model.workflows.compare` prepares them (fit to the model size, training
format, ``(x / divisor - mean) / std``, layout) - or, for a model made by
:func:`~nv12_widgets.model.insert_nv12_preprocess`, on NV12 frames of the same images.

:func:`quant_matrix` is the vendor's verification table: {float, quantized} x
{featuremap input, NV12 input}, every cell's outputs compared with the float model's
output on the featuremap (reference) input.

Traps handled (measured on PaddleOCR's PP-OCRv4 detector):

* ``quant_pre_process`` (shape inference + ORT basic optimisation, which also folds the
  detector's 342 ``Constant`` weight nodes into initializers) imports sympy only for
  *symbolic* shape inference. The image input is fixed to its static size first, so
  plain ONNX shape inference resolves every shape and symbolic inference is skipped
  unless sympy is installed (then it is tried first, and skipped when it fails).
* Per-channel weights need opset >= 13 (``axis`` of Q/DQ): older models are converted
  with ``onnx.version_converter`` first.
* Plain int8 with per-tensor weights can be unusable on re-parameterised / depthwise
  backbones (the detector's output collapses to 0): try ``per_channel=True``, then
  ``activation_type="int16"``, and look at :func:`~nv12_widgets.model.workflows.layerwise` with
  ``model_b=`` to find the layers to keep in float (``nodes_to_exclude``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
import os
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnx

from nv12_widgets.core import (
    InputError,
    compare_arrays,
)
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.graph import (
    ModelLike,
    ensure_opset,
    fix_input_shape,
    json_metadata,
    load_proto,
    nv12_input_names,
    opset_version,
    preprocess_node_names,
)
from nv12_widgets.model.devicepath.session import Model
from nv12_widgets.model.workflows.calibration import (
    IMAGE_SUFFIXES,
    CalibrationCancelled,
    CalibrationFeeds,
    ImageSource,
    ModelFeeds,
    as_rgb,
    data_reader,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "CalibrationCancelled",
    "CalibrationFeeds",
    "QuantCell",
    "QuantMatrix",
    "quant_matrix",
    "quantize_model",
]

Method = Literal["minmax", "entropy", "percentile"]
#: ``metadata_props`` key of a quantised model: the settings it was made with (JSON).
METADATA_KEY = "nv12_widgets.quantize"

_QTYPES = ("int8", "uint8", "int16", "uint16")


# ---------------------------------------------------------------------- quantize
def _qtype(name: str, what: str) -> Any:
    from onnxruntime.quantization import QuantType

    if name not in _QTYPES:
        raise InputError(f"{what}={name!r} is not supported; use one of {list(_QTYPES)}.")
    return {
        "int8": QuantType.QInt8,
        "uint8": QuantType.QUInt8,
        "int16": QuantType.QInt16,
        "uint16": QuantType.QUInt16,
    }[name]


def _pre_process(src: Path, dst: Path) -> str:
    """Run quant_pre_process; returns what was done (for the metadata)."""
    from onnxruntime.quantization import quant_pre_process

    if importlib.util.find_spec("sympy") is not None:
        try:
            quant_pre_process(str(src), str(dst))
            return "symbolic+onnx shape inference, basic optimisation"
        except Exception:  # symbolic inference fails on some graphs: fall back below
            pass
    try:
        quant_pre_process(str(src), str(dst), skip_symbolic_shape=True)
    except Exception as exc:
        raise InputError(
            f"onnxruntime's quant_pre_process failed ({str(exc).splitlines()[0][:300]}); "
            "retry with preprocess=False."
        ) from exc
    return "onnx shape inference, basic optimisation (symbolic shape inference skipped)"


# onnxruntime's quantize_static option names -> create_calibrator's (as quantize_static maps them)
_CALIB_OPTIONS = {
    "CalibTensorRangeSymmetric": "symmetric",
    "CalibMovingAverage": "moving_average",
    "CalibMovingAverageConstant": "averaging_constant",
    "CalibMaxIntermediateOutputs": "max_intermediate_outputs",
    "CalibPercentile": "percentile",
}
#: Histogram bins of the entropy (KL) calibration and the int8 levels it searches over.
ENTROPY_BINS = 512
ENTROPY_QUANTIZED_BINS = 128


def _has_calibration_cache() -> bool:
    import inspect

    from onnxruntime.quantization import quantize_static

    return "calibration_cache_path" in inspect.signature(quantize_static).parameters


def _calibrate(
    src: Path,
    tmpdir: Path,
    feeds: CalibrationFeeds,
    method: str,
    calib_method: Any,
    op_types: list[str] | None,
    options: Mapping[str, Any],
    cache: Path,
) -> str:
    """Collect ranges with onnxruntime's calibrator; entropy thresholds computed here."""
    from onnxruntime.quantization.calibrate import (
        TensorData,
        TensorsData,
        create_calibrator,
        save_tensors_data,
    )

    calib_options = {v: options[k] for k, v in _CALIB_OPTIONS.items() if k in options}
    if method == "entropy":
        calib_options.setdefault("num_bins", ENTROPY_BINS)
        calib_options.setdefault("num_quantized_bins", ENTROPY_QUANTIZED_BINS)
    calibrator = create_calibrator(
        src,
        op_types or [],
        augmented_model_path=str(tmpdir / "augmented.onnx"),
        calibrate_method=calib_method,
        extra_options=calib_options,
    )
    calibrator.collect_data(data_reader(feeds))
    histograms = getattr(getattr(calibrator, "collector", None), "histogram_dict", None)
    if method == "entropy" and histograms is not None:
        levels = int(calib_options["num_quantized_bins"])
        ranges = {}
        for name, h in histograms.items():
            lo, hi = _kl_range(h, levels)
            ranges[name] = TensorData(lowest=lo, highest=hi)  # the histogram is not needed
        tensors = TensorsData(calib_method, ranges)
        how = f"KL divergence over {calib_options['num_bins']} histogram bins, {levels} levels"
    else:
        computed = calibrator.compute_data()
        # Only the ranges are used; histograms would make the cache file slow to write.
        tensors = TensorsData(
            calib_method,
            {
                name: TensorData(lowest=computed[name].lowest, highest=computed[name].highest)
                for name in computed
            },
        )
        how = "onnxruntime " + method
    del calibrator
    save_tensors_data(tensors, cache)
    return how


def _kl_range(histogram: tuple, levels: int) -> tuple:
    """TensorRT's entropy calibration on one histogram: the clipping range of least KL.

    ``histogram`` is onnxruntime's ``(counts, edges, min, max, threshold)`` over
    ``[-threshold, threshold]``. For every symmetric window of at least ``levels`` bins
    around 0, the clipped distribution P (outliers folded into the end bins) is
    compared with its ``levels``-level quantised version Q (each level spread over
    P's non-empty bins); the window with the smallest KL(P || Q) wins, clipped to the
    observed [min, max]. Returns ``(lowest, highest)`` as 0-d arrays of the edges' dtype.
    """
    counts = np.asarray(histogram[0], dtype=np.float64)
    edges = np.asarray(histogram[1])
    lo_seen, hi_seen = histogram[2], histogram[3]
    n = counts.size
    zero = n // 2
    half = levels // 2
    if zero < half:  # fewer bins than levels: nothing to search
        return np.array(lo_seen, edges.dtype), np.array(hi_seen, edges.dtype)
    # All candidate windows at once: row k is the window of half-width i = half + k.
    widths = np.arange(half, zero + 1)
    starts = zero - widths
    ends = np.minimum(zero + widths + 1, n)
    sizes = ends - starts
    cols = np.arange(int(sizes.max()))
    valid = cols[None, :] < sizes[:, None]
    idx = np.minimum(starts[:, None] + cols[None, :], n - 1)
    window = np.where(valid, counts[idx], 0.0)
    cum = np.concatenate([[0.0], np.cumsum(counts)])
    p = window.copy()
    rows = np.arange(len(widths))
    p[rows, 0] += cum[starts]
    p[rows, sizes - 1] += cum[n] - cum[ends]
    # Q: each window in `levels` equal groups (remainder joins the last), each group's
    # mass spread evenly over its non-empty bins.
    group = np.minimum(cols[None, :] // (sizes[:, None] // levels), levels - 1)
    flat = (rows[:, None] * levels + group)[valid]
    nonzero = (window != 0) & valid
    level_sum = np.bincount(flat, weights=window[valid], minlength=len(rows) * levels)
    level_nz = np.bincount(flat, weights=nonzero[valid], minlength=len(rows) * levels)
    gidx = rows[:, None] * levels + group
    q = np.where(nonzero, level_sum[gidx] / np.maximum(level_nz[gidx], 1), 0.0)
    p_tot = p.sum(axis=1, keepdims=True)
    q_tot = q.sum(axis=1, keepdims=True)
    ok = (p_tot[:, 0] > 0) & (q_tot[:, 0] > 0)
    p = p / np.where(p_tot > 0, p_tot, 1.0)
    q = q / np.where(q_tot > 0, q_tot, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / np.maximum(q, 1e-10)), 0.0)
    kl = np.where(ok, terms.sum(axis=1), np.inf)
    k = int(np.argmin(kl))
    start, end = int(starts[k]), int(ends[k])
    dtype = edges.dtype
    lo = max(edges[start], lo_seen)
    hi = min(edges[end], hi_seen)
    return np.array(lo, dtype=dtype), np.array(hi, dtype=dtype)


def quantize_model(
    model: ModelLike,
    calibration_images: Iterable[ImageSource] | str | os.PathLike[str],
    config: PreprocessConfig,
    *,
    method: Method = "minmax",
    per_channel: bool = False,
    percentile: float = 99.999,
    activation_type: Literal["int8", "uint8", "int16", "uint16"] = "int8",
    weight_type: Literal["int8", "uint8"] = "int8",
    preprocess: bool = True,
    nodes_to_exclude: Sequence[str] | None = None,
    op_types_to_quantize: Sequence[str] | None = None,
    extra_feeds: Mapping[str, Any] | None = None,
    extra_options: Mapping[str, Any] | None = None,
    save_path: str | os.PathLike[str] | None = None,
    progress: bool = True,
    cancel: threading.Event | None = None,
) -> onnx.ModelProto:
    """Quantise a model to a QDQ ONNX model, calibrated with the config's preprocessing.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
        A float model with an image input (featuremap), or an NV12-inserted model
        (:func:`~nv12_widgets.model.insert_nv12_preprocess`): then calibration feeds
        NV12 planes and the inserted preprocessing nodes stay in float, so the first
        quantised tensor is the normalised image (as the device quantises its input).
    calibration_images : list of arrays / paths, a folder, or an (N, H, W, 3) array
        RGB uint8 images of any size (fitted to the model like ``compare`` does).
        Real deployments use 20-500 representative images.
    config : PreprocessConfig
        The preprocessing (training format, normalisation, size, layout; NV12 fields for
        NV12-inserted models).
    method : {"minmax", "entropy", "percentile"}
        ``CalibrationMethod.MinMax`` / ``Entropy`` (KL) / ``Percentile``.
    per_channel : bool
        Per-output-channel weight scales (converts opset < 13 to 13 first).
    percentile : float
        For ``method="percentile"``: the ``CalibPercentile`` (e.g. 99.999, 99.99, 99.9).
    activation_type, weight_type : str
        ``"int8"`` (default), ``"uint8"``; activations also ``"int16"`` / ``"uint16"``
        (Q/DQ of opset 21 or onnxruntime's com.microsoft ones: the "int16 for sensitive
        layers" option of NPU toolchains, applied to the whole model).
    preprocess : bool
        Run ``quant_pre_process`` first (shape inference, folding of Constant nodes,
        basic fusions). Without it a model whose weights are ``Constant`` nodes gets its
        weights left in float.
    nodes_to_exclude : sequence of str, optional
        Node names to keep in float (the vendors' "move the worst layers to the CPU").
        Names are those after preprocessing (usually the original ones).
    op_types_to_quantize : sequence of str, optional
        Restrict quantisation to these op types (default: every supported one).
    extra_feeds : mapping, optional
        Values for the model's non-image inputs during calibration.
    extra_options : mapping, optional
        Passed to ``quantize_static`` (e.g. ``{"ActivationSymmetric": True}``); the
        method's own (``CalibPercentile``, ``CalibMaxIntermediateOutputs``) can be
        overridden here.
    save_path : path, optional
        Also write the quantised model there.
    progress : bool
        A ``tqdm.auto`` progress bar over the calibration images.
    cancel : threading.Event, optional
        Checked before each calibration image; when set the run stops with
        :class:`CalibrationCancelled` (nothing is written).

    Returns
    -------
    onnx.ModelProto
        The QDQ model. Its image input is fixed to (1, C, H, W) / (1, H, W, C) at the
        config's size. ``metadata_props["nv12_widgets.quantize"]`` records the settings.

    Raises
    ------
    InputError
        Bad model / images / config (see :func:`~nv12_widgets.model.devicepath.pipeline.plan_input`),
        unknown method or types, a failing pre-processing step.
    CalibrationCancelled
        When ``cancel`` was set.

    Examples
    --------
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])
    >>> w = numpy_helper.from_array(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3, 1, 1), "w")
    >>> g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"])], "g", [x], [y], [w])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> images = np.random.default_rng(0).integers(0, 256, (2, 4, 4, 3), dtype=np.uint8)
    >>> qdq = quantize_model(tiny, images, PreprocessConfig(), progress=False)
    >>> sorted({n.op_type for n in qdq.graph.node})
    ['Conv', 'DequantizeLinear', 'QuantizeLinear']
    >>> settings = quantization_settings(qdq)
    >>> settings["method"], settings["calibration_images"], settings["activation_type"]
    ('minmax', 2, 'int8')
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, quantize_static

    methods = {
        "minmax": CalibrationMethod.MinMax,
        "entropy": CalibrationMethod.Entropy,
        "percentile": CalibrationMethod.Percentile,
    }
    if method not in methods:
        raise InputError(f"method={method!r} is not supported; use one of {list(methods)}.")
    if weight_type not in ("int8", "uint8"):
        raise InputError(f"weight_type={weight_type!r} is not supported; use 'int8' or 'uint8'.")
    act = _qtype(activation_type, "activation_type")
    wt = _qtype(weight_type, "weight_type")
    if not (isinstance(percentile, int | float) and 0 < float(percentile) <= 100):
        raise InputError(f"percentile must be in (0, 100], got {percentile!r} (e.g. 99.999).")

    proto = load_proto(model)
    feeds = CalibrationFeeds(
        proto, calibration_images, config, extra_feeds=extra_feeds, progress=progress, cancel=cancel
    )
    prep = feeds.prep
    if prep.pipeline is not None:
        proto = fix_input_shape(proto, prep.pipeline.plan.name, prep.pipeline.plan.shape)
    original_opset = opset_version(proto)
    proto = ensure_opset(proto, 13 if per_channel else 11)

    options = _calibration_options(extra_options, method, percentile)

    with tempfile.TemporaryDirectory(prefix="nv12_widgets_quant_") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / "float.onnx"
        onnx.save(proto, str(src))
        steps = "none"
        if preprocess:
            pre = tmpdir / "preprocessed.onnx"
            steps = _pre_process(src, pre)
            src = pre
        exclude = _excluded(src, proto, prep.nv12_names is not None, nodes_to_exclude)
        out = tmpdir / "quantized.onnx"
        op_types = list(op_types_to_quantize) if op_types_to_quantize else None
        calibration = "onnxruntime quantize_static"
        try:
            # onnxruntime's histogram calibrators print progress to stdout: keep it quiet.
            with contextlib.redirect_stdout(io.StringIO()):
                kwargs: dict[str, Any] = {}
                if _has_calibration_cache():
                    cache = tmpdir / "calibration.json"
                    calibration = _calibrate(
                        src, tmpdir, feeds, method, methods[method], op_types, options, cache
                    )
                    kwargs["calibration_cache_path"] = str(cache)
                    reader = None
                else:  # older onnxruntime: it calibrates itself (entropy with its defaults)
                    reader = data_reader(feeds)
                quantize_static(
                    str(src),
                    str(out),
                    reader,
                    quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=op_types,
                    per_channel=per_channel,
                    activation_type=act,
                    weight_type=wt,
                    nodes_to_exclude=exclude or None,
                    calibrate_method=methods[method],
                    extra_options=options,
                    **kwargs,
                )
        except (CalibrationCancelled, InputError):
            raise
        except Exception as exc:
            raise InputError(
                f"onnxruntime's quantize_static failed: {str(exc).splitlines()[0][:300]}"
            ) from exc
        finally:
            feeds.close()
        qproto = onnx.load(str(out))
    meta = {
        "method": method,
        "percentile": float(percentile) if method == "percentile" else None,
        "per_channel": per_channel,
        "activation_type": activation_type,
        "weight_type": weight_type,
        "calibration_images": feeds.count,
        "preprocess": steps,
        "calibration": calibration,
        "opset": {"original": original_opset, "quantized": opset_version(qproto)},
        "nodes_excluded": len(exclude),
        "config": config.to_dict(),
    }
    _record(qproto, proto, meta)
    if save_path is not None:
        Path(save_path).parent.mkdir(parents=True, exist_ok=True)
        onnx.save(qproto, str(save_path))
    return qproto


def _excluded(src: Path, proto: onnx.ModelProto, nv12: bool, nodes_to_exclude) -> list[str]:
    """The nodes kept in float: the user's, and an NV12-inserted model's preprocessing."""
    exclude = list(nodes_to_exclude or [])
    if nv12:
        pre_proto = onnx.load(str(src))
        if not any(p.key == "nv12_widgets.nv12_preprocess" for p in pre_proto.metadata_props):
            pre_proto.metadata_props.extend(proto.metadata_props)
        exclude += [n for n in preprocess_node_names(pre_proto) if n not in exclude]
    return exclude


def _calibration_options(extra_options, method: str, percentile: float) -> dict[str, Any]:
    """onnxruntime's ``extra_options`` for the calibration ``method``."""
    options = dict(extra_options or {})
    if method == "percentile":
        options.setdefault("CalibPercentile", float(percentile))
    if method == "minmax":
        # Ranges are merged every 16 images instead of keeping every image's tensors.
        options.setdefault("CalibMaxIntermediateOutputs", 16)
    return options


def _record(qproto: onnx.ModelProto, proto: onnx.ModelProto, meta: dict) -> None:
    """Keep the float model's metadata (e.g. the NV12 insertion record) and add ours."""
    props = {p.key: p.value for p in proto.metadata_props}
    props.update({p.key: p.value for p in qproto.metadata_props})
    props[METADATA_KEY] = json.dumps(meta)
    del qproto.metadata_props[:]
    for key, value in props.items():
        qproto.metadata_props.add(key=key, value=value)


def quantization_settings(model: ModelLike) -> dict[str, Any] | None:
    """The settings :func:`quantize_model` recorded in a quantised model, or None."""
    return json_metadata(model, METADATA_KEY)


# ---------------------------------------------------------------------- the 2x2 table
ROWS = ("float", "quantized")
COLUMNS = ("featuremap", "nv12")


@dataclass(frozen=True)
class QuantCell:
    """One output of one cell, compared with the float featuremap output.

    ``cosine`` is NaN (with ``note``) when the output holds NaN/Inf or its shape differs.

    Examples
    --------
    >>> QuantCell(0.99, 20.0, 0.1).to_dict()
    {'cosine': 0.99, 'sqnr_db': 20.0, 'max_abs': 0.1, 'note': ''}
    """

    cosine: float
    sqnr_db: float
    max_abs: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "cosine": self.cosine,
            "sqnr_db": self.sqnr_db,
            "max_abs": self.max_abs,
            "note": self.note,
        }


def _cell(ref: np.ndarray, out: np.ndarray) -> QuantCell:
    m = compare_arrays(ref, out)
    return QuantCell(m.cosine, m.sqnr_db, m.max_abs, m.note)


@dataclass(frozen=True, eq=False)
class QuantMatrix:
    """The vendor's 2x2 table: {float, quantized} x {featuremap, NV12} input.

    Attributes
    ----------
    outputs : list of str
        Output names compared.
    cells : dict
        ``cells[row][column][output]`` -> :class:`QuantCell` or None (a cell that does
        not apply, e.g. the featuremap column of an NV12-inserted model). Rows
        "float", "quantized"; columns "featuremap", "nv12". The reference is
        ``cells["float"]["featuremap"]`` (cosine 1 by definition).
    symptoms : dict
        The vendor's two symptoms, per output (cosine): ``"quantized nv12 vs quantized
        featuremap"`` (symptom 1) and ``"quantized nv12 vs float nv12"`` (symptom 2,
        float standing in for QAT).
    arrays : dict
        ``arrays[(row, column)][output]`` -> the output array (None for cells not run).

    Examples
    --------
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])
    >>> w = numpy_helper.from_array(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3, 1, 1), "w")
    >>> g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"])], "g", [x], [y], [w])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> images = np.random.default_rng(0).integers(0, 256, (2, 4, 4, 3), dtype=np.uint8)
    >>> qdq = quantize_model(tiny, images, PreprocessConfig(), progress=False)
    >>> m = quant_matrix(tiny, qdq, images[0], PreprocessConfig())
    >>> m.cosine("float", "featuremap"), round(m.cosine("quantized", "featuremap"), 3)
    (1.0, 1.0)
    >>> round(m.cosine("float", "nv12"), 3), round(m.cosine("quantized", "nv12"), 3)
    (0.976, 0.976)
    >>> sorted(m.to_dict()), m.to_dict()["reference"]
    (['cells', 'outputs', 'reference', 'symptoms'], 'float/featuremap')
    >>> print("\\n".join(m.to_markdown().splitlines()[:5]))
    output `y`: cosine vs float model on featuremap input
    <BLANKLINE>
    | model | featuremap input | NV12 input |
    |---|---:|---:|
    | float | 1.000000 (reference) | 0.976072 (13.2 dB) |
    """

    outputs: list[str]
    cells: dict[str, dict[str, dict[str, QuantCell] | None]]
    symptoms: dict[str, dict[str, float]] = field(default_factory=dict)
    arrays: dict[tuple[str, str], dict[str, np.ndarray] | None] = field(
        default_factory=dict, repr=False
    )

    def cosine(self, row: str, column: str, output: str | None = None) -> float:
        """Cosine of one cell (``output`` default: the first output); NaN for n/a cells."""
        if row not in ROWS or column not in COLUMNS:
            raise InputError(f"row must be one of {ROWS} and column one of {COLUMNS}.")
        name = output if output is not None else self.outputs[0]
        cell = self.cells[row][column]
        if cell is None:
            return math.nan
        if name not in cell:
            raise InputError(f"No output {name!r}; outputs are {self.outputs}.")
        return cell[name].cosine

    def to_dict(self) -> dict[str, Any]:
        """``{"reference": "float/featuremap", "cells": {row: {column: {output: {...}} | None}},
        "symptoms": {...}}``."""
        cells: dict[str, Any] = {}
        for r in ROWS:
            cells[r] = {}
            for c in COLUMNS:
                cell = self.cells[r][c]
                cells[r][c] = None if cell is None else {o: m.to_dict() for o, m in cell.items()}
        return {
            "reference": "float/featuremap",
            "outputs": list(self.outputs),
            "cells": cells,
            "symptoms": self.symptoms,
        }

    def to_markdown(self) -> str:
        """One markdown table per output: cosine (SQNR) of each cell vs float featuremap."""

        def fmt(cell: dict[str, QuantCell] | None, o: str, ref: bool = False) -> str:
            if cell is None:
                return "n/a"
            m = cell[o]
            if math.isnan(m.cosine):
                return f"NaN ({m.note})"
            if ref:
                return f"{m.cosine:.6f} (reference)"
            sq = "inf" if math.isinf(m.sqnr_db) else f"{m.sqnr_db:.1f} dB"
            return f"{m.cosine:.6f} ({sq})"

        parts = []
        for o in self.outputs:
            lines = [
                f"output `{o}`: cosine vs float model on featuremap input",
                "",
                "| model | featuremap input | NV12 input |",
                "|---|---:|---:|",
            ]
            for r in ROWS:
                lines.append(
                    f"| {r} | {fmt(self.cells[r]['featuremap'], o, ref=r == 'float')} | "
                    f"{fmt(self.cells[r]['nv12'], o)} |"
                )
            for label, per_out in self.symptoms.items():
                if o in per_out:
                    lines.append(f"\n{label}: cosine {per_out[o]:.6f}")
            parts.append("\n".join(lines))
        return "\n\n".join(parts)

    def __str__(self) -> str:
        return self.to_markdown()


def _as_model(m: ModelLike) -> Model:
    return m if isinstance(m, Model) else Model(m)


def quant_matrix(
    float_model: ModelLike,
    quant_model: ModelLike,
    image: ImageSource,
    config: PreprocessConfig,
    *,
    extra_feeds: Mapping[str, Any] | None = None,
) -> QuantMatrix:
    """Fill the vendor's 2x2 verification table for one image.

    Parameters
    ----------
    float_model : Model, path, bytes or onnx.ModelProto
        The float model with a featuremap (normalised float) image input: the reference.
    quant_model : Model, path, bytes or onnx.ModelProto
        Its quantised version (e.g. from :func:`quantize_model`), with a featuremap input
        or NV12-inserted (``y`` / ``uv`` inputs): then only its NV12 cell applies.
    image : (H, W, 3) uint8 RGB array or path
        Fitted to the model size with the config's resize policy.
    config : PreprocessConfig
        The preprocessing; the NV12 column uses the config's NV12 path exactly as
        :func:`~nv12_widgets.model.workflows.compare` (``rgb_to_nv12`` with its swing / matrix /
        chroma / profile, ``nv12_to_format`` with its decode swing / upsampling), or
        feeds that frame's planes to an NV12-inserted model.
    extra_feeds : mapping, optional
        Values for non-image inputs.

    Returns
    -------
    QuantMatrix
        Every cell's outputs compared with the float model's output on the featuremap
        (reference) input: cosine, SQNR, max abs, per output.

    Examples
    --------
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])
    >>> w = numpy_helper.from_array(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3, 1, 1), "w")
    >>> g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"])], "g", [x], [y], [w])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> images = np.random.default_rng(0).integers(0, 256, (2, 4, 4, 3), dtype=np.uint8)
    >>> qdq = quantize_model(tiny, images, PreprocessConfig(), progress=False)
    >>> m = quant_matrix(tiny, qdq, images[0], PreprocessConfig())
    >>> {label: round(c["y"], 3) for label, c in m.symptoms.items()}
    {'symptom 1: quantized nv12 vs quantized featuremap': 0.976, 'symptom 2: quantized nv12 vs float nv12': 1.0}

    Raises
    ------
    InputError
        A float model that is NV12-inserted (the reference needs the featuremap input),
        a quantised model whose outputs differ in name, or the usual bad image / config.
    """
    fm = _as_model(float_model)
    qm = _as_model(quant_model)
    fproto = fm.proto
    if nv12_input_names(fproto) is not None:
        raise InputError(
            "float_model is NV12-inserted; give the featuremap float model (the reference "
            "of the table is its output on the featuremap input)."
        )
    prep = ModelFeeds(fproto, config, extra_feeds)
    assert prep.pipeline is not None
    run = prep.pipeline.run(as_rgb(image))
    frame, x_ref, x_nv12 = run.frame, run.reference_tensor, run.device_tensor
    name = prep.pipeline.plan.name
    extra = prep.extra

    def run(model: Model, column: str) -> dict[str, np.ndarray] | None:
        names = nv12_input_names(model.proto)
        if names is not None:
            if column == "featuremap":
                return None
            y, uv = frame.as_model_inputs()
            feeds = {names[0]: np.ascontiguousarray(y), names[1]: np.ascontiguousarray(uv)}
        else:
            x = x_ref if column == "featuremap" else x_nv12
            info = model.input(name) if name in model.input_names else None
            if info is None:
                raise InputError(
                    f"{model.name!r} has no input {name!r} (its inputs: {model.input_names}); "
                    "the quantised model must keep the float model's input names."
                )
            feeds = {name: x.astype(info.dtype, copy=False)}
        feeds.update({k: v for k, v in extra.items() if k in model.input_names})
        return model.run(feeds)

    arrays: dict[tuple[str, str], dict[str, np.ndarray] | None] = {}
    for row, model in (("float", fm), ("quantized", qm)):
        for col in COLUMNS:
            arrays[(row, col)] = run(model, col)
    reference = arrays[("float", "featuremap")]
    assert reference is not None
    outputs = list(reference)
    missing = [o for o in outputs if o not in qm.output_names]
    if missing:
        raise InputError(
            f"The quantised model lacks output(s) {missing} of the float model (its outputs: "
            f"{qm.output_names})."
        )
    cells: dict[str, dict[str, dict[str, QuantCell] | None]] = {r: {} for r in ROWS}
    for (row, col), outs in arrays.items():
        cells[row][col] = (
            None if outs is None else {o: _cell(reference[o], outs[o]) for o in outputs}
        )

    symptoms: dict[str, dict[str, float]] = {}
    qn, qf, fn = (
        arrays[("quantized", "nv12")],
        arrays[("quantized", "featuremap")],
        arrays[("float", "nv12")],
    )
    if qn is not None and qf is not None:
        symptoms["symptom 1: quantized nv12 vs quantized featuremap"] = {
            o: _cell(qf[o], qn[o]).cosine for o in outputs
        }
    if qn is not None and fn is not None:
        symptoms["symptom 2: quantized nv12 vs float nv12"] = {
            o: _cell(fn[o], qn[o]).cosine for o in outputs
        }
    return QuantMatrix(outputs=outputs, cells=cells, symptoms=symptoms, arrays=arrays)
