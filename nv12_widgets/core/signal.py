"""Does a model output carry signal on this image, and is a difference evidence?

A cosine is only evidence about the preprocessing when the reference output carries
something the model "says" on this image, and when the two outputs differ by more than
float32 rounding. Two rules, each a pure function of the arrays:

:func:`signal_of` (one reference output), first rule that applies:

1. empty, non-numeric or non-finite -> no signal (nothing to compare);
2. integer / bool output -> signal (exact values, compared by agreement, not rounding);
3. all zeros -> no signal;
4. *probability-like* (floating, every value in [0, 1]: a sigmoid or softmax head) ->
   nominal scale 1 (the range of a probability); signal iff the peak reaches
   :data:`PROBABILITY_FLOOR` (1e-3);
5. otherwise (logits, features, regressions) -> nominal scale = the peak ``max|x|``;
   signal iff the values vary by at least :data:`ROUNDING_ULPS` float32 ulps of that
   scale (``max - min >= ROUNDING_ULPS * eps * scale``), or the output is a single
   value. A logit vector therefore always has signal (its spread is O(1) of its
   peak); a constant output plus rounding has none.

Why these constants:

* ``eps`` is ``numpy.finfo(dtype).eps`` of the output's float dtype, but never below
  float32's (1.19e-7): the runtimes compute in float32 at best.
* :data:`ROUNDING_ULPS` = 256. Measured on the bundled PP-OCRv4 detector (onnxruntime
  1.32 CPU, 320x320, the three bundled photos): moving every element of the normalised
  input tensor by one float32 ulp (the smallest possible input change) moves the
  probability map by up to 190 ulps of its scale 1 on ``coffee`` (2.26e-5) and by 1 ulp
  on ``astronaut`` / ``chelsea``; thread count changes nothing (0.0). So a difference
  below 256 ulps of the output's scale is what float32 rounding of the *input* alone
  produces: not evidence. 256 is the next power of two above 190.
* :data:`PROBABILITY_FLOOR` = 1e-3. In the tail of a sigmoid or softmax, ``dp / p =
  d(logit)``: the relative change of a tiny probability equals the absolute change of
  its logit, so an ordinary 0.1 logit wobble gives a 10 % relative change and a low
  cosine while nothing the task reads can change. 1e-3 is the lowest decision
  threshold in common use on a probability output (YOLO's ``conf=0.001`` for mAP
  evaluation; DB text detection uses 0.3; a C-way softmax always peaks at >= 1/C, so
  a classifier over <= 1000 classes always passes). It is ~8400 float32 eps, so on a
  probability scale the task floor, not rounding, is what binds.

Measured on the bundled detector (``demo_config()``, 320x320, reference output
``sigmoid_0.tmp_0`` 1x1x320x320 float32): astronaut peak 1.39e-05 (no text, no
signal), chelsea peak 3.28e-07 (no text, no signal), coffee peak 1.0 (text, signal;
2389 pixels above the DB threshold 0.3). The NV12 path differs from the reference by
at most 5.96e-06 (astronaut, 50 ulps) and 1.49e-07 (chelsea, 1.25 ulps): below the
256-ulp floor, so :func:`pair_evidence` also rejects those cosines (0.997 and 0.907);
on coffee the difference is 0.686 (5.8e6 ulps).

:func:`pair_evidence` (reference vs test): the cosine of a pair is evidence iff
``max|ref - test| > ROUNDING_ULPS * eps * scale`` with the reference's nominal scale
from :func:`signal_of`. Below that the two outputs are the same output up to float32
rounding, whatever their cosine says (a cosine of near-zero vectors can be anything).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ._checks import InputError

__all__ = [
    "PAIR_STATUSES",
    "PROBABILITY_FLOOR",
    "ROUNDING_ULPS",
    "PairAssessment",
    "PairEvidence",
    "Signal",
    "assess_pair",
    "pair_evidence",
    "rounding_eps",
    "signal_of",
]

#: Differences below this many float32 ulps of an output's nominal scale are rounding
#: (measured: a one-ulp change of the detector's input moves its output by <= 190 ulps).
ROUNDING_ULPS = 256

#: A probability-like output (all values in [0, 1]) whose peak stays below this says
#: "nothing here": the lowest decision threshold in common use (YOLO conf=0.001).
PROBABILITY_FLOOR = 1e-3


@dataclass(frozen=True)
class Signal:
    """Whether one reference output carries signal (see the module docstring).

    Attributes
    ----------
    has_signal : bool
    peak : float
        ``max |x|`` of the output (NaN when not numeric / not finite / empty).
    scale : float
        The nominal scale the rule judged against: 1.0 for probability-like outputs,
        the peak for other float outputs, ``max|x|`` (at least 1) for integer outputs.
    reason : str
        One sentence with the numbers, for the user.

    Examples
    --------
    >>> signal_of(np.array([[2.0, -1.0, 0.5]])).to_dict()
    {'has_signal': True, 'peak': 2.0, 'scale': 2.0, 'reason': 'values span 3 (peak 2), above float32 rounding of the scale (6.1e-05)'}
    """

    has_signal: bool
    peak: float
    scale: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values."""
        return asdict(self)


@dataclass(frozen=True)
class PairEvidence:
    """Whether the difference of two outputs is more than float32 rounding.

    Attributes
    ----------
    is_evidence : bool
        False when ``max_abs_diff <= floor``: the pair's cosine says nothing.
    max_abs_diff : float
    floor : float
        ``ROUNDING_ULPS * eps * scale`` of the reference.
    reason : str

    Examples
    --------
    >>> ref = np.array([0.2, 0.9, 0.1], np.float32)
    >>> d = pair_evidence(ref, ref + np.float32(1e-2)).to_dict()
    >>> d["is_evidence"], d["floor"]  # 256 ulps of float32 at scale 1
    (True, 3.0517578125e-05)
    """

    is_evidence: bool
    max_abs_diff: float
    floor: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values."""
        return asdict(self)


def rounding_eps(dtype: Any) -> float:
    """The relative precision used for ``dtype``: its eps, never below float32's.

    Examples
    --------
    >>> rounding_eps(np.float64) == float(np.finfo(np.float32).eps)
    True
    >>> rounding_eps(np.float16)
    0.0009765625
    """
    dt = np.dtype(dtype)
    f32 = float(np.finfo(np.float32).eps)
    if np.issubdtype(dt, np.floating):
        return max(float(np.finfo(dt).eps), f32)
    return f32


def _numeric(a: np.ndarray) -> bool:
    return a.dtype != object and (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_)


def signal_of(reference: Any, *, scale: float | None = None) -> Signal:
    """Does this reference output carry signal on this image?

    Parameters
    ----------
    reference : array_like
        One model output (any shape) on the reference path.
    scale : float, optional
        The output's nominal scale when the caller knows it (e.g. 1 for a probability
        head that may exceed 1 by rounding, or a regression's unit); default: inferred
        (1 for probability-like outputs, else the peak). With an explicit scale the
        rule is ``peak >= PROBABILITY_FLOOR * scale`` if all values are in
        [0, scale], else the spread rule.

    Returns
    -------
    Signal

    Examples
    --------
    >>> signal_of(np.array([[2.0, -1.0, 0.5]])).has_signal  # logits
    True
    >>> s = signal_of(np.full((1, 1, 4, 4), 1e-6, np.float32))  # empty probability map
    >>> s.has_signal, s.scale
    (False, 1.0)
    """
    a = np.asarray(reference)
    if scale is not None and not (np.isfinite(scale) and scale > 0):
        raise InputError(f"scale must be a positive finite number, got {scale!r}.")
    if a.size == 0:
        return Signal(False, float("nan"), float("nan"), "empty output: nothing to compare")
    if not _numeric(a):
        return Signal(
            False, float("nan"), float("nan"), f"non-numeric output ({a.dtype}): not compared"
        )
    if np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_:
        peak = float(np.max(np.abs(a.astype(np.float64))))
        return Signal(
            True,
            peak,
            max(peak, 1.0) if scale is None else float(scale),
            f"integer output ({a.dtype}): exact values, compared by agreement",
        )
    if not np.all(np.isfinite(a)):
        return Signal(False, float("nan"), float("nan"), "output contains NaN/Inf: not measurable")
    lo, hi = float(np.min(a)), float(np.max(a))
    peak = max(abs(lo), abs(hi))
    eps = rounding_eps(a.dtype)
    if peak == 0.0:
        return Signal(False, 0.0, 1.0 if scale is None else float(scale), "output is all zeros")
    bounded_scale = 1.0 if scale is None else float(scale)
    if lo >= 0.0 and hi <= bounded_scale:
        floor = PROBABILITY_FLOOR * bounded_scale
        if peak >= floor:
            return Signal(
                True,
                peak,
                bounded_scale,
                f"probability-like output (values in [0, {bounded_scale:g}]) peaks at "
                f"{peak:.3g} >= {floor:.0e}",
            )
        return Signal(
            False,
            peak,
            bounded_scale,
            f"no signal on this image: the probability-like output peaks at {peak:.3g}, "
            f"below {floor:.0e} of its scale {bounded_scale:g} (the model found nothing; "
            "try another image)",
        )
    s = peak if scale is None else float(scale)
    spread = hi - lo
    floor = ROUNDING_ULPS * eps * s
    if a.size == 1 or spread > floor:
        return Signal(
            True,
            peak,
            s,
            f"values span {spread:.3g} (peak {peak:.3g}), above float32 rounding of the "
            f"scale ({floor:.2g})",
        )
    return Signal(
        False,
        peak,
        s,
        f"no signal on this image: the output is constant up to float32 rounding "
        f"(spread {spread:.3g} <= {ROUNDING_ULPS} ulps of {s:.3g} = {floor:.2g})",
    )


def pair_evidence(
    reference: Any,
    test: Any,
    *,
    signal: Signal | None = None,
    max_abs_diff: float | None = None,
) -> PairEvidence:
    """Is the difference between a reference output and a test output evidence?

    Parameters
    ----------
    reference, test : array_like
        The same output on two paths, same number of elements.
    signal : Signal, optional
        ``signal_of(reference)`` when the caller has it (saves a pass).
    max_abs_diff : float, optional
        ``max|reference - test|`` when the caller has it (``compare_arrays(...).max_abs``
        of finite outputs): saves two passes.

    Returns
    -------
    PairEvidence
        ``is_evidence`` is False when ``max|ref - test| <= ROUNDING_ULPS * eps * scale``
        (the reference's nominal scale): the outputs are equal up to float32 rounding
        and their cosine is not evidence of anything. Integer outputs: evidence iff
        any element differs (floor 0).

    Examples
    --------
    >>> ref = np.array([0.2, 0.9, 0.1], np.float32)
    >>> pair_evidence(ref, ref + np.float32(1e-6)).is_evidence
    False
    >>> pair_evidence(ref, ref + np.float32(1e-2)).is_evidence
    True
    """
    r = np.asarray(reference)
    t = np.asarray(test)
    if r.size != t.size:
        raise InputError(
            f"pair_evidence() needs outputs of the same size, got shapes {r.shape} and "
            f"{t.shape}; compare the same output of the same input size."
        )
    if not (_numeric(r) and _numeric(t)):
        return PairEvidence(False, float("nan"), float("nan"), "non-numeric output")
    if r.size == 0:
        return PairEvidence(False, 0.0, 0.0, "empty output")
    if max_abs_diff is not None and np.isfinite(max_abs_diff):
        diff = float(max_abs_diff)
    else:
        rf = r.reshape(-1).astype(np.float64)
        tf = t.reshape(-1).astype(np.float64)
        if not (np.all(np.isfinite(rf)) and np.all(np.isfinite(tf))):
            return PairEvidence(False, float("nan"), float("nan"), "output contains NaN/Inf")
        diff = float(np.max(np.abs(rf - tf)))
    if np.issubdtype(r.dtype, np.integer) or r.dtype == np.bool_:
        if diff > 0:
            return PairEvidence(True, diff, 0.0, "integer outputs differ")
        return PairEvidence(False, 0.0, 0.0, "integer outputs are equal")
    sig = signal if signal is not None else signal_of(r)
    scale = sig.scale if np.isfinite(sig.scale) and sig.scale > 0 else 1.0
    floor = ROUNDING_ULPS * rounding_eps(r.dtype) * scale
    if diff > floor:
        return PairEvidence(
            True,
            diff,
            floor,
            f"max |diff| {diff:.3g} exceeds float32 rounding of the reference "
            f"({ROUNDING_ULPS} ulps of {scale:.3g} = {floor:.2g})",
        )
    return PairEvidence(
        False,
        diff,
        floor,
        f"max |diff| {diff:.3g} is within float32 rounding of the reference "
        f"({ROUNDING_ULPS} ulps of {scale:.3g} = {floor:.2g}): the outputs are equal up to "
        "rounding and their cosine is not evidence",
    )


#: The outcomes of :func:`assess_pair`, in the order they are decided.
PAIR_STATUSES = ("no-signal", "rounding", "evidence")


@dataclass(frozen=True)
class PairAssessment:
    """How much a reference/test pair's metrics can be trusted.

    Attributes
    ----------
    status : {"no-signal", "rounding", "evidence"}
    reference, test : Signal
        :func:`signal_of` of each side.
    evidence : PairEvidence
    reason : str
        One sentence for the user (the deciding rule's reason).

    Examples
    --------
    >>> empty = np.full((1, 1, 8, 8), 1e-6, np.float32)  # a detector that found nothing
    >>> a = assess_pair(empty, empty * 1.5)
    >>> a.status, a.takes_part, a.to_dict()["reference"]["has_signal"]
    ('no-signal', False, False)
    >>> ref = np.array([0.2, 0.9, 0.1], np.float32)
    >>> assess_pair(ref, ref + np.float32(1e-7)).takes_part  # rounding still takes part
    True
    """

    status: str
    reference: Signal
    test: Signal
    evidence: PairEvidence
    reason: str

    @property
    def takes_part(self) -> bool:
        """False for "no-signal": the pair must not decide a verdict."""
        return self.status != "no-signal"

    def to_dict(self) -> dict[str, Any]:
        """Nested plain dicts."""
        return asdict(self)


def assess_pair(
    reference: Any,
    test: Any,
    *,
    reference_signal: Signal | None = None,
    max_abs_diff: float | None = None,
) -> PairAssessment:
    """Decide whether a pair's metrics are evidence (rules in the module docstring).

    Parameters
    ----------
    reference, test : array_like
        The same output on the reference path and on a test path.
    reference_signal : Signal, optional
        ``signal_of(reference)`` when the caller has it (one reference, many paths).
    max_abs_diff : float, optional
        See :func:`pair_evidence`.

    Returns
    -------
    PairAssessment

    Examples
    --------
    >>> empty = np.full((1, 1, 8, 8), 1e-6, np.float32)  # the detector found nothing
    >>> assess_pair(empty, empty * 1.5).status
    'no-signal'
    >>> hallucinated = empty.copy(); hallucinated[0, 0, 2:4, 2:6] = 0.9
    >>> assess_pair(empty, hallucinated).status
    'evidence'
    >>> logits = np.array([[2.0, -1.0, 0.5]], np.float32)
    >>> assess_pair(logits, logits + np.float32(1e-6)).status
    'rounding'
    """
    rs = reference_signal if reference_signal is not None else signal_of(reference)
    ts = signal_of(test)
    ev = pair_evidence(reference, test, signal=rs, max_abs_diff=max_abs_diff)
    if not rs.has_signal and not ts.has_signal:
        return PairAssessment("no-signal", rs, ts, ev, rs.reason)
    if not ev.is_evidence:
        return PairAssessment("rounding", rs, ts, ev, ev.reason)
    return PairAssessment("evidence", rs, ts, ev, ev.reason)
