"""Output-comparison metrics (float64 accumulation, defined for every input)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ._checks import InputError

__all__ = [
    "PairMetrics",
    "SINGLE_VALUE",
    "compare_arrays",
    "cosine_similarity",
    "sqnr_db",
    "max_abs_error",
    "mean_abs_error",
    "topk_agreement",
]


#: ``PairMetrics.note`` of a one-element output that changed: its cosine is NaN.
SINGLE_VALUE = "is a single value, whose cosine is +-1 whatever the change (read max |diff|, SQNR)"


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.size != b.size:
        raise InputError(
            f"cannot compare arrays of {a.size} and {b.size} elements (shapes {a.shape} "
            f"and {b.shape}); compare the same output of the same input size."
        )
    return a.reshape(-1).astype(np.float64), b.reshape(-1).astype(np.float64)


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two flattened arrays, ``dot(a, b) / (|a| |b|)``.

    Parameters
    ----------
    a, b : numpy.ndarray
        Any shapes with the same number of elements.

    Returns
    -------
    float
        In [-1, 1]; 0.0 when either norm is 0 (the vendor's convention). Identical
        non-zero inputs give exactly 1.0.

    Examples
    --------
    >>> round(cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0])), 6)  # 45 degrees
    0.707107
    """
    fa, fb = _pair(a, b)
    # einsum, not np.dot / np.linalg.norm: BLAS threads thrash on a busy 2-core machine
    # (measured 22 ms vs 0.1 ms for 1e5 elements); float64 accumulation either way.
    na = math.sqrt(float(np.einsum("i,i->", fa, fa)))
    nb = math.sqrt(float(np.einsum("i,i->", fb, fb)))
    if na == 0.0 or nb == 0.0:
        return 0.0
    if np.array_equal(fa, fb):
        return 1.0
    return float(np.clip(np.einsum("i,i->", fa, fb) / (na * nb), -1.0, 1.0))


def sqnr_db(reference: np.ndarray, test: np.ndarray) -> float:
    """Signal-to-quantisation-noise ratio ``10 log10(|ref|^2 / |ref - test|^2)`` in dB.

    Returns ``inf`` when the arrays are equal and ``-inf`` when the reference is 0 and
    the test is not.

    Examples
    --------
    >>> round(sqnr_db(np.array([1.0, 1.0]), np.array([1.1, 0.9])), 6)  # error 1/10 of the signal
    20.0
    >>> sqnr_db(np.ones(2), np.ones(2))
    inf
    """
    fr, ft = _pair(reference, test)
    d = fr - ft
    noise = float(np.einsum("i,i->", d, d))
    signal = float(np.einsum("i,i->", fr, fr))
    if noise == 0.0:
        return float("inf")
    if signal == 0.0:
        return float("-inf")
    return float(10.0 * np.log10(signal / noise))


def max_abs_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute element-wise difference.

    Examples
    --------
    >>> max_abs_error(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 1.0]))
    2.0
    """
    fa, fb = _pair(a, b)
    return float(np.max(np.abs(fa - fb))) if fa.size else 0.0


def mean_abs_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute element-wise difference.

    Examples
    --------
    >>> mean_abs_error(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 1.0]))
    0.8333333333333334
    """
    fa, fb = _pair(a, b)
    return float(np.mean(np.abs(fa - fb))) if fa.size else 0.0


def topk_agreement(reference: np.ndarray, test: np.ndarray, k: int = 1) -> float:
    """How much the top-k classes agree, averaged over rows.

    Parameters
    ----------
    reference, test : numpy.ndarray
        (C,) or (N, C) scores (logits or probabilities), same shape.
    k : int
        1 <= k <= C.

    Returns
    -------
    float
        Mean over rows of ``|topk(reference) & topk(test)| / k``; for k = 1 the
        fraction of rows whose argmax agrees.

    Examples
    --------
    >>> reference = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
    >>> test = np.array([[0.2, 0.6, 0.2], [0.3, 0.4, 0.3]])
    >>> topk_agreement(reference, test)  # row 0 agrees on class 1, row 1 does not
    0.5
    >>> topk_agreement(reference, test, k=2)
    0.75
    """
    r = np.asarray(reference)
    t = np.asarray(test)
    if r.shape != t.shape or r.ndim not in (1, 2):
        raise InputError(
            f"topk_agreement() takes two (C,) or (N, C) score arrays of the same shape, "
            f"got {r.shape} and {t.shape}."
        )
    r2, t2 = np.atleast_2d(r), np.atleast_2d(t)
    c = r2.shape[1]
    if not 1 <= k <= c:
        raise InputError(f"k must be between 1 and the number of classes ({c}), got {k}.")
    top_r = np.argsort(-r2, axis=1, kind="stable")[:, :k]
    top_t = np.argsort(-t2, axis=1, kind="stable")[:, :k]
    hits = [len(set(a) & set(b)) for a, b in zip(top_r.tolist(), top_t.tolist(), strict=True)]
    return float(np.mean(hits) / k)


@dataclass(frozen=True)
class PairMetrics:
    """Every metric of one array against a reference (see :func:`compare_arrays`).

    Attributes
    ----------
    cosine, sqnr_db, max_abs, mean_abs : float
        NaN when not measurable (then ``note`` says why).
    top1, top5 : float or None
        Top-k agreement for classifier-shaped outputs ((N, C) float, C >= 2; top-5 needs
        C > 5), else None.
    agreement : float or None
        Fraction of equal elements for integer / boolean outputs, else None.
    note : str
        Why the metrics (or, for a single value, the cosine) are NaN ("" when they are
        measured).

    Examples
    --------
    >>> m = compare_arrays(np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 2.0, 2.0]]))
    >>> m.measured, round(m.cosine, 4), m.max_abs, m.top1  # argmax 2 vs 1: top-1 disagrees
    (True, 0.98, 1.0, 0.0)
    >>> sorted(m.to_dict())
    ['agreement', 'cosine', 'max_abs', 'mean_abs', 'note', 'sqnr_db', 'top1', 'top5']
    """

    cosine: float
    sqnr_db: float
    max_abs: float
    mean_abs: float
    top1: float | None = None
    top5: float | None = None
    agreement: float | None = None
    note: str = ""

    @property
    def measured(self) -> bool:
        """True when the metrics were computed (no ``note``)."""
        return not self.note

    def to_dict(self) -> dict:
        """The fields as a plain dict."""
        return asdict(self)


def _numeric(a: np.ndarray) -> bool:
    return a.dtype != object and (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_)


def is_classifier_shaped(a: np.ndarray) -> bool:
    """(N, C) floating point with C >= 2: scores over classes, where top-k is meaningful."""
    return a.ndim == 2 and a.shape[1] >= 2 and np.issubdtype(a.dtype, np.floating)


def compare_arrays(reference: np.ndarray, test: np.ndarray) -> PairMetrics:
    """The one metric bundle: ``test`` against ``reference``, defined for every input.

    Every comparison of two arrays in the package (NV12 / noise / matched paths, the
    quantisation table, layer-by-layer runs, device dumps) uses this function, so the
    rules below hold everywhere:

    * non-numeric data, different shapes, or NaN/Inf in either array: every metric is
      NaN and ``note`` says why (a NaN never passes for a number);
    * identical arrays (``test is reference`` or equal element by element): cosine 1,
      SQNR ``inf``, errors 0 - even for all-zero arrays, whose cosine would otherwise
      be 0 by the vendor's convention;
    * a single value that changed (a (1, 1) sigmoid score, a regressed scalar, an
      ArgMax class index): the cosine of two one-element vectors is their sign
      agreement, +-1 whatever the change (``a * b / (|a| |b|)``), so it is NaN with a
      ``note``; SQNR and the errors are measured (read those);
    * otherwise cosine (:func:`cosine_similarity`), SQNR (:func:`sqnr_db`) and the
      absolute errors, all accumulated in float64;
    * top-1 / top-5 agreement (:func:`topk_agreement`) for classifier-shaped arrays
      (:func:`is_classifier_shaped`), the fraction of equal elements for integer and
      boolean arrays.

    Parameters
    ----------
    reference, test : numpy.ndarray

    Returns
    -------
    PairMetrics

    Examples
    --------
    >>> m = compare_arrays(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
    >>> round(m.cosine, 4), m.max_abs
    (0.9965, 0.5)
    >>> compare_arrays(np.zeros(3), np.zeros(3)).cosine
    1.0
    >>> compare_arrays(np.zeros(3), np.zeros(4)).note
    'shapes differ: reference (3,), this path (4,)'
    >>> one = compare_arrays(np.array([[0.8]]), np.array([[0.3]]))  # a score fell 0.8 -> 0.3
    >>> one.cosine, round(one.max_abs, 2), one.measured
    (nan, 0.5, False)
    """
    nan = math.nan
    ref = np.asarray(reference)
    out = np.asarray(test)
    if not (_numeric(ref) and _numeric(out)):
        bad = ref.dtype if not _numeric(ref) else out.dtype
        return PairMetrics(nan, nan, nan, nan, note=f"non-numeric output ({bad}): not compared")
    if ref.shape != out.shape:
        return PairMetrics(
            nan, nan, nan, nan, note=f"shapes differ: reference {ref.shape}, this path {out.shape}"
        )
    integer = np.issubdtype(ref.dtype, np.integer) or ref.dtype == np.bool_
    classifier = is_classifier_shaped(ref)
    if test is reference or np.array_equal(ref, out):
        if not integer and not np.all(np.isfinite(ref)):
            return PairMetrics(nan, nan, nan, nan, note="reference contains NaN/Inf")
        return PairMetrics(
            1.0,
            math.inf,
            0.0,
            0.0,
            top1=1.0 if classifier else None,
            top5=(1.0 if ref.shape[1] > 5 else None) if classifier else None,
            agreement=1.0 if integer else None,
        )
    # float64 accumulation without float64 copies of the inputs (einsum casts as it
    # goes): the copies cost more than the sums on a model output of 1e5 elements.
    fr = ref.reshape(-1) if ref.dtype.kind == "f" else ref.reshape(-1).astype(np.float64)
    ft = out.reshape(-1) if out.dtype.kind == "f" else out.reshape(-1).astype(np.float64)
    f64 = np.float64
    signal = float(np.einsum("i,i->", fr, fr, dtype=f64))
    power = float(np.einsum("i,i->", ft, ft, dtype=f64))
    if not (math.isfinite(signal) and math.isfinite(power)):
        # a NaN/Inf element makes its sum of squares non-finite (finite float32 values
        # cannot overflow a float64 sum): only then look element by element
        if not np.isfinite(fr).all():
            return PairMetrics(nan, nan, nan, nan, note="reference contains NaN/Inf")
        if not np.isfinite(ft).all():
            return PairMetrics(nan, nan, nan, nan, note="contains NaN/Inf")
    # the difference in the inputs' own float precision (float32 outputs: exact to half an
    # ulp of the difference, far below what any metric reports), summed in float64
    d = np.subtract(fr, ft, dtype=np.result_type(fr.dtype, ft.dtype, np.float32))
    noise = float(np.einsum("i,i->", d, d, dtype=f64))
    if signal == 0.0 or power == 0.0:
        cosine = 0.0
    else:
        dot = float(np.einsum("i,i->", fr, ft, dtype=f64))
        cosine = float(np.clip(dot / (math.sqrt(signal) * math.sqrt(power)), -1.0, 1.0))
    if noise == 0.0:
        sqnr = math.inf
    elif signal == 0.0:
        sqnr = -math.inf
    else:
        sqnr = float(10.0 * np.log10(signal / noise))
    absd = np.abs(d, out=d)
    note = ""
    if ref.size == 1:
        cosine, note = nan, SINGLE_VALUE
    return PairMetrics(
        cosine,
        sqnr,
        float(absd.max()) if absd.size else 0.0,
        float(absd.mean(dtype=f64)) if absd.size else 0.0,
        top1=topk_agreement(ref, out, k=1) if classifier else None,
        top5=(topk_agreement(ref, out, k=5) if ref.shape[1] > 5 else None) if classifier else None,
        agreement=float(np.mean(ref == out)) if integer else None,
        note=note,
    )
