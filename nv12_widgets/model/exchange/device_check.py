"""A device (board) output compared with the reference output, as polygraphy does.

:func:`compare_device_output` takes the dequantised dump of a board (read with
:func:`~nv12_widgets.model.exchange.board.load_device_output`) and onnxruntime's output of the
same input bytes, and measures them (:func:`nv12_widgets.core.compare_arrays`) with a
pass / fail verdict only under tolerances the user chose (``numpy.isclose``'s
``|device - reference| <= atol + rtol * |reference|``). The board's file exchange is
:mod:`nv12_widgets.model.exchange.board`, which re-exports both names.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nv12_widgets.core import InputError, compare_arrays

__all__ = ["DeviceComparison", "compare_device_output"]


@dataclass(frozen=True)
class DeviceComparison:
    """A device output compared with the reference (onnxruntime) output.

    Attributes
    ----------
    shape : tuple of int
    cosine : float
        Cosine similarity of the flattened tensors (0 when a norm is 0; NaN when
        either holds NaN/Inf).
    sqnr_db : float
        Signal-to-quantisation-noise ratio of the device vs the reference, dB
        (``inf`` when identical).
    max_abs, mean_abs : float
        Largest and mean absolute difference.
    max_rel : float
        Largest ``|device - reference| / |reference|`` over elements with a non-zero
        reference.
    atol, rtol : float or None
        The tolerances the verdict used (None when not given).
    mismatches : int
        Elements outside ``atol + rtol * |reference|`` (0 when no tolerance given).
    first_mismatch : tuple of int or None
        Index of the first such element.
    nonfinite : int
        Elements that are NaN or Inf in the device output.
    passed : bool or None
        True when every element is within tolerance and finite; None when neither
        ``atol`` nor ``rtol`` was given (no verdict without explicit tolerances).

    Examples
    --------
    >>> reference = np.array([1.0, 2.0, 4.0], np.float32)
    >>> result = compare_device_output(np.array([1.0, 2.1, 4.0]), reference, atol=0.05)
    >>> result.passed, result.mismatches, result.first_mismatch, round(result.max_abs, 3)
    (False, 1, (1,), 0.1)
    >>> print(result)  # doctest: +ELLIPSIS
    device vs reference [3]: FAIL (atol=0.05 rtol=None)
      cosine 0.999... sqnr ... dB  max abs 0.1  mean abs 0.0333333  max rel 0.05
      1 element(s) out of tolerance, first at (1,)
    >>> result.to_dict()["first_mismatch"]
    [1]
    """

    shape: tuple[int, ...]
    cosine: float
    sqnr_db: float
    max_abs: float
    mean_abs: float
    max_rel: float
    atol: float | None
    rtol: float | None
    mismatches: int
    first_mismatch: tuple[int, ...] | None
    nonfinite: int
    passed: bool | None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (tuples become lists)."""
        out = asdict(self)
        out["shape"] = list(self.shape)
        out["first_mismatch"] = list(self.first_mismatch) if self.first_mismatch else None
        return out

    def __str__(self) -> str:
        verdict = {True: "PASS", False: "FAIL", None: "no verdict (give atol/rtol)"}[self.passed]
        tol = f"atol={self.atol} rtol={self.rtol}"
        lines = [
            f"device vs reference {list(self.shape)}: {verdict} ({tol})",
            f"  cosine {self.cosine:.6f}  sqnr {self.sqnr_db:.2f} dB  "
            f"max abs {self.max_abs:.6g}  mean abs {self.mean_abs:.6g}  max rel {self.max_rel:.6g}",
        ]
        if self.mismatches:
            lines.append(
                f"  {self.mismatches} element(s) out of tolerance, first at {self.first_mismatch}"
            )
        if self.nonfinite:
            lines.append(f"  {self.nonfinite} non-finite value(s) in the device output")
        return "\n".join(lines)


def compare_device_output(
    device: np.ndarray,
    reference: np.ndarray,
    *,
    atol: float | None = None,
    rtol: float | None = None,
) -> DeviceComparison:
    """Compare a (dequantised) device output with the reference output, like polygraphy.

    Parameters
    ----------
    device : numpy.ndarray
        The device output, e.g. from :func:`load_device_output`. A flat dump with the
        reference's element count is reshaped to the reference's shape.
    reference : numpy.ndarray
        The onnxruntime output of the same input bytes.
    atol, rtol : float, optional
        Element-wise tolerance ``|device - reference| <= atol + rtol * |reference|``
        (``numpy.isclose``); a missing one counts as 0. With neither, the metrics are
        computed but ``passed`` is None: a verdict needs tolerances you chose.

    Returns
    -------
    DeviceComparison

    Raises
    ------
    InputError
        Shapes that differ (beyond a flat dump of the same size), non-numeric data, or
        negative / non-finite tolerances.

    Examples
    --------
    >>> reference = np.array([[0.5, -1.0]], np.float32)
    >>> flat_dump = np.array([0.5, -0.99], np.float32)  # reshaped to the reference's shape
    >>> result = compare_device_output(flat_dump, reference, rtol=0.02)
    >>> result.shape, result.passed, round(result.max_rel, 4)
    ((1, 2), True, 0.01)
    >>> compare_device_output(flat_dump, reference).passed is None  # no tolerance, no verdict
    True
    """
    dev = np.asarray(device)
    ref = np.asarray(reference)
    for name, a in (("device", dev), ("reference", ref)):
        if a.dtype.kind not in "biuf":
            raise InputError(f"{name} must be numeric, got dtype {a.dtype}.")
    if dev.shape != ref.shape:
        if dev.size == ref.size and dev.ndim == 1:
            dev = dev.reshape(ref.shape)
        else:
            raise InputError(
                f"device shape {dev.shape} does not match reference shape {ref.shape}; "
                "check the dump's shape / layout (NCHW vs NHWC) or slice an aligned (padded) dump."
            )
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if tol is not None and (not math.isfinite(float(tol)) or float(tol) < 0):
            raise InputError(f"{name} must be a finite number >= 0, got {tol!r}.")
    d = dev.astype(np.float64)
    r = ref.astype(np.float64)
    finite = np.isfinite(d) & np.isfinite(r)
    nonfinite = int(np.count_nonzero(~np.isfinite(d)))
    pair = compare_arrays(r, d)  # NaN metrics when either holds NaN/Inf
    cos, sq, mx, mean = pair.cosine, pair.sqnr_db, pair.max_abs, pair.mean_abs
    diff = np.abs(d - r)
    nz = (r != 0) & finite
    max_rel = float(np.max(diff[nz] / np.abs(r[nz]))) if nz.any() else 0.0
    mismatches = 0
    first: tuple[int, ...] | None = None
    passed: bool | None = None
    if atol is not None or rtol is not None:
        a = float(atol or 0.0)
        t = float(rtol or 0.0)
        ok = finite & (diff <= a + t * np.abs(r))
        bad = ~ok
        mismatches = int(np.count_nonzero(bad))
        if mismatches:
            first = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))
        passed = mismatches == 0
    return DeviceComparison(
        shape=tuple(int(s) for s in ref.shape),
        cosine=cos,
        sqnr_db=sq,
        max_abs=mx,
        mean_abs=mean,
        max_rel=max_rel,
        atol=None if atol is None else float(atol),
        rtol=None if rtol is None else float(rtol),
        mismatches=mismatches,
        first_mismatch=first,
        nonfinite=nonfinite,
        passed=passed,
    )
