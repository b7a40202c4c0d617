"""Results of a comparison, apart from the runner that produces them.

:class:`OutputMetrics` (one output, every path), :class:`Comparison` (one image: metrics
plus every intermediate), :class:`Verdict` and the verdict rules (:func:`verdict`). The
runner is :class:`~nv12_widgets.model.Comparator` (``compare.py``), a cache over
:class:`~nv12_widgets.model.pipeline.Pipeline`; the metrics of each pair of arrays come
from the one bundle ``nv12_widgets.core.compare_arrays``.

The verdict names which of the three effects of DOMAIN.md dominates, against the same
image's own numbers (absolute thresholds cannot diagnose: photos differ more than
pipelines do):

* the **conversion arithmetic** (NV12 vs matched) clearly exceeds both the format's
  and the noise's effect -> the device's preprocessing differs from training;
* else the NV12 loss stays within :data:`FRAGILE_RATIO` x the noise loss -> the model
  is fragile;
* else the **format** (4:2:0 chroma as this device samples it) costs it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from nv12_widgets.core import NV12, PairMetrics

from .config import PreprocessConfig
from .pipeline import DecodeStage

__all__ = [
    "CONVERSION_RATIO",
    "FRAGILE_RATIO",
    "NO_LOSS",
    "Comparison",
    "OutputMetrics",
    "Verdict",
    "output_metrics",
    "verdict",
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


VerdictCode = Literal["no-loss", "fragile", "format", "preprocessing", "unmeasurable"]
_SEVERITY = {"unmeasurable": 0, "no-loss": 1, "fragile": 2, "format": 3, "preprocessing": 4}


@dataclass(frozen=True)
class Verdict:
    """What dominates the NV12 path's loss for one image, and what to do about it.

    Attributes
    ----------
    code : {"no-loss", "fragile", "format", "preprocessing", "unmeasurable"}
    title : str
        One line, e.g. "Preprocessing differs from training".
    text : str
        The reasoning with this image's numbers, and what to check or fix.
    output : str or None
        The output the verdict is about (the worst one for multi-output models).
    loss_nv12, loss_noise, loss_format, loss_conversion : float
        ``1 - cosine`` of the NV12, noise and matched paths against the reference, and
        of the NV12 path against the matched one.
    """

    code: VerdictCode
    title: str
    text: str
    output: str | None
    loss_nv12: float
    loss_noise: float
    loss_format: float
    loss_conversion: float

    def __str__(self) -> str:
        return f"{self.title}. {self.text}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verdict(
    metrics: OutputMetrics | Comparison, *, noise_amplitude: float | None = None
) -> Verdict:
    """Apply the vendor's reasoning to one output's metrics (or a whole comparison).

    Parameters
    ----------
    metrics : OutputMetrics or Comparison
        For a Comparison, every output is judged and the most severe verdict is
        returned (preprocessing > format > fragile > no loss), naming its output.
    noise_amplitude : float, optional
        Only used in the text (taken from the comparison's config when given one).

    Returns
    -------
    Verdict
        Decision rules, with ``L = 1 - cosine``:

        1. any cosine NaN -> "unmeasurable";
        2. ``L_nv12 <= NO_LOSS`` -> "no-loss";
        3. ``L_conversion > CONVERSION_RATIO * max(L_format, L_noise, NO_LOSS)`` ->
           "preprocessing": the device converts differently from training (swing,
           channel order, mean/std, chroma), and that dominates;
        4. ``L_nv12 <= FRAGILE_RATIO * L_noise`` -> "fragile": the NV12 path loses about
           what the noise does; fix the model;
        5. otherwise -> "format": the 4:2:0 format as this device samples it costs more
           than the noise; the conversion itself is consistent.
    """
    if isinstance(metrics, Comparison):
        amp = metrics.config.noise_amplitude
        verdicts = [verdict(m, noise_amplitude=amp) for m in metrics.metrics.values()]
        if not verdicts:
            nan = math.nan
            return Verdict(
                "unmeasurable", "No outputs", "The model has no outputs.", None, nan, nan, nan, nan
            )
        worst = max(
            verdicts,
            key=lambda v: (_SEVERITY[v.code], v.loss_nv12 if math.isfinite(v.loss_nv12) else -1),
        )
        if len(verdicts) > 1:
            return replace(worst, text=f"(output {worst.output!r}) {worst.text}")
        return worst

    m = metrics
    ln, lz, lf, lc = m.loss_nv12, m.loss_noise, m.loss_format, m.loss_conversion
    losses = (ln, lz, lf, lc)
    amp = "the chosen" if noise_amplitude is None else f"0-{noise_amplitude:g}"
    nums = (
        f"1 - cosine vs the reference: NV12 path {ln:.2e}, matched float NV12 {lf:.2e}, "
        f"noise ({amp} grey levels) {lz:.2e}; NV12 path vs matched: {lc:.2e}"
    )
    if not all(math.isfinite(v) for v in losses):
        why = "; ".join(m.notes) or "a metric is NaN"
        return Verdict(
            "unmeasurable", "Not measurable", f"No verdict for {m.name!r}: {why}.", m.name, *losses
        )
    if ln <= NO_LOSS:
        return Verdict(
            "no-loss",
            "No measurable loss",
            f"The NV12 path matches the reference (cosine {m.cosine_nv12:.6f}); nothing to "
            "fix on the input side.",
            m.name,
            *losses,
        )
    if lc > CONVERSION_RATIO * max(lf, lz, NO_LOSS):
        return Verdict(
            "preprocessing",
            "Preprocessing differs from training",
            f"The device's conversion moves the output {lc / max(lf, lz, NO_LOSS):.1f}x more "
            f"than the NV12 format itself or the noise do ({nums}). Check the swing (full vs "
            "studio, hb_mapper input_space_and_range), the channel order (RGB vs BGR), "
            "mean/std/divisor (normalised twice?), the colour matrix and the chroma "
            "handling.",
            m.name,
            *losses,
        )
    if lz > 0 and ln <= FRAGILE_RATIO * lz:
        return Verdict(
            "fragile",
            "Fragile model",
            f"The NV12 path loses about what {amp} grey levels of noise lose ({nums}). The "
            "preprocessing is consistent; the model is sensitive to tiny input changes. Fix "
            "the model: train on YUV / NV12 round-tripped images, add noise augmentation, or "
            "use QAT.",
            m.name,
            *losses,
        )
    noise_part = f", {ln / lz:.0f}x the noise loss" if lz > 0 else " (noise test disabled)"
    return Verdict(
        "format",
        "The NV12 format itself costs this",
        f"The conversion is consistent with training, but the 4:2:0 chroma as this device "
        f"samples it loses more than the noise{noise_part} ({nums}). Try other chroma "
        "down/up-sampling if the hardware allows (the sweep ranks them), else fine-tune "
        "on NV12 round-tripped images or QAT with the NV12 input.",
        m.name,
        *losses,
    )


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
            "notes": list(self.notes),
        }
        return _json_safe(record)

    def summary(self) -> str:
        """A plain-text table of the main metrics and the verdict."""
        rows = [
            f"{'output':<24} {'cos NV12':>10} {'cos noise':>10} {'cos matched':>11} {'SQNR NV12':>10}"
        ]
        for m in self.metrics.values():
            rows.append(
                f"{m.name[:24]:<24} {m.cosine_nv12:>10.6f} {m.cosine_noise:>10.6f} "
                f"{m.cosine_format:>11.6f} {m.sqnr_nv12_db:>8.2f}dB"
            )
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


def output_metrics(
    name: str,
    reference: np.ndarray,
    *,
    nv12: PairMetrics,
    noise: PairMetrics,
    matched: PairMetrics | None,
    conversion: PairMetrics,
) -> OutputMetrics:
    """One output's :class:`OutputMetrics` from the pair metrics of each path.

    ``nv12``, ``noise`` and ``matched`` compare each path's output with the reference
    output, ``conversion`` the NV12 path's with the matched path's
    (``nv12_widgets.core.compare_arrays``); a pair that could not be measured leaves
    its metrics NaN and a note. ``matched=None``: the source was a raw frame, there
    is no full-resolution RGB, the format's own loss is not measurable.
    """
    ref = np.asarray(reference)
    notes: list[str] = []
    if matched is None:
        nan = math.nan
        matched = PairMetrics(nan, nan, nan, nan, note=FORMAT_NOT_MEASURABLE)
    if np.issubdtype(ref.dtype, np.integer) or ref.dtype == np.bool_:
        notes.append(
            f"integer output ({ref.dtype}): cosine/SQNR are computed on its values; "
            "'agreement' is the fraction of equal elements"
        )
    reference_note = next(
        (p.note for p in (nv12, noise, matched) if p.note.startswith(("non-numeric", "reference"))),
        None,
    )
    if reference_note is not None:
        if reference_note.startswith("reference"):
            notes.append(
                "reference output contains NaN/Inf: not measurable (check the model/input)"
            )
        else:
            notes.append(reference_note)
    else:
        for label, p in (("NV12", nv12), ("noise", noise), ("matched NV12", matched)):
            if p.note == FORMAT_NOT_MEASURABLE:
                notes.append(FORMAT_NOT_MEASURABLE)
            elif p.note:
                notes.append(f"{label} output {p.note}: its metrics are NaN")
    return OutputMetrics(
        name=name,
        shape=tuple(ref.shape),
        dtype=str(ref.dtype),
        cosine_nv12=nv12.cosine,
        cosine_noise=noise.cosine,
        cosine_format=matched.cosine,
        cosine_conversion=conversion.cosine,
        sqnr_nv12_db=nv12.sqnr_db,
        sqnr_noise_db=noise.sqnr_db,
        max_abs_nv12=nv12.max_abs,
        max_abs_noise=noise.max_abs,
        mean_abs_nv12=nv12.mean_abs,
        mean_abs_noise=noise.mean_abs,
        top1_nv12=nv12.top1,
        top1_noise=noise.top1,
        top5_nv12=nv12.top5,
        top5_noise=noise.top5,
        agreement_nv12=nv12.agreement,
        agreement_noise=noise.agreement,
        notes=tuple(notes),
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    return value
