"""Real task metrics per path against ground truth: mAP@0.5 for detections, CER for text.

``evaluate(..., ground_truth=PATH)`` keeps each image's decoded answers per path (the
``answers`` of its record: :func:`task_answers`) and the geometry of the fit (``frame``:
source size, model-input size, resize policy). :func:`ground_truth_rows` then scores
every path (reference, NV12, matched float decode, noise, quantised) against the ground
truth read by :func:`nv12_widgets.core.read_ground_truth`:

* detections: the ground-truth boxes mapped into model-input pixels with
  :func:`nv12_widgets.core.fit_boxes` (the pipeline's own fit geometry; boxes a centre
  crop cut away are dropped), matched per image (``core.heads.match_image``) and pooled
  over the set into mAP@0.5 (``core.heads.pooled_average_precision``: PASCAL VOC
  all-point interpolation);
* text: the corpus CER and exact match (``core.heads.character_error_rate``) of the
  recognised text (first batch item).

Intervals are 95% percentile bootstrap over images
(:func:`~nv12_widgets.model.workflows.statistics.bootstrap_statistic`, the set's
``n_boot`` and ``seed``): the whole statistic is recomputed on each resample.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nv12_widgets.core import GroundTruth, InputError, fit_boxes
from nv12_widgets.core.heads import (
    Detections,
    Text,
    character_error_rate,
    match_image,
    pooled_average_precision,
)

from .statistics import bootstrap_statistic

__all__ = ["GT_PATHS", "answer_data", "ground_truth_rows", "task_answers"]

#: Paths scored against the ground truth, in display order.
GT_PATHS = {
    "reference": "the float reference",
    "nv12": "the NV12 path",
    "format": "the float decode of the same NV12 (format only)",
    "noise": "the noise path",
    "quant": "the quantised model on the NV12 path",
}


def answer_data(answer: Any) -> dict[str, Any] | None:
    """A decoded answer as plain data for a record (None: a kind without ground truth).

    Examples
    --------
    >>> d = Detections(np.array([[0, 0, 4, 4.]]), np.array([.5]), np.array([1]))
    >>> answer_data(d)
    {'boxes': [[0.0, 0.0, 4.0, 4.0]], 'scores': [0.5], 'classes': [1]}
    """
    if isinstance(answer, Detections):
        return {
            "boxes": answer.boxes.astype(float).tolist(),
            "scores": answer.scores.astype(float).tolist(),
            "classes": answer.classes.astype(int).tolist(),
        }
    if isinstance(answer, Text):
        return {"text": None if answer.text is None else list(answer.text)}
    return None


def task_answers(tasks: Mapping[str, Any], quant: Mapping[str, np.ndarray] | None = None):
    """Per trusted task (``model.judge.task_results.TaskResult``), each path's answer as
    :func:`answer_data`; ``quant``: the quantised model's outputs, decoded here.

    Examples
    --------
    >>> from nv12_widgets.model.judge.task_results import judge_tasks
    >>> from nv12_widgets.core.heads import Binding
    >>> y = {"y": np.eye(3)[[1, 0, 2]][None]}
    >>> t = judge_tasks([(Binding("ctc", ("y",), params={"charset": "_ab"}), True)], y, y, y, y)
    >>> task_answers(t)["ctc(y)"]["nv12"]
    {'text': ['ab']}
    """
    out: dict[str, dict[str, Any]] = {}
    for name, t in tasks.items():
        if not t.trusted:
            continue
        answers = {"reference": t.reference, "nv12": t.nv12, "format": t.format,
                   "noise": t.noise}  # fmt: skip
        if quant is not None and all(o in quant for o in t.binding.outputs):
            answers["quant"] = t.binding.decode(quant)
        data = {p: answer_data(a) for p, a in answers.items() if a is not None}
        data = {p: d for p, d in data.items() if d is not None}
        if data:
            out[name] = data
    return out


def _truth_boxes(truth: GroundTruth, rec: dict[str, Any]) -> Detections | None:
    frame = rec.get("frame") or {}
    source, size = frame.get("source"), frame.get("input")
    if not source or not size:
        return None
    gt = truth.detections(rec["path"], tuple(source))
    if gt is None:
        return None
    boxes = fit_boxes(gt.boxes, tuple(source), tuple(size), policy=frame.get("policy", "resize"))
    keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return Detections(boxes[keep], gt.scores[keep], gt.classes[keep], gt.names)


def _detection_rows(result, truth, task, items) -> list[dict[str, Any]]:
    rows = []
    for path in GT_PATHS:
        matches = []
        for rec, gt in items:
            data = rec["answers"][task].get(path)
            if data is None:
                continue
            det = Detections(
                np.asarray(data["boxes"], np.float64).reshape(-1, 4),
                np.asarray(data["scores"], np.float64),
                np.asarray(data["classes"], np.int64),
            )
            matches.append(match_image(gt, det))
        if not matches:
            continue
        value, low, high = bootstrap_statistic(
            len(matches),
            lambda idx, m=matches: pooled_average_precision([m[i] for i in idx])["map50"],
            n_boot=result.n_boot,
            seed=result.seed,
        )
        pooled = pooled_average_precision(matches)
        rows.append({"task": task, "path": path, "what": GT_PATHS[path], "metric": "mAP@0.5",
                     "value": value, "low": low, "high": high, "n": len(matches),
                     "truth_boxes": pooled["truth_boxes"], "per_class": pooled["per_class"]})  # fmt: skip
    return rows


def _text_rows(result, truth, task, items) -> list[dict[str, Any]]:
    rows = []
    for path in GT_PATHS:
        truths, texts = [], []
        for rec, expected in items:
            data = rec["answers"][task].get(path)
            if data is None:
                continue
            if data["text"] is None:
                raise InputError(
                    f"task {task!r} decodes class indices, not text (no charset): give the "
                    "model's 'character' metadata or output_kinds with a charset."
                )
            truths.append(expected)
            texts.append(data["text"][0] if data["text"] else "")
        if not truths:
            continue
        value, low, high = bootstrap_statistic(
            len(truths),
            lambda idx, a=truths, b=texts: character_error_rate(a, b, indices=idx)["cer"],
            n_boot=result.n_boot,
            seed=result.seed,
        )
        exact = character_error_rate(truths, texts)["exact"]
        rows.append({"task": task, "path": path, "what": GT_PATHS[path], "metric": "CER",
                     "value": value, "low": low, "high": high, "n": len(truths),
                     "exact": exact})  # fmt: skip
    return rows


def ground_truth_rows(result: Any, truth: GroundTruth) -> list[dict[str, Any]]:
    """Per task and path: mAP@0.5 (detections) or CER (text) against ``truth``.

    ``result``: a ``DatasetResult`` (its ``ok`` records, ``n_boot`` and ``seed``; not
    imported: ``dataset_result`` imports this module for ``from_results``).

    Only images with answers (records of a run with ground truth) that are in
    ``truth`` count; a detection task is scored against box ground truth, a text task
    against text labels.

    Returns
    -------
    list of dict
        ``task``, ``path``, ``what``, ``metric`` ("mAP@0.5" / "CER"), ``value``,
        ``low``, ``high`` (95% bootstrap over images), ``n`` (images); detections add
        ``truth_boxes`` and ``per_class`` (class -> AP), text adds ``exact``.

    Examples
    --------
    >>> from nv12_widgets.model.workflows.dataset_result import DatasetResult
    >>> rec = {"status": "ok", "path": "a.png", "answers": {"ctc(y)": {
    ...     "reference": {"text": ["abc"]}, "nv12": {"text": ["abd"]}}}}
    >>> r = DatasetResult(records=[rec], model_name="m", run_key="k", config=None,
    ...                   outputs=("y",))
    >>> rows = ground_truth_rows(r, GroundTruth("text", "t", texts={"a.png": "abc"}))
    >>> [(row["path"], round(row["value"], 3)) for row in rows]
    [('reference', 0.0), ('nv12', 0.333)]
    """
    tasks: dict[str, list] = {}
    for rec in result.ok:
        for task in rec.get("answers") or {}:
            tasks.setdefault(task, []).append(rec)
    rows: list[dict[str, Any]] = []
    for task, recs in tasks.items():
        sample = next(iter(recs[0]["answers"][task].values()))
        if "boxes" in sample and truth.kind == "detections":
            items = [(r, gt) for r in recs if (gt := _truth_boxes(truth, r)) is not None]
            rows.extend(_detection_rows(result, truth, task, items))
        elif "text" in sample and truth.kind == "text":
            items = [(r, t) for r in recs if (t := truth.text(r["path"])) is not None]
            rows.extend(_text_rows(result, truth, task, items))
    return rows
