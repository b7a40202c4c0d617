"""The metric vocabulary: one key, one short name, one meaning, one format per metric.

Every place that shows a metric takes its words from here, so the same number has the
same name everywhere: the key is the one of ``OutputMetrics`` / ``Comparison.to_dict()``
(``cosine_nv12``), the short name is the column header of the dashboard's similarity
table, the HTML report's metric tables and the CLI's printed lines (``cos NV12``), the
meaning is the header's tooltip, and the format and the colour thresholds are shared.

The four paths (docs/domain.md): **reference** (training preprocessing, no NV12), **NV12**
(RGB -> NV12 -> the device's conversion), **noise** (reference plus the vendor's noise),
**matched** (the same NV12 sampling decoded by an ideal float conversion with the
device's swing: what the 4:2:0 *format* costs). ``*_conversion`` compares the NV12 path
with the matched one: what the conversion *arithmetic* alone costs.

Colour classes (:data:`LEVELS`): ``"good"`` (green), ``"fair"`` (amber), ``"poor"``
(red), from :data:`COSINE_GOOD` / :data:`COSINE_FAIR` for cosines. SQNR thresholds are
the same limits expressed in dB: for a small perturbation ``e`` of an output ``x``,
``1 - cos ~= |e|^2 / (2 |x|^2)`` so ``SQNR = 10 log10(|x|^2/|e|^2) ~= -10 log10(2 (1 -
cos))``: 0.9999 -> 37.0 dB, 0.999 -> 27.0 dB (:data:`SQNR_GOOD_DB`,
:data:`SQNR_FAIR_DB`). Absolute errors have no scale-free threshold and are not coloured.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "COSINE_FAIR",
    "COSINE_GOOD",
    "DASHBOARD_KEYS",
    "CLI_KEYS",
    "LEGEND",
    "LEGEND_NOTE",
    "LEVELS",
    "METRICS",
    "MetricSpec",
    "SIGNAL_KEYS",
    "SQNR_FAIR_DB",
    "SQNR_GOOD_DB",
    "column_name",
    "format_metric",
    "is_known",
    "legend_items",
    "metric_cell",
    "metric_level",
    "metric_spec",
    "metrics_line",
    "fold_task_keys",
    "format_loss",
    "format_number",
    "format_percent",
    "NOT_MEASURED",
    "NOT_MEASURED_RAW",
]

COSINE_GOOD = 0.9999
"""Cosine similarities at or above this are shown green (``"good"``)."""

COSINE_FAIR = 0.999
"""Cosine similarities at or above this (and below :data:`COSINE_GOOD`) are shown amber
(``"fair"``); lower ones red (``"poor"``)."""


def _cosine_to_sqnr_db(cosine: float) -> float:
    return -10.0 * math.log10(2.0 * (1.0 - cosine))


SQNR_GOOD_DB = round(_cosine_to_sqnr_db(COSINE_GOOD), 1)
"""37.0 dB: the SQNR of a small perturbation whose cosine is :data:`COSINE_GOOD`."""

SQNR_FAIR_DB = round(_cosine_to_sqnr_db(COSINE_FAIR), 1)
"""27.0 dB: the SQNR of a small perturbation whose cosine is :data:`COSINE_FAIR`."""

LEVELS = ("good", "fair", "poor")
"""The colour classes, best first (CSS classes of the dashboard and the report)."""

MISSING = "—"
"""Text of a missing value (None)."""


@dataclass(frozen=True)
class MetricSpec:
    """How one metric is named, explained, formatted and coloured.

    Attributes
    ----------
    key : str
        The key in ``OutputMetrics`` / ``Comparison.to_dict()``.
    column : str
        Short column name (headers of the dashboard, the report and the CLI).
    meaning : str
        One sentence: what the number is (the header's tooltip).
    fmt : str
        ``format()`` spec of a float value, e.g. ``".6f"``.
    unit : str
        Unit shown after the header, e.g. ``"dB"``; empty for none.
    good, fair : float or None
        Colour thresholds: ``value >= good`` is ``"good"``, ``value >= fair`` ``"fair"``,
        lower ``"poor"``; None: not coloured.

    Examples
    --------
    >>> spec = MetricSpec("sqnr_nv12_db", "SQNR NV12", "signal to noise", ".2f", "dB", 30.0, 20.0)
    >>> spec.header, spec.format(22.284), spec.format(float("inf")), spec.format(None)
    ('SQNR NV12 (dB)', '22.28', '∞', '—')
    >>> spec.level(35.0), spec.level(22.3), spec.level(3.0), spec.level(float("nan"))
    ('good', 'fair', 'poor', None)
    """

    key: str
    column: str
    meaning: str
    fmt: str = ".6g"
    unit: str = ""
    good: float | None = None
    fair: float | None = None

    @property
    def header(self) -> str:
        """``column`` with its unit: ``"SQNR NV12 (dB)"``."""
        return f"{self.column} ({self.unit})" if self.unit else self.column

    def format(self, value: Any) -> str:
        """The value as text: see :func:`format_metric`."""
        if value is None:
            return MISSING
        if isinstance(value, Mapping) and self.key.startswith("task_"):
            from .heads import task_summary  # a task agreement dict: its one-line summary

            return task_summary(value) or MISSING
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if math.isnan(value):
                return "NaN"
            if math.isinf(value):
                return "∞" if value > 0 else "−∞"
            return format(value, self.fmt)
        if isinstance(value, list | tuple):
            return (
                "x".join(str(v) for v in value)
                if self.key == "shape"
                else "; ".join(str(v) for v in value)
            )
        return str(value)

    def level(self, value: Any) -> str | None:
        """``"good"`` / ``"fair"`` / ``"poor"``, or None (no thresholds, not a number, NaN)."""
        if self.good is None or self.fair is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return None
        if value >= self.good:
            return "good"
        return "fair" if value >= self.fair else "poor"


def _cos(key: str, column: str, meaning: str) -> MetricSpec:
    return MetricSpec(key, column, meaning, ".6f", "", COSINE_GOOD, COSINE_FAIR)


def _sqnr(key: str, column: str, meaning: str) -> MetricSpec:
    return MetricSpec(key, column, meaning, ".2f", "dB", SQNR_GOOD_DB, SQNR_FAIR_DB)


_NV12 = "the NV12 path (RGB -> NV12 -> the device's conversion)"
_NOISE = "the noise path (reference input plus the vendor's noise)"

METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("name", "output", "The model output the row is about."),
    MetricSpec("shape", "shape", "Shape of the output tensor."),
    MetricSpec("dtype", "dtype", "Element type of the output tensor."),
    _cos(
        "cosine_nv12",
        "cos NV12",
        f"Cosine similarity of the output on {_NV12} with the reference output; 1 = same.",
    ),
    _cos(
        "cosine_noise",
        "cos noise",
        f"Cosine similarity of the output on {_NOISE} with the reference output: how much "
        "the model moves for noise alone.",
    ),
    _cos(
        "cosine_format",
        "cos format",
        "Cosine similarity of the output on the matched path (the same NV12 frame decoded "
        "by an ideal float conversion) with the reference: what the 4:2:0 format costs.",
    ),
    _cos(
        "cosine_conversion",
        "cos conversion",
        "Cosine similarity of the NV12 path's output with the matched path's: what the "
        "device's conversion arithmetic alone costs (swing, matrix, rounding, order).",
    ),
    _sqnr(
        "sqnr_nv12_db",
        "SQNR NV12",
        f"Signal-to-error ratio of the output on {_NV12} against the reference output.",
    ),
    _sqnr(
        "sqnr_noise_db",
        "SQNR noise",
        f"Signal-to-error ratio of the output on {_NOISE} against the reference output.",
    ),
    MetricSpec(
        "max_abs_nv12",
        "max |Δ| NV12",
        "Largest absolute difference between the NV12 path's output and the reference.",
        ".4g",
    ),
    MetricSpec(
        "max_abs_noise",
        "max |Δ| noise",
        "Largest absolute difference between the noise path's output and the reference.",
        ".4g",
    ),
    MetricSpec(
        "mean_abs_nv12",
        "mean |Δ| NV12",
        "Mean absolute difference between the NV12 path's output and the reference.",
        ".4g",
    ),
    MetricSpec(
        "mean_abs_noise",
        "mean |Δ| noise",
        "Mean absolute difference between the noise path's output and the reference.",
        ".4g",
    ),
    MetricSpec(
        "top1_nv12",
        "top-1 NV12",
        "Fraction of rows whose top-1 class on the NV12 path is the reference's top-1.",
        ".3f",
    ),
    MetricSpec(
        "top1_noise",
        "top-1 noise",
        "Fraction of rows whose top-1 class on the noise path is the reference's top-1.",
        ".3f",
    ),
    MetricSpec(
        "top5_nv12",
        "top-5 NV12",
        "Fraction of rows whose reference top-1 class is in the NV12 path's top 5.",
        ".3f",
    ),
    MetricSpec(
        "top5_noise",
        "top-5 noise",
        "Fraction of rows whose reference top-1 class is in the noise path's top 5.",
        ".3f",
    ),
    MetricSpec(
        "agreement_nv12",
        "agree NV12",
        "Fraction of elements of an integer output equal on the NV12 path and the reference.",
        ".4f",
    ),
    MetricSpec(
        "agreement_noise",
        "agree noise",
        "Fraction of elements of an integer output equal on the noise path and the reference.",
        ".4f",
    ),
    MetricSpec(
        "ref_peak",
        "ref peak",
        "Largest absolute value of the reference output: whether the output carries signal "
        "on this image (a detector that finds nothing peaks near 0).",
        ".4g",
    ),
    MetricSpec(
        "ref_scale",
        "ref scale",
        "The reference output's nominal scale (1 for probabilities, else its peak): "
        "differences below 256 float32 steps of it are rounding, not evidence.",
        ".4g",
    ),
    MetricSpec(
        "signal",
        "signal",
        "Whether the reference output carries signal on this image (core.signal.signal_of); "
        "an output without signal takes no part in the verdict.",
    ),
    MetricSpec("signal_reason", "signal why", "Why the reference output has signal or not."),
    MetricSpec(
        "kind",
        "kind",
        "The output's kind (classifier, sequence, dense map, other): which task agreement "
        "is measured.",
    ),
    MetricSpec(
        "status_nv12",
        "NV12 evidence",
        "Whether the NV12 pair is evidence, differs by float32 rounding only, or has no "
        "signal on either side.",
    ),
    MetricSpec(
        "status_noise",
        "noise evidence",
        "Whether the noise pair is evidence, rounding only, or without signal.",
    ),
    MetricSpec(
        "status_format",
        "format evidence",
        "Whether the matched (format) pair is evidence, rounding only, or without signal.",
    ),
    MetricSpec(
        "status_conversion",
        "conversion evidence",
        "Whether the NV12-vs-matched pair is evidence, rounding only, or without signal.",
    ),
    MetricSpec(
        "task_nv12",
        "task NV12",
        "Task-level agreement of the NV12 path with the reference, by output kind: top-1/"
        "top-5 (classifier), per-step and decoded-sequence agreement (sequence), IoU of the "
        "thresholded maps (dense).",
    ),
    MetricSpec(
        "task_noise",
        "task noise",
        "Task-level agreement of the noise path with the reference, by output kind.",
    ),
    MetricSpec(
        "task_format",
        "task format",
        "Task-level agreement of the matched float NV12 path with the reference: what the "
        "format alone changes in the answer.",
    ),
    MetricSpec(
        "task_conversion",
        "task conversion",
        "Task-level agreement of the NV12 path with the matched float NV12 path: what the "
        "device's conversion alone changes in the answer.",
    ),
    MetricSpec(
        "answer_empty",
        "answer empty",
        "The reference answer holds nothing above the family's thresholds (no detection, "
        "no text box, no confident class): the output shows no signal for the task.",
    ),
    MetricSpec("answer_reason", "empty why", "Why the reference answer is empty."),
    MetricSpec(
        "kind_guessed",
        "kind guessed",
        "The kind is a guess from the shape alone: its answers do not decide the verdict.",
    ),
    MetricSpec(
        "components",
        "parts",
        "The parts of a head tensor (box coordinates, objectness, class scores, "
        "landmarks), each with its own metrics, judged instead of the whole tensor.",
    ),
    MetricSpec("notes", "notes", "Why a metric is missing or NaN, and other remarks."),
)
"""Every metric of one model output, in display order."""

SIGNAL_KEYS = ("ref_peak", "ref_scale")
"""The reference's peak and scale, shown next to the cosines (the verdicts' signal check)."""

DASHBOARD_KEYS = (
    "cosine_nv12",
    "cosine_noise",
    "cosine_format",
    "cosine_conversion",
    "sqnr_nv12_db",
    "max_abs_nv12",
    "ref_peak",
    "ref_scale",
    "top1_nv12",
    "top5_nv12",
    "agreement_nv12",
    "task_nv12",
)
"""The dashboard similarity table's columns (those with a value for some output); the
noise path's SQNR and the other metrics are in the report's "more metrics" table."""

CLI_KEYS = ("cosine_nv12", "cosine_noise", "cosine_format", "sqnr_nv12_db", "ref_peak")
"""The metrics ``nv12-widgets report`` prints per image and output."""

_BY_KEY = {m.key: m for m in METRICS}

LEGEND_NOTE = (
    "A visual aid only: judge a number against the same image's own format, conversion "
    "and noise numbers, not against fixed thresholds."
)
"""What the colours are not (the second half of :data:`LEGEND`)."""

LEGEND = (
    f"Colours: green = cosine ≥ {COSINE_GOOD} (SQNR ≥ {SQNR_GOOD_DB:g} dB), amber = "
    f"cosine ≥ {COSINE_FAIR} (SQNR ≥ {SQNR_FAIR_DB:g} dB), red = lower. {LEGEND_NOTE}"
)
"""The colour legend as one plain sentence (dashboard, report, docs)."""


#: Text of a metric a path could not measure (NaN with status ``"unmeasurable"``), and
#: of the format path's metrics on a raw camera frame (no full-resolution RGB exists).
NOT_MEASURED = "n/a"
NOT_MEASURED_RAW = "n/a (raw frame)"
#: The comparison paths a metric key can name (``cosine_format`` -> ``status_format``).
PATHS = ("nv12", "noise", "format", "conversion")
#: How the model layer's note on a raw frame's format path starts (model/judge/results.py,
#: ``FORMAT_NOT_MEASURABLE``); tests/widgets/test_first_hour.py pins the pairing.
_RAW_NOTE = "raw camera frame"


def _notes_text(notes: Any) -> str:
    if isinstance(notes, list | tuple):
        return "; ".join(str(n) for n in notes)
    return "" if notes is None else str(notes)


def metric_cell(key: str, row: Mapping[str, Any]) -> tuple[str, str]:
    """``(text, tooltip)`` of metric ``key`` in one output's ``row`` of metrics.

    Like :func:`format_metric`, except that a NaN the path could not measure (its
    ``status_<path>`` is ``"unmeasurable"``) reads :data:`NOT_MEASURED` (on a raw frame
    :data:`NOT_MEASURED_RAW`) with the row's notes, which say why, as the tooltip instead
    of a bare "NaN". Other tooltips are the metric's meaning.

    Examples
    --------
    >>> row = {"cosine_format": float("nan"), "status_format": "unmeasurable",
    ...        "notes": ["raw camera frame: the 4:2:0 format's own loss is not measurable"]}
    >>> metric_cell("cosine_format", row)
    ('n/a (raw frame)', "raw camera frame: the 4:2:0 format's own loss is not measurable")
    >>> metric_cell("cosine_nv12", {"cosine_nv12": 0.5})[0]
    '0.500000'
    >>> metric_cell("ref_peak", {"ref_peak": float("nan"), "signal_reason": "empty output"})
    ('n/a', 'empty output')
    """
    spec = metric_spec(key)
    value = row.get(key)
    if isinstance(value, float) and math.isnan(value):
        path = next((p for p in PATHS if p in key.split("_")), None)
        if path is not None and row.get(f"status_{path}") == "unmeasurable":
            why = _notes_text(row.get("notes"))
            text = NOT_MEASURED_RAW if _RAW_NOTE in why else NOT_MEASURED
            return text, why or spec.meaning
        if path is None and key in SIGNAL_KEYS and (row.get("signal_reason") or row.get("notes")):
            # the reference's own numbers (peak, scale) of an output with no values
            why = row.get("signal_reason") or _notes_text(row.get("notes"))
            return NOT_MEASURED, str(why)
    return spec.format(value), spec.meaning


def fold_task_keys(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row whose flattened task agreement (``task_nv12.iou``... as a finding records
    it) is folded back into one ``task_nv12`` dict (shown as its one-line summary).

    Examples
    --------
    >>> fold_task_keys({"kind": "dense", "task_nv12.iou": 0.5, "task_nv12.threshold": 0.3})
    {'kind': 'dense', 'task_nv12': {'kind': 'dense', 'iou': 0.5, 'threshold': 0.3}}
    """
    out: dict[str, Any] = {}
    for key, value in row.items():
        head, dot, sub = key.partition(".")
        if dot and head.startswith("task_") and is_known(head):
            task = out.setdefault(head, {"kind": row.get("kind")})
            if isinstance(task, dict):
                task[sub] = value
            continue
        out[key] = value
    return out


def format_loss(value: Any) -> str:
    """A loss (1 - cosine, a mean |difference|) as text: ``"1.23e-04"``; ``"—"`` for
    None, ``"nan"`` / ``"inf"`` for non-finite values (the JSON policy's strings too).

    Examples
    --------
    >>> format_loss(0.000123), format_loss(None), format_loss("nan")
    ('1.23e-04', '—', 'nan')
    """
    return _number(value, ".2e")


def format_percent(value: Any, signed: bool = False) -> str:
    """A fraction as a percentage number (no ``%`` sign): ``0.912 -> "91.2"``;
    ``signed`` writes ``"+1.5"``. ``"—"`` for None, non-finite values as text.

    Examples
    --------
    >>> format_percent(0.912), format_percent(-0.015, signed=True), format_percent(None)
    ('91.2', '-1.5', '—')
    """
    number = _as_number(value)
    if number is None or not math.isfinite(number):
        return _number(value, "")
    return f"{100 * number:{'+' if signed else ''}.1f}"


def format_number(value: Any, fmt: str = ".3g") -> str:
    """Any recorded number with ``fmt`` (``"—"`` for None, non-finite values as text).

    Examples
    --------
    >>> format_number(0.04123), format_number(float("inf"))
    ('0.0412', 'inf')
    """
    return _number(value, fmt)


def _as_number(value: Any) -> float | None:
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):  # the JSON policy
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _number(value: Any, fmt: str) -> str:
    if value is None:
        return MISSING
    number = _as_number(value)
    if number is None:
        return str(value)
    if not math.isfinite(number):
        return "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")
    return format(number, fmt) if fmt else str(number)


def is_known(key: str) -> bool:
    """True for the keys of :data:`METRICS` (the package's own metrics).

    Examples
    --------
    >>> is_known("cosine_nv12"), is_known("my_metric")
    (True, False)
    """
    return key in _BY_KEY


def legend_items() -> list[tuple[str, str]]:
    """``[(level, text), ...]`` for a swatch legend, best first.

    Examples
    --------
    >>> legend_items()[0]
    ('good', 'cosine ≥ 0.9999, SQNR ≥ 37 dB')
    """
    return [
        ("good", f"cosine ≥ {COSINE_GOOD}, SQNR ≥ {SQNR_GOOD_DB:g} dB"),
        ("fair", f"cosine ≥ {COSINE_FAIR}, SQNR ≥ {SQNR_FAIR_DB:g} dB"),
        ("poor", "lower"),
    ]


def metric_spec(key: str) -> MetricSpec:
    """The vocabulary entry of ``key``; for an unknown key a generic entry from its name.

    Unknown keys (metrics a user records by hand) keep their key as column name; a name
    containing ``cosine`` is formatted and coloured as a cosine, one ending in ``_db`` as
    an SQNR.

    Examples
    --------
    >>> metric_spec("cosine_format").column
    'cos format'
    >>> metric_spec("psnr_db").fmt
    '.2f'
    """
    spec = _BY_KEY.get(key)
    if spec is not None:
        return spec
    lowered = key.lower()
    if "cosine" in lowered:
        return _cos(key, key, "A cosine similarity (1 = same direction).")
    if lowered.endswith("_db"):
        return _sqnr(key, key, "A ratio in decibels.")
    return MetricSpec(key, key, "")


def column_name(key: str) -> str:
    """The short name of a metric: ``column_name("cosine_nv12") == "cos NV12"``.

    Examples
    --------
    >>> column_name("sqnr_nv12_db"), column_name("my_metric")
    ('SQNR NV12', 'my_metric')
    """
    return metric_spec(key).column


def format_metric(key: str, value: Any) -> str:
    """Format one metric value as plain text (not escaped).

    ``"—"`` for None, ``"NaN"`` / ``"∞"`` / ``"−∞"`` for non-finite floats, integers as
    they are, floats with the metric's format, shapes as ``1x4x16x16``.

    Examples
    --------
    >>> format_metric("cosine_nv12", 0.99932), format_metric("sqnr_nv12_db", float("inf"))
    ('0.999320', '∞')
    >>> format_metric("max_abs_nv12", 0.0412), format_metric("top1_nv12", None)
    ('0.0412', '—')
    """
    return metric_spec(key).format(value)


def metric_level(key: str, value: Any) -> str | None:
    """The colour class of a value: ``"good"``, ``"fair"``, ``"poor"`` or None.

    Examples
    --------
    >>> metric_level("cosine_nv12", 0.99995), metric_level("sqnr_noise_db", 30.0)
    ('good', 'fair')
    >>> metric_level("max_abs_nv12", 3.0) is None
    True
    """
    return metric_spec(key).level(value)


def metrics_line(metrics: Mapping[str, Any], keys: Sequence[str] = CLI_KEYS) -> str:
    """One output's metrics as one line of text, with the short names and formats.

    What ``nv12-widgets report`` prints per image and output (and any plain-text summary).

    Parameters
    ----------
    metrics : mapping
        Key -> value, e.g. ``OutputMetrics.to_dict()``; missing keys print ``—``.
    keys : sequence of str, optional
        Which metrics, in order; :data:`CLI_KEYS` by default.

    Examples
    --------
    >>> metrics_line({"cosine_nv12": 0.99932, "sqnr_nv12_db": 31.25}, ["cosine_nv12", "sqnr_nv12_db"])
    'cos NV12 0.999320, SQNR NV12 31.25 dB'
    """
    parts = []
    for key in keys:
        spec = metric_spec(key)
        unit = f" {spec.unit}" if spec.unit else ""
        parts.append(f"{spec.column} {spec.format(metrics.get(key))}{unit}")
    return ", ".join(parts)
