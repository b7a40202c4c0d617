"""Results of a comparison, apart from the runner that produces them.

:class:`OutputMetrics` (one output, every path), :class:`Comparison` (one image: metrics
plus every intermediate), :class:`Verdict` and the verdict rules (:func:`verdict`). The
runner is :class:`~nv12_widgets.model.Comparator` (``compare.py``), a cache over
:class:`~nv12_widgets.model.pipeline.Pipeline`; the metrics of each pair of arrays come
from the one bundle ``nv12_widgets.core.compare_arrays``, the signal and evidence rules
from ``nv12_widgets.core.signal``, the task agreement from ``nv12_widgets.core.tasks``
and the configuration findings from :mod:`nv12_widgets.model.lint`.

The verdict rules (all of them, in order; ``L = 1 - cosine`` against the reference)
--------------------------------------------------------------------------------------
The verdict names which of the three effects of DOMAIN.md dominates - the 4:2:0
**format**, the **conversion** arithmetic (preprocessing), the model's **fragility** -
judged against the same image's own numbers (absolute thresholds cannot diagnose:
photos differ more than pipelines do). Each verdict carries the rule that fired
(``Verdict.rule``) and the numbers it used (``Verdict.numbers``).

R1 ``preprocessing`` (lint): the configuration linter finds an error (decode swing
   differs from the encode swing, channel order, mean/std in the wrong units,
   normalisation mismatch...). The verdict names it, with its measured cost on this
   image (the deployed NV12 output vs the output with the fix applied) and the remark
   that other images may suffer more - even when the image shows no signal, and
   whatever the format and noise cost: a known mistake is never blamed on the model.
R2 ``no-signal``: an output whose NV12 pair is not evidence because neither the
   reference nor the NV12 output carries signal (``core.signal.assess_pair``: e.g. a
   detector's map that peaks at 1e-6 because it found nothing) takes no part; when no
   output takes part the verdict is ``no-signal`` ("try another image").
R3 ``unmeasurable``: a NaN in the NV12, noise or conversion metrics of the outputs that
   take part.
R4 ``no-loss``: the NV12 pair differs by float32 rounding only (status "rounding"), or
   ``L_nv12 <= NO_LOSS``.
R5 ``preprocessing`` (measured): the conversion pair (NV12 vs matched) is evidence and
   ``L_conversion > CONVERSION_RATIO * max(L_format, L_noise, NO_LOSS)``, where a pair
   that differs by rounding only counts as 0 (a raw frame has no format loss to measure:
   0 too).
R6 ``fragile``: ``L_noise > 0`` and ``L_nv12 <= FRAGILE_RATIO * L_noise``: the NV12 path
   loses about what 0..a grey levels of noise lose; the preprocessing is consistent.
R7 ``format``: otherwise - the 4:2:0 chroma as this device samples it costs more than
   the noise (for a raw frame: the device's decode vs the PC's best decode of the same
   frame, as the format's own loss cannot be measured).

For a comparison with several outputs, each output is judged (R2-R7) and the most
severe verdict wins (preprocessing > format > fragile > no-loss > unmeasurable), naming
its output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from nv12_widgets.core import (
    NV12,
    InputError,
    PairMetrics,
    Signal,
    assess_pair,
    compare_arrays,
    task_agreement,
    to_jsonable,
)
from nv12_widgets.core.vocabulary import metrics_line

from .config import PreprocessConfig
from .pipeline import DecodeStage

__all__ = [
    "CONVERSION_RATIO",
    "FRAGILE_RATIO",
    "NO_LOSS",
    "Comparison",
    "OutputMetrics",
    "Verdict",
    "PathMeasure",
    "measure_path",
    "output_metrics",
    "verdict",
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


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class OutputMetrics:
    """Every metric of one model output (NaN when not measurable, see ``notes``).

    ``*_nv12`` compare the NV12 path with the reference, ``*_noise`` the noise path,
    ``cosine_format`` the matched float NV12 round trip with the reference (the
    format's own cost), ``cosine_conversion`` the NV12 path with the matched round trip
    (the conversion arithmetic alone). ``top1``/``top5`` are
    set for classifier-shaped outputs (2-D (N, C) float with C >= 2; top-5 needs
    C > 5), ``agreement`` (fraction of equal elements) for integer outputs; None
    otherwise.

    ``kind`` is the output's kind (``core.tasks.output_kind``: classifier, sequence,
    dense, other); ``signal``, ``ref_peak``, ``ref_scale`` and ``signal_reason`` describe the
    reference output (``core.signal.signal_of``: does it carry signal on this image?);
    ``status_*`` say whether each pair is ``"evidence"``, differs by float32
    ``"rounding"`` only, has ``"no-signal"`` on either side, or is ``"unmeasurable"``;
    ``task_*`` are the task-level agreements of the NV12 and noise paths
    (``core.tasks.task_agreement``: top-1/top-5, per-step and decoded-sequence
    agreement, IoU of the thresholded maps).
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    cosine_nv12: float
    cosine_noise: float
    cosine_format: float
    cosine_conversion: float
    sqnr_nv12_db: float
    sqnr_noise_db: float
    max_abs_nv12: float
    max_abs_noise: float
    mean_abs_nv12: float
    mean_abs_noise: float
    top1_nv12: float | None = None
    top1_noise: float | None = None
    top5_nv12: float | None = None
    top5_noise: float | None = None
    agreement_nv12: float | None = None
    agreement_noise: float | None = None
    notes: tuple[str, ...] = ()
    kind: str = "other"
    signal: bool = True
    ref_peak: float = math.nan
    ref_scale: float = math.nan
    signal_reason: str = ""
    status_nv12: str = "evidence"
    status_noise: str = "evidence"
    status_format: str = "evidence"
    status_conversion: str = "evidence"
    task_nv12: dict | None = None
    task_noise: dict | None = None

    @property
    def loss_nv12(self) -> float:
        """``1 - cosine_nv12``."""
        return 1.0 - self.cosine_nv12

    @property
    def loss_noise(self) -> float:
        """``1 - cosine_noise``."""
        return 1.0 - self.cosine_noise

    @property
    def loss_format(self) -> float:
        """``1 - cosine_format``."""
        return 1.0 - self.cosine_format

    @property
    def loss_conversion(self) -> float:
        """``1 - cosine_conversion``."""
        return 1.0 - self.cosine_conversion

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values (shape and notes as lists)."""
        d = asdict(self)
        d["shape"] = list(self.shape)
        d["notes"] = list(self.notes)
        return d


VerdictCode = Literal["no-loss", "fragile", "format", "preprocessing", "unmeasurable", "no-signal"]
_SEVERITY = {
    "no-signal": -1,
    "unmeasurable": 0,
    "no-loss": 1,
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
        The output the verdict is about (the worst one for multi-output models).
    loss_nv12, loss_noise, loss_format, loss_conversion : float
        ``1 - cosine`` of the NV12, noise and matched paths against the reference, and
        of the NV12 path against the matched one.
    rule : str
        The rule that decided (R1..R7 of this module's docstring).
    numbers : dict
        The numbers that rule used.
    lint : tuple of str
        The codes of the configuration errors the verdict names (rule R1).
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
        d = asdict(self)
        d["lint"] = list(self.lint)
        return d


def _effective(loss: float, status: str) -> float:
    """A pair that differs by float32 rounding only costs nothing."""
    return 0.0 if status == "rounding" else loss


def _judge(m: OutputMetrics, amp: str, frame: bool) -> Verdict:
    """Rules R2-R7 for one output."""
    ln, lz, lf, lc = m.loss_nv12, m.loss_noise, m.loss_format, m.loss_conversion
    losses = (ln, lz, lf, lc)
    numbers: dict[str, Any] = {
        "loss_nv12": ln,
        "loss_noise": lz,
        "loss_format": lf,
        "loss_conversion": lc,
        "status_nv12": m.status_nv12,
        "status_noise": m.status_noise,
        "status_format": m.status_format,
        "status_conversion": m.status_conversion,
        "reference_peak": m.ref_peak,
        "reference_scale": m.ref_scale,
    }

    def make(code: str, rule: str, title: str, text: str) -> Verdict:
        return Verdict(code, title, text, m.name, *losses, rule=rule, numbers=numbers)  # type: ignore[arg-type]

    if m.status_nv12 == "no-signal":
        return make(
            "no-signal",
            "R2",
            "No signal on this image",
            f"Output {m.name!r} carries no signal on this image (reference peak "
            f"{m.ref_peak:.3g}, scale {m.ref_scale:.3g}: {m.signal_reason}). The model finds nothing "
            "here (a detector: nothing detected), so its cosines measure float32 rounding of "
            "near-zero values, not the preprocessing or the model. Try another image, one "
            "where the model finds something.",
        )
    measured = (ln, lz, lc) if frame else (ln, lz, lf, lc)
    if not all(math.isfinite(v) for v in measured):
        why = "; ".join(m.notes) or "a metric is NaN"
        return make("unmeasurable", "R3", "Not measurable", f"No verdict for {m.name!r}: {why}.")
    fmt_part = "not measurable (raw frame)" if frame else f"{lf:.2e}"
    nums = (
        f"1 - cosine vs the reference: NV12 path {ln:.2e}, matched float NV12 {fmt_part}, "
        f"noise ({amp} grey levels) {lz:.2e}; NV12 path vs matched: {lc:.2e}; reference "
        f"peak {m.ref_peak:.3g}"
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
    lf_eff = 0.0 if frame else _effective(lf, m.status_format)
    lz_eff = _effective(lz, m.status_noise)
    floor = max(lf_eff, lz_eff, NO_LOSS)
    numbers.update(effective_loss_format=lf_eff, effective_loss_noise=lz_eff)
    if m.status_conversion == "evidence" and lc > CONVERSION_RATIO * floor:
        numbers["conversion_ratio"] = lc / floor
        return make(
            "preprocessing",
            "R5",
            "Preprocessing differs from training",
            f"The device's conversion moves the output {lc / floor:.1f}x more than the NV12 "
            f"format itself or the noise do ({nums}). Check the swing (full vs studio, "
            "hb_mapper input_space_and_range), the channel order (RGB vs BGR), "
            "mean/std/divisor (normalised twice?), the colour matrix and the chroma handling.",
        )
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
    noise_part = f", {ln / lz_eff:.0f}x the noise loss" if lz_eff > 0 else " (noise test disabled)"
    if frame:
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
    return make(
        "format",
        "R7",
        "The NV12 format itself costs this",
        f"The conversion is consistent with training, but the 4:2:0 chroma as this device "
        f"samples it loses more than the noise{noise_part} ({nums}). Try other chroma "
        "down/up-sampling if the hardware allows (the sweep ranks them), else fine-tune "
        "on NV12 round-tripped images or QAT with the NV12 input.",
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
            parts.append(
                f"output {name!r}: cosine {c.cosine:.6f} against the fixed configuration "
                f"(max |diff| {c.max_abs:.3g}{task})"
            )
    return "; ".join(parts)


def verdict(
    metrics: OutputMetrics | Comparison,
    *,
    noise_amplitude: float | None = None,
    lint: Sequence[Any] = (),
    costs: Mapping[str, Any] | None = None,
    frame: bool = False,
) -> Verdict:
    """Apply the verdict rules (R1-R7, see the module docstring) to one output's metrics
    or to a whole comparison.

    Parameters
    ----------
    metrics : OutputMetrics or Comparison
        For a Comparison its lint findings, mistake costs and source are used, every
        output is judged and the most severe verdict among the outputs that take part
        is returned, naming its output.
    noise_amplitude : float, optional
        Only used in the text (taken from the comparison's config when given one).
    lint : sequence of LintFinding
        Configuration findings (``model.lint.lint``); errors trigger rule R1.
    costs : mapping, optional
        Output name -> ``MistakeCost``: what the lint errors cost on this image.
    frame : bool
        The source was a raw frame (no format loss to measure).

    Returns
    -------
    Verdict
    """
    if isinstance(metrics, Comparison):
        c = metrics
        return verdict_of(
            list(c.metrics.values()),
            noise_amplitude=c.config.noise_amplitude,
            lint=c.lint,
            costs=c.mistake_costs,
            frame=c.source == "frame",
        )
    return verdict_of(
        [metrics], noise_amplitude=noise_amplitude, lint=lint, costs=costs, frame=frame
    )


def verdict_of(
    outputs: Sequence[OutputMetrics],
    *,
    noise_amplitude: float | None = None,
    lint: Sequence[Any] = (),
    costs: Mapping[str, Any] | None = None,
    frame: bool = False,
) -> Verdict:
    """The verdict of several outputs' metrics (see :func:`verdict`)."""
    amp = "the chosen" if noise_amplitude is None else f"0-{noise_amplitude:g}"
    nan = math.nan
    verdicts = [_judge(m, amp, frame) for m in outputs]
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
    if not taking_part and len(verdicts) > 1:
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


@dataclass(frozen=True, eq=False)
class Comparison:
    """The result of one :func:`compare`: metrics plus every intermediate array.

    Attributes
    ----------
    model_name : str
    image_input : str
        The model input the image was fed to.
    config : PreprocessConfig
        The training-side config (reference, noise and format paths).
    device_config : PreprocessConfig
        The config of the NV12 path (``config`` unless a ``device`` variant was given).
    size : (int, int)
        Model input (height, width).
    layout : {"NCHW", "NHWC"}
    fitted_image : numpy.ndarray
        (h, w, 3) uint8 RGB: the image fitted to the model size.
    reference_input : numpy.ndarray
        (h, w, C) uint8: the training-format pixels (C = 1 for gray).
    nv12_frame : NV12
        The frame the camera / resizer would deliver.
    nv12_input : numpy.ndarray
        (h, w, C) uint8: what the device feeds after its conversion.
    noisy_input : numpy.ndarray
        (h, w, C) float32: reference plus noise, pixel units, not clipped.
    format_input : numpy.ndarray
        (h, w, C) uint8: the NV12 frame decoded by the matched float conversion into
        the training format (see the module docstring).
    outputs_reference, outputs_nv12, outputs_noise, outputs_format : dict
        Output name -> array, per path.
    metrics : dict of str to OutputMetrics
    inferences : int
        Model runs this comparison needed (cached paths cost none).
    notes : tuple of str
    source : {"image", "frame"}
        What was compared: an RGB image (fitted, then encoded to NV12), or a raw camera
        frame (fitted in the NV12 domain; ``fitted_image`` is its best PC decode and the
        format's own loss is not measurable).
    lint : tuple of LintFinding
        What the configuration linter found (``model.lint.lint``); errors decide the
        verdict (rule R1).
    mistake_costs : dict
        Output name -> ``MistakeCost``: what the lint errors cost on this image.
    tensors : dict
        Path ("reference", "nv12", "noise", "format") -> the exact tensor the model was
        fed on that path (the model's layout and dtype).
    """

    model_name: str
    image_input: str
    config: PreprocessConfig
    device_config: PreprocessConfig
    size: tuple[int, int]
    layout: str
    fitted_image: np.ndarray
    reference_input: np.ndarray
    nv12_frame: NV12
    nv12_input: np.ndarray
    noisy_input: np.ndarray
    format_input: np.ndarray
    outputs_reference: dict[str, np.ndarray]
    outputs_nv12: dict[str, np.ndarray]
    outputs_noise: dict[str, np.ndarray]
    outputs_format: dict[str, np.ndarray]
    metrics: dict[str, OutputMetrics]
    inferences: int = 0
    notes: tuple[str, ...] = field(default=())
    source: str = "image"
    lint: tuple = ()
    mistake_costs: dict = field(default_factory=dict)
    tensors: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Output name -> that output's metrics (``cosine_nv12``, ``cosine_noise``, ...)."""
        return {name: m.to_dict() for name, m in self.metrics.items()}

    def nv12_rgb(self) -> np.ndarray:
        """(h, w, 3) uint8: the NV12 frame decoded to RGB as the device's conversion does."""
        return DecodeStage.device(self.device_config).rgb(self.nv12_frame)

    def verdict(self) -> Verdict:
        """The verdict for this image (see :func:`verdict`)."""
        return verdict(self)

    def verdict_text(self) -> str:
        """``str(self.verdict())``: title and reasoning as one paragraph."""
        return str(self.verdict())

    def to_record(self) -> dict[str, Any]:
        """A JSON-compatible summary: model, sizes, both configs, metrics, verdict.

        Non-finite floats (e.g. SQNR of identical outputs, ``inf``) become strings
        ``"inf"``/``"-inf"``/``"nan"`` so the result is strict JSON.
        """
        record = {
            "model": self.model_name,
            "image_input": self.image_input,
            "size": list(self.size),
            "layout": self.layout,
            "config": self.config.to_dict(),
            "device_config": self.device_config.to_dict(),
            "metrics": self.to_dict(),
            "verdict": self.verdict().to_dict(),
            "lint": [f.to_dict() for f in self.lint],
            "source": self.source,
            "notes": list(self.notes),
        }
        return to_jsonable(record)

    def summary(self) -> str:
        """A plain-text table of the main metrics (the vocabulary's names) and the verdict."""
        rows = [f"{m.name}: {metrics_line(m.to_dict())}" for m in self.metrics.values()]
        return "\n".join(rows) + "\n" + self.verdict_text()

    def __repr__(self) -> str:
        cos = ", ".join(
            f"{n}: nv12={m.cosine_nv12:.6f} noise={m.cosine_noise:.6f}"
            for n, m in self.metrics.items()
        )
        return f"Comparison({self.model_name!r}, {self.size[0]}x{self.size[1]}, {cos})"


#: The note of the format's metrics when the source is a raw camera frame.
FORMAT_NOT_MEASURABLE = (
    "raw camera frame: the 4:2:0 format's own loss is not measurable (there is no "
    "full-resolution RGB); the reference is the frame's best PC decode"
)


@dataclass(frozen=True)
class PathMeasure:
    """One path's output against its reference: the metric bundle, whether the pair is
    evidence (``core.signal.assess_pair``), and the task-level agreement."""

    metrics: PairMetrics
    status: str
    task: dict | None = None


def measure_path(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    signal: Signal | None = None,
    kind: str | None = None,
    task_options: Mapping[str, Any] | None = None,
) -> PathMeasure:
    """Compare one output of a path with the reference: metrics, evidence status and
    (when ``kind`` is given) the task agreement of that kind."""
    metrics = compare_arrays(reference, test)
    if metrics.note:
        return PathMeasure(metrics, "unmeasurable")
    status = assess_pair(
        reference, test, reference_signal=signal, max_abs_diff=metrics.max_abs
    ).status
    task = None
    if kind is not None:
        try:
            task = task_agreement(reference, test, kind, **dict(task_options or {}))
        except InputError:  # e.g. a shape the kind cannot read: no task metric
            task = None
    return PathMeasure(metrics, status, task)


def output_metrics(
    name: str,
    reference: np.ndarray,
    *,
    nv12: PathMeasure,
    noise: PathMeasure,
    matched: PathMeasure | None,
    conversion: PathMeasure,
    signal: Signal,
    kind: str,
) -> OutputMetrics:
    """One output's :class:`OutputMetrics` from the measure of each path.

    ``nv12``, ``noise`` and ``matched`` compare each path's output with the reference
    output, ``conversion`` the NV12 path's with the matched path's (see
    :func:`measure_path`); a pair that could not be measured leaves its metrics NaN and
    a note. ``matched=None``: the source was a raw frame, there is no full-resolution
    RGB, the format's own loss is not measurable.
    """
    ref = np.asarray(reference)
    notes: list[str] = []
    if matched is None:
        nan = math.nan
        matched = PathMeasure(
            PairMetrics(nan, nan, nan, nan, note=FORMAT_NOT_MEASURABLE), "unmeasurable"
        )
    if np.issubdtype(ref.dtype, np.integer) or ref.dtype == np.bool_:
        notes.append(
            f"integer output ({ref.dtype}): cosine/SQNR are computed on its values; "
            "'agreement' is the fraction of equal elements"
        )
    pairs = (("NV12", nv12.metrics), ("noise", noise.metrics), ("matched NV12", matched.metrics))
    reference_note = next(
        (p.note for _, p in pairs if p.note.startswith(("non-numeric", "reference"))), None
    )
    if reference_note is not None:
        if reference_note.startswith("reference"):
            notes.append(
                "reference output contains NaN/Inf: not measurable (check the model/input)"
            )
        else:
            notes.append(reference_note)
    else:
        for label, p in pairs:
            if p.note == FORMAT_NOT_MEASURABLE:
                notes.append(FORMAT_NOT_MEASURABLE)
            elif p.note:
                notes.append(f"{label} output {p.note}: its metrics are NaN")
    if not signal.has_signal:
        notes.append(f"no signal on this image: {signal.reason}")
    n, z, f = nv12.metrics, noise.metrics, matched.metrics
    return OutputMetrics(
        name=name,
        shape=tuple(ref.shape),
        dtype=str(ref.dtype),
        cosine_nv12=n.cosine,
        cosine_noise=z.cosine,
        cosine_format=f.cosine,
        cosine_conversion=conversion.metrics.cosine,
        sqnr_nv12_db=n.sqnr_db,
        sqnr_noise_db=z.sqnr_db,
        max_abs_nv12=n.max_abs,
        max_abs_noise=z.max_abs,
        mean_abs_nv12=n.mean_abs,
        mean_abs_noise=z.mean_abs,
        top1_nv12=n.top1,
        top1_noise=z.top1,
        top5_nv12=n.top5,
        top5_noise=z.top5,
        agreement_nv12=n.agreement,
        agreement_noise=z.agreement,
        notes=tuple(notes),
        kind=kind,
        signal=signal.has_signal,
        ref_peak=signal.peak,
        ref_scale=signal.scale,
        signal_reason=signal.reason,
        status_nv12=nv12.status,
        status_noise=noise.status,
        status_format=matched.status,
        status_conversion=conversion.status,
        task_nv12=nv12.task,
        task_noise=noise.task,
    )
