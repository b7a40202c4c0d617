"""Results of a comparison, apart from the runner that produces them.

:class:`OutputMetrics` (one output, every path), :class:`Comparison` (one image: metrics
plus every intermediate), :class:`Verdict` and the verdict rules (:func:`verdict`). The
runner is :class:`~nv12_widgets.model.Comparator` (``compare.py``), a cache over
:class:`~nv12_widgets.model.devicepath.pipeline.Pipeline`; the metrics of each pair of arrays come
from the one bundle ``nv12_widgets.core.compare_arrays``, the signal and evidence rules
from ``nv12_widgets.core.signal``, the task agreement from ``nv12_widgets.core.heads``
and the configuration findings from :mod:`nv12_widgets.model.judge.lint`.

The verdict rules (R1-R7, with the task-aware no-signal, "no visible effect" and the
material-effect floor of a preprocessing blame) live in
:mod:`nv12_widgets.model.judge.verdict_rules`, with the measurements behind their constants;
:func:`verdict` applies them to a :class:`Comparison` (adding what the format lost on
this image: ``core.format_parts``).

Task answers: for an output whose kind decodes an answer (detections, text, classes,
masks), :func:`output_metrics` records whether the reference answer is empty
(``answer_empty``) and the task agreement of the NV12, matched (format), noise and
conversion pairs; a head split into parts (``components``) gets one nested
:class:`OutputMetrics` per part (its own cosine, SQNR, max error and status).
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from nv12_widgets.core import (
    NV12,
    InputError,
    PairMetrics,
    Signal,
    assess_pair,
    compare_arrays,
    signal_of,
    task_agreement,
    to_jsonable,
)
from nv12_widgets.core.format_parts import FormatErrorParts, format_error_parts
from nv12_widgets.core.heads import DENSE_THRESHOLD, OutputKind
from nv12_widgets.core.heads import get as get_kind
from nv12_widgets.core.vocabulary import metrics_line
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import DecodeStage
from nv12_widgets.model.judge.verdict_rules import (
    CONVERSION_RATIO,
    FRAGILE_RATIO,
    NO_LOSS,
    ROUNDING_FLOOR,
    Verdict,
    answers_agree,
    task_score,
    verdict_of,
)

__all__ = [
    "CONVERSION_RATIO",
    "FRAGILE_RATIO",
    "NO_LOSS",
    "ROUNDING_FLOOR",
    "answer_of",
    "answers_agree",
    "component_measures",
    "component_metrics",
    "format_parts_of",
    "task_score",
    "Comparison",
    "OutputMetrics",
    "Verdict",
    "PathMeasure",
    "measure_path",
    "output_metrics",
    "verdict",
    "verdict_of",
]


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

    ``kind`` is the output's kind (``core.heads.output_kind``: classifier, sequence,
    dense, other); ``signal``, ``ref_peak``, ``ref_scale`` and ``signal_reason`` describe the
    reference output (``core.signal.signal_of``: does it carry signal on this image?);
    ``status_*`` say whether each pair is ``"evidence"``, differs by float32
    ``"rounding"`` only, has ``"no-signal"`` on either side, or is ``"unmeasurable"``;
    ``task_*`` are the task-level agreements of the NV12 and noise paths
    (``core.heads.task_agreement``: top-1/top-5, per-step and decoded-sequence
    agreement, IoU of the thresholded maps), ``task_format`` the matched path's and
    ``task_conversion`` the NV12 path's against the matched path's. ``answer_empty``
    says whether the reference answer is empty for the kind (None: the kind has no
    answer rule), ``answer_reason`` why. ``components``: one nested OutputMetrics per
    part of a head (named ``"output[part]"``), judged instead of the whole tensor.
    ``kind_guessed``: the kind is the shape guess (not chosen, bound or read from
    metadata): its decoded answers may be meaningless (a box-regression tensor read as
    a text map), so the verdict does not rest on them (see ``verdict_rules``).

    Examples
    --------
    >>> ref, moved = {"p": np.array([1.0, 2.0, 3.0])}, {"p": np.array([1.0, 2.0, 3.5])}
    >>> (m,) = component_metrics("y", ref, nv12=moved, noise=ref, matched=ref)
    >>> round(m.loss_nv12, 4), m.loss_noise, m.loss_format, round(m.loss_conversion, 4)
    (0.0026, 0.0, 0.0, 0.0026)
    >>> m.to_dict()["name"], m.to_dict()["shape"], m.status_nv12, m.status_noise
    ('y[p]', [3], 'evidence', 'rounding')
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
    task_format: dict | None = None
    task_conversion: dict | None = None
    answer_empty: bool | None = None
    answer_reason: str = ""
    components: tuple[OutputMetrics, ...] = ()
    kind_guessed: bool = False

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
        d["components"] = [c.to_dict() for c in self.components]
        return d


def format_parts_of(c: Comparison) -> FormatErrorParts | None:
    """What the format lost on this comparison's image (None for a raw frame): the
    fitted image against its NV12 frame, with the matched decode's swing, matrix and
    chroma upsampling (``core.format_parts.format_error_parts``).

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model import compare
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> rgb = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5  # colour edges
    >>> parts = format_parts_of(compare(tiny, rgb, PreprocessConfig()))
    >>> parts.dominant, round(parts.luma_rms, 3), round(parts.chroma_rms, 3)
    ('chroma', 0.075, 0.375)
    """
    if c.source == "frame":
        return None
    stage = DecodeStage.matched(c.device_config, c.config)
    key = (id(c.fitted_image), id(c.nv12_frame), stage.swing, stage.matrix, stage.upsample)
    with _PARTS_LOCK:
        hit = _PARTS.get(key)
    # a noise move keeps the Comparator's cached image and frame: their parts are known
    if hit is not None and hit[0] is c.fitted_image and hit[1] is c.nv12_frame:
        return hit[2]
    parts = format_error_parts(
        c.fitted_image,
        c.nv12_frame,
        swing=stage.swing,
        matrix=stage.matrix,
        upsample=stage.upsample,
    )
    with _PARTS_LOCK:
        _PARTS[key] = (c.fitted_image, c.nv12_frame, parts)
        while len(_PARTS) > 8:
            _PARTS.popitem(last=False)
    return parts


#: :func:`format_parts_of` memo: (image id, frame id, decode) -> (image, frame, parts); the
#: arrays are kept so that a recycled id never returns another image's parts.
_PARTS: OrderedDict[tuple, tuple] = OrderedDict()
_PARTS_LOCK = threading.Lock()


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

    Examples
    --------
    >>> ref = np.array([1.0, 2.0, 3.0])
    >>> same, off = measure_path(ref, ref), measure_path(ref, ref + [0, 0, 0.5])
    >>> m = output_metrics("y", ref, nv12=off, noise=same, matched=same, conversion=off,
    ...                    signal=signal_of(ref), kind="other")
    >>> v = verdict(m)  # the conversion alone moves the output
    >>> v.code, v.title
    ('preprocessing', 'Preprocessing differs from training')
    """
    if isinstance(metrics, Comparison):
        c = metrics
        return verdict_of(
            list(c.metrics.values()),
            noise_amplitude=c.config.noise_amplitude,
            lint=c.lint,
            costs=c.mistake_costs,
            frame=c.source == "frame",
            format_parts=c.format_parts,
        )
    return verdict_of(
        [metrics], noise_amplitude=noise_amplitude, lint=lint, costs=costs, frame=frame
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
    lint : tuple of LintFinding
        What the configuration linter found (``model.lint.lint``); errors decide the
        verdict (rule R1).
    mistake_costs : dict
        Output name -> ``MistakeCost``: what the lint errors cost on this image.
    tensors : dict
        Path ("reference", "nv12", "noise", "format") -> the exact tensor the model was
        fed on that path (the model's layout and dtype).
    tasks : dict
        Binding name (``"yolov8(output0)"``) -> ``model.task_results.TaskResult``:
        the decoded answers of every path and their agreement (the pictures read them).

    Examples
    --------
    A full-swing camera decoded as studio swing by the device, on a one-Relu model:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model import compare
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> rgb = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> c = compare(tiny, rgb, PreprocessConfig(), device=PreprocessConfig(decode_swing="studio"))
    >>> c
    Comparison('g', 4x4, y: nv12=0.998203 noise=0.999982)
    >>> c.to_dict()["y"]["shape"], c.nv12_rgb().shape, c.verdict().code
    ([1, 3, 4, 4], (4, 4, 3), 'preprocessing')
    >>> c.verdict_text().split(".")[0], c.to_record()["lint"][0]["code"]
    ('Preprocessing differs from training', 'decode-swing')
    >>> print(c.summary().splitlines()[0])
    y: cos NV12 0.998203, cos noise 0.999982, cos format 0.999993, SQNR NV12 22.28 dB, ref peak 0.9216
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
    tasks: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Output name -> that output's metrics (``cosine_nv12``, ``cosine_noise``, ...)."""
        return {name: m.to_dict() for name, m in self.metrics.items()}

    @functools.cached_property
    def format_parts(self) -> FormatErrorParts | None:
        """What the format lost on this image: luma requantisation vs 4:2:0 chroma
        (:func:`format_parts_of`; None for a raw frame)."""
        return format_parts_of(self)

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
            "tasks": {name: t.to_dict() for name, t in self.tasks.items()},
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


#: Shape guesses whose answers the verdict trusts: a (N, C) score vector is a
#: classifier; a probability map with no pixel above 0.3 answers nothing whatever its
#: family (``answer_of``'s "dense" rule).
TRUSTED_GUESSES = ("classifier", "dense")

#: The note of the format's metrics when the source is a raw camera frame.
FORMAT_NOT_MEASURABLE = (
    "raw camera frame: the 4:2:0 format's own loss is not measurable (there is no "
    "full-resolution RGB); the reference is the frame's best PC decode"
)


@dataclass(frozen=True)
class PathMeasure:
    """One path's output against its reference: the metric bundle, whether the pair is
    evidence (``core.signal.assess_pair``), and the task-level agreement.

    Examples
    --------
    >>> ref = np.array([1.0, 2.0, 3.0])
    >>> m = measure_path(ref, ref + [0, 0, 0.5])
    >>> round(m.metrics.cosine, 4), m.metrics.max_abs, m.status, m.task
    (0.9974, 0.5, 'evidence', None)
    """

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
    (when ``kind`` is given) the task agreement of that kind.

    Examples
    --------
    >>> ref = np.array([[0.1, 0.9]])
    >>> m = measure_path(ref, np.array([[0.6, 0.4]]), kind="classifier")
    >>> m.status, m.task["top1"], measure_path(ref, ref + 1e-9).status
    ('evidence', 0.0, 'rounding')
    """
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
    kind_guessed: bool = False,
    answer_empty: bool | None = None,
    answer_reason: str = "",
    components: Sequence[OutputMetrics] = (),
) -> OutputMetrics:
    """One output's :class:`OutputMetrics` from the measure of each path.

    ``answer_empty`` / ``answer_reason``: whether the reference answer is empty, when
    the caller decoded it (an output kind of the registry); default: the kind's own
    rule (:func:`answer_of`). ``components``: the parts of a head
    (:func:`component_metrics`).

    ``nv12``, ``noise`` and ``matched`` compare each path's output with the reference
    output, ``conversion`` the NV12 path's with the matched path's (see
    :func:`measure_path`); a pair that could not be measured leaves its metrics NaN and
    a note. ``matched=None``: the source was a raw frame, there is no full-resolution
    RGB, the format's own loss is not measurable.

    Examples
    --------
    >>> ref = np.array([1.0, 2.0, 3.0])
    >>> same, off = measure_path(ref, ref), measure_path(ref, ref + [0, 0, 0.5])
    >>> m = output_metrics("y", ref, nv12=off, noise=same, matched=None, conversion=off,
    ...                    signal=signal_of(ref), kind="other")
    >>> round(m.cosine_nv12, 4), m.cosine_noise, m.status_format  # matched=None: a raw frame
    (0.9974, 1.0, 'unmeasurable')
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
    if answer_empty is None and (not kind_guessed or kind in TRUSTED_GUESSES):
        answer_empty, answer_reason = answer_of(ref, kind)
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
        kind_guessed=kind_guessed,
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
        task_format=matched.task,
        task_conversion=conversion.task,
        answer_empty=answer_empty,
        answer_reason=answer_reason,
        components=tuple(components),
    )


def answer_of(reference: Any, kind: str | None, **params: Any) -> tuple[bool | None, str]:
    """Whether the reference answer of one output, read as ``kind``, is empty, and why.

    The kind's own rule (``OutputKind.empty`` of ``core.heads``: no detection above
    the family's threshold, no DB text box, no confident class); None when the kind has
    no emptiness rule (the raw-value signal rule of ``core.signal`` then applies) or
    cannot read the output. ``"dense"`` - the legacy name the shape guess gives any
    probability map - uses the weaker rule "no pixel above ``DENSE_THRESHOLD`` (0.3,
    PaddleOCR's ``det_db_thresh``)": a map that is not a DB text map is never called
    empty for lack of DB boxes; name the kind ``"db"`` for the DB box rule.

    Examples
    --------
    >>> empty_map = np.full((1, 1, 16, 16), 2.8e-3, np.float32)  # peak far below 0.3
    >>> answer_of(empty_map, "db")
    (True, 'no answer above the db thresholds (thresh=0.3, box_thresh=0.6)')
    >>> answer_of(np.array([[0.2, 0.8]]), "other")
    (None, '')
    """
    if kind is None:
        return None, ""
    if kind == "dense":  # the shape guess (any probability map): no pixel above 0.3
        area = int(np.count_nonzero(np.asarray(reference) > DENSE_THRESHOLD))
        if area:
            return False, ""
        return True, f"no pixel of the map above its threshold {DENSE_THRESHOLD:g}"
    try:
        k = get_kind(kind)
    except InputError:
        return None, ""
    if type(k).empty is OutputKind.empty:
        return None, ""
    try:
        empty = bool(k.empty(k.decode([np.asarray(reference)], **params)))
    except (InputError, ValueError, IndexError):
        return None, ""
    if not empty:
        return False, ""
    values = k.params(**params)
    limits = ", ".join(
        f"{name}={values[name]:g}"
        for name in values
        if ("thresh" in name or "conf" in name) and isinstance(values[name], int | float)
    )
    return True, f"no answer above the {k.name} thresholds ({limits})" if limits else (
        f"the {k.name} answer is empty"
    )


def component_metrics(
    name: str,
    reference: Mapping[str, np.ndarray],
    *,
    nv12: Mapping[str, np.ndarray],
    noise: Mapping[str, np.ndarray],
    matched: Mapping[str, np.ndarray] | None,
    task: Mapping[str, Any] | None = None,
    frame: bool = False,
    measured: Mapping[str, tuple] | None = None,
) -> tuple[OutputMetrics, ...]:
    """One :class:`OutputMetrics` per part of a head (box coordinates, scores...).

    Parameters
    ----------
    name : str
        The output's name; each part is named ``"name[part]"``.
    reference, nv12, noise, matched : mapping
        Part name -> array, per path (the output kind's ``components()``); ``matched``
        None when there is no matched path.
    frame : bool
        The source was a raw frame: the matched path is only the conversion's reference
        (the format's own loss is not measurable).
    task : mapping, optional
        The output's task fields copied onto every part (``task_nv12``,
        ``task_format``, ``task_conversion``, ``answer_empty``, ``answer_reason``),
        so the rules read the task answer for each part.
    measured : mapping, optional
        :func:`component_measures` of the same reference, NV12 and matched parts
        (computed when not given): only the noise path is then measured.

    Examples
    --------
    >>> ref = {"boxes": np.array([[100.0, 200.0]]), "scores": np.array([[0.9, 0.1]])}
    >>> nv = {"boxes": np.array([[100.0, 201.0]]), "scores": np.array([[0.1, 0.9]])}
    >>> parts = component_metrics("y", ref, nv12=nv, noise=ref, matched=ref)
    >>> [p.name for p in parts], parts[1].cosine_nv12 < 0.5 < parts[0].cosine_nv12
    (['y[boxes]', 'y[scores]'], True)
    """
    measured = (
        measured
        if measured is not None
        else component_measures(reference, nv12=nv12, matched=matched, frame=frame)
    )
    out = []
    extra = dict(task or {})
    for part, shaped in reference.items():
        r = np.asarray(shaped).reshape(-1)
        sig, nv_m, mt, conv = measured[part]
        m = output_metrics(
            f"{name}[{part}]",
            r,
            nv12=nv_m,
            noise=measure_path(r, np.asarray(noise[part]).reshape(-1), signal=sig),
            matched=mt,
            conversion=conv,
            signal=sig,
            kind="other",
            answer_empty=extra.get("answer_empty"),
            answer_reason=extra.get("answer_reason", ""),
        )
        fields = {"shape": tuple(np.shape(shaped))} | {
            k: extra[k]
            for k in ("task_nv12", "task_noise", "task_format", "task_conversion")
            if k in extra
        }
        out.append(replace(m, **fields) if fields else m)
    return tuple(out)


def component_measures(
    reference: Mapping[str, np.ndarray],
    *,
    nv12: Mapping[str, np.ndarray],
    matched: Mapping[str, np.ndarray] | None,
    frame: bool = False,
) -> dict[str, tuple]:
    """The noise-independent part of :func:`component_metrics`: per part, the
    reference's signal and the NV12, matched and conversion :class:`PathMeasure`
    (matched None when there is no matched path or the source was a raw frame).
    Callers that see the same reference, NV12 and matched outputs again (the noise
    slider) keep this and pass it as ``measured``.

    Examples
    --------
    >>> ref = {"scores": np.array([[0.9, 0.1]])}
    >>> m = component_measures(ref, nv12=ref, matched=None)
    >>> m["scores"][1].metrics.cosine, m["scores"][2]
    (1.0, None)
    """
    out = {}
    for part, shaped in reference.items():
        # measured flat: a (N, C) part is not a classifier (no top-k over its rows)
        r = np.asarray(shaped).reshape(-1)

        def flat(path: Mapping[str, np.ndarray], part: str = part) -> np.ndarray:
            return np.asarray(path[part]).reshape(-1)

        sig = signal_of(r)
        mt = None if matched is None or frame else measure_path(r, flat(matched), signal=sig)
        conv_ref = r if matched is None else flat(matched)
        out[part] = (
            sig,
            measure_path(r, flat(nv12), signal=sig),
            mt,
            measure_path(conv_ref, flat(nv12)),
        )
    return out
