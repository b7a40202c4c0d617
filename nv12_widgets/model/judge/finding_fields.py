"""One Comparison -> Finding assembler, used by the dashboard's Record button and the CLI.

:func:`finding_fields` turns a :class:`~nv12_widgets.model.Comparison` into the keyword
arguments of :meth:`nv12_widgets.report.Findings.record`: title, config, metrics, verdict,
the pictures (planes, error map, output heatmaps), snippets and context. Everything is
built from the comparison's own data (never read back out of widgets), so the dashboard
and ``nv12-widgets report`` record the same finding for the same comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from nv12_widgets.core import error_map, image_like_output, output_heatmaps
from nv12_widgets.model.exchange.snippets import snippets as config_snippets
from nv12_widgets.model.judge.results import Comparison
from nv12_widgets.model.judge.task_pictures import TASKS_CONTEXT_KEY, task_context, task_pictures

__all__ = [
    "DATASET_CONTEXT_KEY",
    "ERROR_MAP_GAIN",
    "LINT_CONTEXT_KEY",
    "VERDICT_CONTEXT_KEY",
    "MAX_OUTPUT_HEATMAPS",
    "dataset_fields",
    "error_map_title",
    "finding_fields",
    "finding_images",
    "finding_metrics",
]

#: Gain of the ``|reference - NV12|`` picture (one grey level becomes 16).
ERROR_MAP_GAIN = 16
#: The finding's context entry holding the configuration linter's findings (a list of
#: ``{"code", "severity", "message", "fields"}``); the HTML report shows it as its own
#: section (``nv12_widgets.report.html``).
LINT_CONTEXT_KEY = "lint"
#: The finding's context entry holding the verdict as ``{"code", "title", "text"}``; the
#: HTML report renders it with the dashboard's verdict view (``nv12_widgets.views``).
VERDICT_CONTEXT_KEY = "verdict"
#: The finding's context entry holding a dataset evaluation (:func:`dataset_fields`); the
#: HTML report shows it as its own "Dataset" section (``nv12_widgets.report.html``).
DATASET_CONTEXT_KEY = "dataset"
#: What a dataset entry keeps of each ground-truth row
#: (``model.workflows.ground_truth.ground_truth_rows``; ``per_class`` is left out).
GROUND_TRUTH_FIELDS = ("task", "path", "what", "metric", "value", "low", "high", "n",
                       "truth_boxes", "exact")  # fmt: skip
#: The fields of a task-answer row (``DatasetResult.task_rows``) a finding keeps.
TASK_FIELDS = ("task", "path", "what", "mean", "low", "high", "n", "changed", "empty")
#: At most this many image-like outputs get reference / NV12 / difference heatmaps.
MAX_OUTPUT_HEATMAPS = 3


def finding_metrics(comparison: Comparison) -> dict[str, dict[str, Any]]:
    """``Comparison.to_dict()`` flattened to a finding's metric values (shape as
    ``"1x1x320x320"``, notes joined, task agreements as ``task_nv12.iou``..., the name
    dropped; the parts of a head as rows of their own, ``"output0[class_scores]"``).

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model import PreprocessConfig, compare
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, 8, 8]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["y"])], "g", [x], [y])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> ramp = np.arange(192, dtype=np.uint8).reshape(8, 8, 3)
    >>> c = compare(tiny, ramp, PreprocessConfig(train_format="gray", swing="studio"))
    >>> row = finding_metrics(c)["y"]
    >>> row["shape"], "name" in row, round(row["cosine_nv12"], 3)
    ('1x1x8x8', False, 1.0)
    """
    metrics: dict[str, dict[str, Any]] = {}
    for output, values in comparison.to_dict().items():
        metrics[output] = _flat_metrics(values)
        for part in values.get("components") or ():
            metrics[part["name"]] = _flat_metrics(part)
    return metrics


def _flat_metrics(values: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("name", "components"):
            continue
        if key == "shape":
            value = "x".join(str(d) for d in value)
        elif key == "notes":
            if not value:
                continue
            value = "; ".join(value)
        elif isinstance(value, dict):  # task agreement: one value per entry
            for sub, v in value.items():
                if sub != "kind" and (v is None or isinstance(v, bool | int | float | str)):
                    row[f"{key}.{sub}"] = v
            continue
        row[key] = value
    return row


def error_map_title(gain: int = ERROR_MAP_GAIN) -> str:
    """The title of the error picture, e.g. ``|reference - NV12| x 16``.

    Examples
    --------
    >>> error_map_title(), error_map_title(4)
    ('|reference - NV12| x 16', '|reference - NV12| x 4')
    """
    return f"|reference - NV12| x {gain}"


def finding_images(comparison: Comparison) -> dict[str, np.ndarray]:
    """The pictures of one comparison: fitted image, Y, interleaved UV, the RGB the
    device's decode rebuilds, the error map, output heatmaps of image-like outputs, and
    the task answers drawn over the image (``model.task_pictures``).

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model import PreprocessConfig, compare
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, 8, 8]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["y"])], "g", [x], [y])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> ramp = np.arange(192, dtype=np.uint8).reshape(8, 8, 3)
    >>> c = compare(tiny, ramp, PreprocessConfig(train_format="gray", swing="studio"))
    >>> for title, picture in finding_images(c).items():
    ...     print(f"{title}: {picture.shape}")
    Image fitted to the model input: (8, 8, 3)
    Y plane: (8, 8)
    UV plane (interleaved): (4, 8)
    RGB rebuilt from NV12: (8, 8, 3)
    |reference - NV12| x 16: (8, 8)
    Output y: reference (0.517..0.669): (8, 8, 3)
    Output y: NV12 path (same scale): (8, 8, 3)
    Output y: |reference - NV12| (0..0): (8, 8, 3)
    """
    frame = comparison.nv12_frame
    images = {
        "Image fitted to the model input": np.ascontiguousarray(comparison.fitted_image),
        "Y plane": frame.y,
        "UV plane (interleaved)": frame.uv_interleaved_image(),
        "RGB rebuilt from NV12": comparison.nv12_rgb(),
        error_map_title(): error_map(
            comparison.reference_input, comparison.nv12_input, gain=ERROR_MAP_GAIN
        ),
    }
    shown = 0
    for name, ref_out in comparison.outputs_reference.items():
        ref = image_like_output(ref_out)
        dev = image_like_output(comparison.outputs_nv12[name])
        if ref is None or dev is None or ref.shape != dev.shape or shown >= MAX_OUTPUT_HEATMAPS:
            continue
        if not (np.all(np.isfinite(ref)) and np.all(np.isfinite(dev))):
            continue
        ref_rgb, dev_rgb, diff_rgb, scale = output_heatmaps(ref, dev)
        images[f"Output {name}: reference ({scale['lo']:.3g}..{scale['hi']:.3g})"] = ref_rgb
        images[f"Output {name}: NV12 path (same scale)"] = dev_rgb
        images[f"Output {name}: |reference - NV12| (0..{scale['diff_max']:.3g})"] = diff_rgb
        shown += 1
    images.update(task_pictures(comparison))  # detections / text boxes / masks
    return images


def finding_fields(
    comparison: Comparison,
    *,
    image_name: str,
    image_size: tuple[int, int] | None = None,
    loading_notes: Iterable[str] = (),
    model_path: str | None = None,
    note: str = "",
    title: str | None = None,
    charts: Mapping[str, bytes] | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The keyword arguments of ``Findings.record`` for one comparison.

    Parameters
    ----------
    comparison : Comparison
    image_name : str
        The image's name or path as the user knows it.
    image_size : (int, int), optional
        (height, width) of the source image.
    loading_notes : iterable of str
        What loading the image changed (EXIF rotation, alpha dropped...).
    model_path : str, optional
        Shown in the context and named in the snippets' command lines.
    note, title : str
        The user's note; the title (default ``"<image>: <verdict title>"``).
    charts : mapping, optional
        Title -> PNG bytes (e.g. the sweep chart).
    context : mapping, optional
        More context rows (they win over the defaults).

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model import PreprocessConfig, compare
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, 8, 8]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["y"])], "g", [x], [y])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> ramp = np.arange(192, dtype=np.uint8).reshape(8, 8, 3)
    >>> c = compare(tiny, ramp, PreprocessConfig(train_format="gray", swing="studio"))
    >>> f = finding_fields(c, image_name="ramp.png", context={"camera": "front"})
    >>> sorted(f)
    ['charts', 'config', 'context', 'images', 'metrics', 'note', 'snippets', 'title', 'verdict']
    >>> f["title"], f["context"]["verdict"]["code"], f["context"]["camera"]
    ('ramp.png: No measurable loss', 'no-loss', 'front')
    """
    v = comparison.verdict()
    h, w = comparison.size
    ctx: dict[str, Any] = {
        "model": model_path or comparison.model_name,
        "model input": comparison.image_input,
        "model input size (HxW)": f"{h}x{w}",
        "layout": comparison.layout,
        "image": image_name,
        VERDICT_CONTEXT_KEY: {"code": v.code, "title": v.title, "text": v.text},
        "image loading notes": list(loading_notes),
        "comparison notes": list(comparison.notes),
    }
    ctx[LINT_CONTEXT_KEY] = [
        {"code": f.code, "severity": f.severity, "message": f.message, "fields": list(f.fields)}
        for f in comparison.lint
    ]
    tasks = task_context(comparison)
    if tasks:
        ctx[TASKS_CONTEXT_KEY] = tasks
    if image_size is not None:
        ctx["image size (HxW)"] = f"{image_size[0]}x{image_size[1]}"
    ctx.update(context or {})
    model_file = (model_path or comparison.model_name).replace("\\", "/").rsplit("/", 1)[-1]
    return {
        "title": title or f"{image_name}: {v.title}",
        "note": note,
        "config": comparison.config.to_dict(),
        "metrics": finding_metrics(comparison),
        "verdict": str(v),
        "images": finding_images(comparison),
        "charts": dict(charts or {}),
        "snippets": config_snippets(
            comparison.config, input_name=comparison.image_input, model_path=model_file
        ),
        "context": ctx,
    }


def dataset_fields(
    result: Any, *, source: str = "", worst: int = 10, output: str | None = None
) -> dict[str, Any]:
    """The dataset evaluation as a finding's context entry, ``{"dataset": {...}}``.

    Every number is read from the :class:`~nv12_widgets.model.workflows.dataset.DatasetResult`'s
    own methods and fields (``decomposition``, ``verdict_counts``, ``agreement``,
    ``accuracy``, ``ground_truth``, ``task_rows``, ``worst``, ``errors``, ``lint``), never from
    widgets: the dashboard and a script record the same section for the same result. Merge it into ``context`` of
    :func:`finding_fields`; the HTML report shows it as a "Dataset" section.

    Parameters
    ----------
    result : DatasetResult
    source : str
        The folder / glob the set came from, as the user knows it.
    worst : int
        How many of the worst images (largest NV12 loss) to keep.
    output : str, optional
        The output the aggregates are for (default: the classifier output, else the first).

    Returns
    -------
    dict
        ``{DATASET_CONTEXT_KEY: {"source", "model", "output", "evaluated", "errors",
        "total", "cancelled", "decomposition": [rows], "verdicts": {code: n},
        "agreement": [{"path", "mean", "low", "high"}], "accuracy": {"n", "rows":
        [{"path", "top1", "low", "high", "diff", "diff_low", "diff_high", "mcnemar_p"}]},
        "ground_truth": [{"task", "path", "what", "metric", "value", "low", "high", "n",
        "truth_boxes" (detections) / "exact" (text)}], "tasks": [{"task", "path", "what",
        "mean", "low", "high", "n", "changed", "empty"}] (each binding's answers vs the
        reference's), "ladder": None or {"rows":
        [{"rung", "what", "n", "loss", "agreement", "accuracy": [mean, low, high] or
        None, "mcnemar_p"}], "board_only": n, "board_only_paths": [path]},
        "worst": [{"path", "loss", "verdict"}], "error_list": [{"path", "error"}],
        "lint": [{"code", "severity", "message", "fields"}]}}``; non-finite numbers stay
        floats here (the findings' JSON policy writes them as ``"nan"``).

    Examples
    --------
    >>> from nv12_widgets.model import PreprocessConfig
    >>> from nv12_widgets.model.workflows.dataset import DatasetResult
    >>> one = {"path": "a.png", "status": "ok", "verdict": "no-loss",
    ...        "loss": {"y": {"nv12": 0.25}}, "agreement": {}}
    >>> r = DatasetResult([one], "m.onnx", "k", PreprocessConfig(), ("y",), total=1, n_boot=50)
    >>> d = dataset_fields(r, source="imgs/")[DATASET_CONTEXT_KEY]
    >>> d["source"], d["evaluated"], d["verdicts"], d["worst"][0]["loss"]
    ('imgs/', 1, {'no-loss': 1}, 0.25)
    """
    name = result.output_name(output)
    decomposition = [
        {k: row[k] for k in ("cause", "what", "mean", "low", "high", "share", "n")}
        for row in result.decomposition(name)
    ]
    agreement = [
        {"path": p, "mean": m, "low": lo, "high": hi}
        for p, (m, lo, hi) in result.agreement(name).items()
    ]
    acc = result.accuracy()
    rows = []
    for p, (m, lo, hi) in acc.get("top1", {}).items():
        row = {"path": p, "top1": m, "low": lo, "high": hi}
        diff = acc["diff"].get(p)
        if diff is not None:
            dm, dlo, dhi = diff["top1"]
            row.update(diff=dm, diff_low=dlo, diff_high=dhi, mcnemar_p=diff["mcnemar"]["p"])
        rows.append(row)
    entry = {
        "source": str(source),
        "model": result.model_name,
        "output": name,
        "evaluated": len(result.ok),
        "errors": len(result.errors),
        "total": result.total,
        "cancelled": bool(result.cancelled),
        "decomposition": decomposition,
        "verdicts": dict(result.verdict_counts()),
        "agreement": agreement,
        "accuracy": {"n": int(acc.get("n", 0)), "rows": rows},
        "ground_truth": [
            {k: r[k] for k in GROUND_TRUTH_FIELDS if k in r}
            for r in getattr(result, "ground_truth", None) or ()
        ],
        "tasks": [
            {k: r[k] for k in TASK_FIELDS}
            for r in (result.task_rows() if hasattr(result, "task_rows") else ())
        ],
        "ladder": _ladder(result, name, worst),
        "worst": [dict(w) for w in result.worst(worst, output=name)] if result.ok else [],
        "error_list": list(result.errors[:worst]),
        "lint": [
            {"code": f.code, "severity": f.severity, "message": f.message,
             "fields": list(f.fields)}
            for f in result.lint
        ],
    }  # fmt: skip
    return {DATASET_CONTEXT_KEY: entry}


def _ladder(result: Any, output: str, most: int) -> dict[str, Any] | None:
    """The ladder (``DatasetResult.ladder``, ``board_only_changes``) as plain data; None
    without board outputs."""
    if not result.has_board():
        return None
    rows = [
        {
            "rung": r["rung"],
            "what": r["what"],
            "n": r["n"],
            **{k: None if r[k] is None else list(r[k]) for k in ("loss", "agreement", "accuracy")},
            "mcnemar_p": None if r["step"] is None else r["step"]["mcnemar"]["p"],
        }
        for r in result.ladder(output)
    ]
    only = result.board_only_changes(output)
    return {"rows": rows, "board_only": len(only),
            "board_only_paths": [c["path"] for c in only[:most]]}  # fmt: skip
