"""Pictures and texts of a comparison's task answers, for the dashboard and the report.

For every trusted task of a :class:`~nv12_widgets.model.Comparison` (``Comparison.tasks``,
see :mod:`nv12_widgets.model.judge.task_results`):

* detections (YOLO, PicoDet, SSD...) and DB text boxes: the reference answer drawn over
  the fitted image and the NV12 path's answer over the NV12 frame as the device
  decodes it, the boxes without a counterpart on the other path highlighted
  (``core.visual.changed_boxes``: same class, IoU >= 0.5);
* DB text maps and segmentation masks: both masks over the image (kept, lost, new);
* recognised text: reference and NV12 side by side with the edits
  (``core.visual.text_edits``).

Every picture is drawn by a tested function of ``core.visual``; this module only
chooses what to draw.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nv12_widgets.core.heads import Detections, SegmentationMask, Text, TextBoxes
from nv12_widgets.core.visual import changed_boxes, draw_boxes, mask_overlay, text_edits
from nv12_widgets.model.judge.results import Comparison

__all__ = ["TASKS_CONTEXT_KEY", "task_context", "task_pictures", "task_texts"]

#: The finding's context entry holding the task answers (``task_context``); the HTML
#: report shows it as its own "Task answers" section.
TASKS_CONTEXT_KEY = "tasks"


def _labels(answer: Detections) -> list[str]:
    return [f"{answer.label(i)} {float(s):.2f}" for i, s in enumerate(answer.scores)]


def _scaled(quads: np.ndarray, mask_shape: tuple[int, ...], image: np.ndarray) -> np.ndarray:
    """Map-pixel corner points scaled to the image (a map may be smaller than the input)."""
    if not mask_shape or len(quads) == 0:
        return quads
    sy = image.shape[0] / mask_shape[-2]
    sx = image.shape[1] / mask_shape[-1]
    return quads * np.array([sx, sy])


def task_pictures(c: Comparison) -> dict[str, np.ndarray]:
    """Title -> (h, w, 3) uint8 picture, per trusted task with a drawable answer.

    Examples
    --------
    >>> from nv12_widgets.model import compare, demo_config, demo_image_paths, demo_model
    >>> coffee = [p for p in demo_image_paths() if p.stem == "coffee"][0]
    >>> c = compare(demo_model(), coffee, demo_config(), output_kinds={"sigmoid_0.tmp_0": "db"})
    >>> sorted(task_pictures(c))[0]
    'db(sigmoid_0.tmp_0): NV12 path (changed boxes highlighted)'
    """
    out: dict[str, np.ndarray] = {}
    nv12_rgb = None
    for t in c.tasks.values():
        if not t.trusted:
            continue
        ref, test = t.reference, t.nv12
        if isinstance(ref, Detections | TextBoxes) and nv12_rgb is None:
            nv12_rgb = c.nv12_rgb()
        if isinstance(ref, Detections):
            lost, new = changed_boxes(
                ref.boxes,
                test.boxes,
                reference_classes=ref.classes,
                test_classes=test.classes,
            )
            out[f"{t.name}: reference"] = draw_boxes(
                c.fitted_image, ref.boxes, labels=_labels(ref), highlight=lost
            )
            out[f"{t.name}: NV12 path (changed boxes highlighted)"] = draw_boxes(
                nv12_rgb, test.boxes, labels=_labels(test), highlight=new
            )
        elif isinstance(ref, TextBoxes):
            rq = _scaled(ref.boxes, np.shape(ref.mask), c.fitted_image)
            tq = _scaled(test.boxes, np.shape(test.mask), c.fitted_image)
            lost, new = changed_boxes(rq, tq)
            out[f"{t.name}: reference"] = draw_boxes(c.fitted_image, rq, highlight=lost)
            out[f"{t.name}: NV12 path (changed boxes highlighted)"] = draw_boxes(
                nv12_rgb, tq, highlight=new
            )
            out[f"{t.name}: text mask (green both, blue reference only, magenta NV12 only)"] = (
                mask_overlay(c.fitted_image, ref.mask, test.mask)
            )
        elif isinstance(ref, SegmentationMask):
            bg = ref.background
            r = ref.labels[0] if bg is None else ref.labels[0] != bg
            s = test.labels[0] if bg is None else test.labels[0] != bg
            if bg is None:  # no background class: where the class differs
                r, s = np.ones_like(r, bool), r == s
            out[f"{t.name}: mask (green both, blue reference only, magenta NV12 only)"] = (
                mask_overlay(c.fitted_image, r, s)
            )
    return out


def _as_text(answer: Text, item: int) -> tuple[str, bool]:
    """(text, is_labels): the charset's text, or the label indices as tokens."""
    if answer.text is not None:
        return answer.text[item], False
    return " ".join(str(v) for v in answer.labels[item]), True


def _label_edits(ref: list[int], test: list[int]) -> list[tuple[str, str, str]]:
    """text_edits over label sequences (each label one private-use character)."""
    base = 0xF0000
    ops = text_edits("".join(chr(base + v) for v in ref), "".join(chr(base + v) for v in test))

    def back(s: str) -> str:
        return " ".join(str(ord(ch) - base) for ch in s)

    return [(op, back(a), back(b)) for op, a, b in ops]


def task_texts(c: Comparison, *, max_items: int = 8) -> list[dict[str, Any]]:
    """Recognised text per trusted text task and batch item, with the edits.

    Returns
    -------
    list of dict
        ``task``, ``item``, ``reference``, ``nv12`` (strings) and ``edits`` (``(op,
        reference_part, nv12_part)``, see ``core.visual.text_edits``).

    Examples
    --------
    A CTC recogniser (blank, "x", "y") whose NV12 path loses one "x" (only ``c.tasks``
    is read):

    >>> from nv12_widgets.core.heads import Binding
    >>> from nv12_widgets.model.judge.task_results import judge_tasks
    >>> class C:
    ...     ref = {"y": np.eye(3)[[1, 0, 1, 2]][None]}
    ...     nv = {"y": np.eye(3)[[1, 0, 2, 2]][None]}
    ...     ctc = Binding("ctc", ("y",), {"charset": "_xy"})
    ...     tasks = judge_tasks([(ctc, True)], ref, nv, ref, ref)
    >>> task_texts(C())
    [{'task': 'ctc(y)', 'item': 0, 'reference': 'xxy', 'nv12': 'xy', 'edits': [('delete', 'x', ''), ('equal', 'xy', 'xy')]}]
    """
    rows = []
    for t in c.tasks.values():
        if not (t.trusted and isinstance(t.reference, Text)):
            continue
        for i in range(min(len(t.reference.labels), max_items)):
            ref, as_labels = _as_text(t.reference, i)
            test, _ = _as_text(t.nv12, i)
            edits = (
                _label_edits(t.reference.labels[i], t.nv12.labels[i])
                if as_labels
                else text_edits(ref, test)
            )
            rows.append({"task": t.name, "item": i, "reference": ref, "nv12": test, "edits": edits})
    return rows


def task_context(c: Comparison) -> list[dict[str, Any]]:
    """The task answers as plain values for a finding's context (``"tasks"`` entry):
    per task its name, whether it is trusted, whether the reference answers nothing,
    the agreement of each path, and the recognised texts with their edits.

    Examples
    --------
    >>> from nv12_widgets.core.heads import Binding
    >>> from nv12_widgets.model.judge.task_results import judge_tasks
    >>> class C:
    ...     ref = {"y": np.eye(3)[[1, 0, 1, 2]][None]}
    ...     nv = {"y": np.eye(3)[[1, 0, 2, 2]][None]}
    ...     ctc = Binding("ctc", ("y",), {"charset": "_xy"})
    ...     tasks = judge_tasks([(ctc, True)], ref, nv, ref, ref)
    >>> (entry,) = task_context(C())
    >>> entry["name"], entry["agreement"]["nv12"]["cer"], entry["texts"][0]["edits"][0]
    ('ctc(y)', 0.3333333333333333, ['delete', 'x', ''])
    >>> entry["summary"]
    'NV12 path: steps 0.750, decoded differs (1 edits), CER 0.333 (chosen)'
    """
    from nv12_widgets.model.judge.task_results import task_line

    texts = task_texts(c)
    out = []
    for t in c.tasks.values():
        out.append(
            {
                "name": t.name,
                "summary": task_line(t),
                "trusted": bool(t.trusted),
                "reference_empty": bool(t.reference_empty),
                "agreement": {
                    path: {k: v for k, v in a.items() if isinstance(v, int | float | str)}
                    for path, a in t.agreement.items()
                },
                "texts": [
                    {k: r[k] for k in ("item", "reference", "nv12")}
                    | {"edits": [list(e) for e in r["edits"]]}
                    for r in texts
                    if r["task"] == t.name
                ],
            }
        )
    return out
