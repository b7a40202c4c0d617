"""Measuring one output on every path: :class:`OutputMetrics`, :func:`measure_path`,
:func:`output_metrics` and the parts of a head (:func:`component_metrics`).

The metrics of each pair of arrays come from the one bundle
``nv12_widgets.core.compare_arrays``, the signal and evidence rules from
``nv12_widgets.core.signal``, the task agreement from ``nv12_widgets.core.heads``.
For an output whose kind decodes an answer (detections, text, classes, masks),
:func:`output_metrics` records whether the reference answer is empty (``answer_empty``)
and the task agreement of the NV12, format, noise and conversion pairs; a head
split into parts (``components``) gets one nested :class:`OutputMetrics` per part (its
own cosine, SQNR, max error and status). :mod:`nv12_widgets.model.judge.results` holds
the comparison of one image and its verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from typing import Any

import numpy as np

from nv12_widgets.core import (
    InputError,
    PairMetrics,
    Signal,
    assess_pair,
    compare_arrays,
    signal_of,
    task_agreement,
)
from nv12_widgets.core.heads import DENSE_THRESHOLD, OutputKind
from nv12_widgets.core.heads import get as get_kind
from nv12_widgets.core.metrics import SINGLE_VALUE

__all__ = [
    "FORMAT_NOT_MEASURABLE",
    "TRUSTED_GUESSES",
    "OutputMetrics",
    "PathMeasure",
    "answer_of",
    "component_measures",
    "component_metrics",
    "measure_path",
    "output_metrics",
]


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
    agreement, IoU of the thresholded maps), ``task_format`` the format path's and
    ``task_conversion`` the NV12 path's against the format path's. ``answer_empty``
    says whether the reference answer is empty for the kind (None: the kind has no
    answer rule), ``answer_reason`` why. ``components``: one nested OutputMetrics per
    part of a head (named ``"output[part]"``), judged instead of the whole tensor.
    ``kind_guessed``: the kind is the shape guess (not chosen, bound or read from
    metadata): its decoded answers may be meaningless (a box-regression tensor read as
    a text map), so the verdict does not rest on them (see ``verdict_rules``).

    Examples
    --------
    >>> ref, moved = {"p": np.array([1.0, 2.0, 3.0])}, {"p": np.array([1.0, 2.0, 3.5])}
    >>> (m,) = component_metrics("y", ref, nv12=moved, noise=ref, format=ref)
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
        """All fields as plain Python values (shape and notes as lists; the task dicts
        copied, as ``dataclasses.asdict`` would, without its generic recursion: the
        dashboard reads this on every noise move)."""
        d = {f: _plain(getattr(self, f)) for f in _FIELDS}
        d["shape"] = list(self.shape)
        d["notes"] = list(self.notes)
        d["components"] = [c.to_dict() for c in self.components]
        return d


_FIELDS = tuple(f.name for f in dataclass_fields(OutputMetrics))


def _plain(value: Any) -> Any:
    """A copy of nested dicts / lists / tuples / arrays (what ``asdict`` copies)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


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
    task: dict[str, Any] | None = None,
) -> PathMeasure:
    """Compare one output of a path with the reference: metrics, evidence status and
    (when ``kind`` is given) the task agreement of that kind.

    ``task``: that agreement when the caller already has it (e.g.
    ``task_results.per_output_task``: answers decoded once); ``kind`` is then ignored.

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
    if task is None and kind is not None:
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
    format: PathMeasure | None,
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

    ``nv12``, ``noise`` and ``format`` compare each path's output with the reference
    output, ``conversion`` the NV12 path's with the format path's (see
    :func:`measure_path`); a pair that could not be measured leaves its metrics NaN and
    a note. ``format=None``: the source was a raw frame, there is no full-resolution
    RGB, the format's own loss is not measurable.

    Examples
    --------
    >>> ref = np.array([1.0, 2.0, 3.0])
    >>> same, off = measure_path(ref, ref), measure_path(ref, ref + [0, 0, 0.5])
    >>> m = output_metrics("y", ref, nv12=off, noise=same, format=None, conversion=off,
    ...                    signal=signal_of(ref), kind="other")
    >>> round(m.cosine_nv12, 4), m.cosine_noise, m.status_format  # format=None: a raw frame
    (0.9974, 1.0, 'unmeasurable')
    """
    ref = np.asarray(reference)
    notes: list[str] = []
    if format is None:
        nan = math.nan
        format = PathMeasure(
            PairMetrics(nan, nan, nan, nan, note=FORMAT_NOT_MEASURABLE), "unmeasurable"
        )
    if np.issubdtype(ref.dtype, np.integer) or ref.dtype == np.bool_:
        notes.append(
            f"integer output ({ref.dtype}): cosine/SQNR are computed on its values; "
            "'agreement' is the fraction of equal elements"
        )
    pairs = (("NV12", nv12.metrics), ("noise", noise.metrics), ("matched NV12", format.metrics))
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
        single = [label for label, p in pairs if p.note == SINGLE_VALUE]
        if single:  # one note for every path: only the cosine is NaN
            notes.append(f"the output {SINGLE_VALUE}: its cosine is NaN on every path")
        for label, p in pairs:
            if p.note == FORMAT_NOT_MEASURABLE:
                notes.append(FORMAT_NOT_MEASURABLE)
            elif p.note and p.note != SINGLE_VALUE:
                notes.append(f"{label} output {p.note}: its metrics are NaN")
    if not signal.has_signal:
        notes.append(f"no signal on this image: {signal.reason}")
    if answer_empty is None and (not kind_guessed or kind in TRUSTED_GUESSES):
        answer_empty, answer_reason = answer_of(ref, kind)
    n, z, f = nv12.metrics, noise.metrics, format.metrics
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
        status_format=format.status,
        status_conversion=conversion.status,
        task_nv12=nv12.task,
        task_noise=noise.task,
        task_format=format.task,
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
    format: Mapping[str, np.ndarray] | None,
    task: Mapping[str, Any] | None = None,
    frame: bool = False,
    measured: Mapping[str, tuple] | None = None,
) -> tuple[OutputMetrics, ...]:
    """One :class:`OutputMetrics` per part of a head (box coordinates, scores...).

    Parameters
    ----------
    name : str
        The output's name; each part is named ``"name[part]"``.
    reference, nv12, noise, format : mapping
        Part name -> array, per path (the output kind's ``components()``); ``format``
        None when there is no format path.
    frame : bool
        The source was a raw frame: the format path is only the conversion's reference
        (the format's own loss is not measurable).
    task : mapping, optional
        The output's task fields copied onto every part (``task_nv12``,
        ``task_format``, ``task_conversion``, ``answer_empty``, ``answer_reason``),
        so the rules read the task answer for each part.
    measured : mapping, optional
        :func:`component_measures` of the same reference, NV12 and format parts
        (computed when not given): only the noise path is then measured.

    Examples
    --------
    >>> ref = {"boxes": np.array([[100.0, 200.0]]), "scores": np.array([[0.9, 0.1]])}
    >>> nv = {"boxes": np.array([[100.0, 201.0]]), "scores": np.array([[0.1, 0.9]])}
    >>> parts = component_metrics("y", ref, nv12=nv, noise=ref, format=ref)
    >>> [p.name for p in parts], parts[1].cosine_nv12 < 0.5 < parts[0].cosine_nv12
    (['y[boxes]', 'y[scores]'], True)
    """
    measured = (
        measured
        if measured is not None
        else component_measures(reference, nv12=nv12, format=format, frame=frame)
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
            format=mt,
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
    format: Mapping[str, np.ndarray] | None,
    frame: bool = False,
) -> dict[str, tuple]:
    """The noise-independent part of :func:`component_metrics`: per part, the
    reference's signal and the NV12, format and conversion :class:`PathMeasure`
    (format None when there is no format path or the source was a raw frame).
    Callers that see the same reference, NV12 and format outputs again (the noise
    slider) keep this and pass it as ``measured``.

    Examples
    --------
    >>> ref = {"scores": np.array([[0.9, 0.1]])}
    >>> m = component_measures(ref, nv12=ref, format=None)
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
        mt = None if format is None or frame else measure_path(r, flat(format), signal=sig)
        conv_ref = r if format is None else flat(format)
        out[part] = (
            sig,
            measure_path(r, flat(nv12), signal=sig),
            mt,
            measure_path(conv_ref, flat(nv12)),
        )
    return out
