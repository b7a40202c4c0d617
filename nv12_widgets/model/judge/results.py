"""Results of a comparison, apart from the runner that produces them.

:class:`Comparison` (one image: the judged :class:`Evidence` plus every intermediate),
:class:`Verdict` and the verdict rules (:func:`verdict`). The runner is
:class:`~nv12_widgets.model.Comparator` (``compare.py``), a cache over
:class:`~nv12_widgets.model.devicepath.pipeline.Pipeline`; one output on every path is
measured by :mod:`nv12_widgets.model.judge.measures` (:class:`OutputMetrics`), the
configuration findings come from :mod:`nv12_widgets.model.judge.lint`.

The verdict rules (R1-R7, with the task-aware no-signal, "no visible effect" and the
material-effect floor of a preprocessing blame) live in
:mod:`nv12_widgets.model.judge.verdict_rules`, with the measurements behind their constants;
:func:`verdict` applies them to a :class:`Comparison` (adding what the format lost on
this image: ``core.format_parts``).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nv12_widgets.core import (
    NV12,
    to_jsonable,
)
from nv12_widgets.core.format_parts import FormatErrorParts, format_error_parts
from nv12_widgets.core.vocabulary import metrics_line
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import DecodeStage
from nv12_widgets.model.judge.measures import OutputMetrics
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
    "answers_agree",
    "format_parts_of",
    "task_score",
    "Comparison",
    "Evidence",
    "Verdict",
    "verdict",
    "verdict_of",
]


# ---------------------------------------------------------------------- results
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
    >>> from nv12_widgets.core import signal_of
    >>> from nv12_widgets.model.judge.measures import measure_path, output_metrics
    >>> ref = np.array([1.0, 2.0, 3.0])
    >>> same, off = measure_path(ref, ref), measure_path(ref, ref + [0, 0, 0.5])
    >>> m = output_metrics("y", ref, nv12=off, noise=same, format=same, conversion=off,
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


class Evidence:
    """What a :class:`Comparison` judged: per-output metrics and the task results.

    Given at once (``Evidence(metrics, tasks)``) or computed on first read
    (``Evidence.later(compute)``, ``compute() -> (metrics, tasks)``, run once under a
    lock): a comparison whose numbers nobody reads (a noise move the dashboard
    supersedes, a sweep cell only plotted) costs its inference alone.

    Examples
    --------
    >>> calls = []
    >>> e = Evidence.later(lambda: calls.append(1) or ({"y": 1}, {}))
    >>> len(calls)
    0
    >>> e.metrics, e.tasks, len(calls)
    ({'y': 1}, {}, 1)
    >>> Evidence({"y": 2}).metrics
    {'y': 2}
    """

    __slots__ = ("_compute", "_lock", "_value")

    def __init__(self, metrics: Mapping[str, Any], tasks: Mapping[str, Any] | None = None):
        self._value: tuple[dict, dict] | None = (dict(metrics), dict(tasks or {}))
        self._compute = None
        self._lock = threading.Lock()

    @classmethod
    def later(cls, compute) -> Evidence:
        """Evidence computed by ``compute()`` when first read."""
        e = cls({})
        e._value, e._compute = None, compute
        return e

    def _get(self) -> tuple[dict, dict]:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    metrics, tasks = self._compute()
                    self._value, self._compute = (dict(metrics), dict(tasks)), None
                value = self._value
        return value

    @property
    def metrics(self) -> dict[str, Any]:
        """Output name -> :class:`OutputMetrics`."""
        return self._get()[0]

    @property
    def tasks(self) -> dict[str, Any]:
        """Binding name -> ``task_results.TaskResult``."""
        return self._get()[1]


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
    evidence : Evidence
        The judged part: ``metrics`` (dict of str to OutputMetrics) and ``tasks``
        below, computed when first read (see :class:`Evidence`).
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
    metrics : dict of str to OutputMetrics
        (property) ``evidence.metrics``.
    tasks : dict
        (property) Binding name (``"yolov8(output0)"``) ->
        ``model.task_results.TaskResult``: the decoded answers of every path and their
        agreement (the pictures read them).

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
    >>> c.metrics["y"].kind, list(c.tasks)  # judged when first read
    ('other', [])
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
    evidence: Evidence
    inferences: int = 0
    notes: tuple[str, ...] = field(default=())
    source: str = "image"
    lint: tuple = ()
    mistake_costs: dict = field(default_factory=dict)
    tensors: dict = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, OutputMetrics]:
        """Output name -> :class:`OutputMetrics` (measured on first read)."""
        return self.evidence.metrics

    @property
    def tasks(self) -> dict[str, Any]:
        """Binding name -> ``task_results.TaskResult`` (judged on first read)."""
        return self.evidence.tasks

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
