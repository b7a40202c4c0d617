"""Exchanging tensors with a board: raw ``.bin`` dumps, ``.npy`` files and JSON sidecars.

The vendor's advice for "the quantized model and the device disagree" is to feed both
the *same bytes*: save the preprocessed tensor with ``ndarray.tofile()``, pass it to the
board tool (``hrt_model_exec --input_file``, ``rknn_run``...), dump the raw output on the
device, copy it back, dequantise it with the output's scale / zero point and compare it
with onnxruntime's output. This module does each step with checks, so a wrong shape,
dtype or byte count is an :class:`~nv12_widgets.core.InputError` naming the file, not a
silently reshaped garbage tensor.

Files written by :func:`save_tensor` for ``path_without_ext = "out/input0"``:

``out/input0.bin``
    the raw bytes, C order, little endian (``ndarray.tofile``) - what board tools read;
``out/input0.npy``
    the same array in NumPy's format (self-describing);
``out/input0.json``
    the sidecar: ``shape``, ``dtype``, ``layout``, ``byte_order`` ("little"),
    ``nbytes``, ``sha256`` of the ``.bin`` bytes, and any ``extra`` keys (e.g. ``scale``,
    ``zero_point``).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nv12_widgets.core import (
    NV12,
    InputError,
    compare_arrays,
    dequantize,
    jsonsafe,
    to_jsonable,
)
from nv12_widgets.core.frames import read_sidecar as read_sidecar_json

__all__ = [
    "DeviceComparison",
    "compare_device_output",
    "load_device_output",
    "load_nv12",
    "load_tensor",
    "read_sidecar",
    "save_nv12",
    "save_tensor",
]

PathLike = str | os.PathLike[str]

# Sidecar keys this module writes itself; ``extra`` may not override them.
_RESERVED = ("shape", "dtype", "layout", "byte_order", "nbytes", "sha256", "files", "format")
_SUFFIXES = (".bin", ".npy", ".json", ".nv12")


def _stem(path: PathLike) -> Path:
    """``path`` without a known suffix (``a/b.bin`` -> ``a/b``; ``a/b.v2`` is kept)."""
    p = Path(path)
    return p.with_suffix("") if p.suffix.lower() in _SUFFIXES else p


def _sha256(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def save_tensor(
    array: np.ndarray,
    path_without_ext: PathLike,
    *,
    layout: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Save a tensor as ``.bin`` (raw, for board tools), ``.npy`` and a ``.json`` sidecar.

    Parameters
    ----------
    array : numpy.ndarray
        Any shape; a numeric or bool dtype (float32 featuremaps, uint8 images, int8
        quantised inputs...). Written in C order, little endian: a big-endian or
        non-contiguous array is converted first (the sidecar describes what is on disk).
    path_without_ext : str or os.PathLike
        Where to write, without extension (a ``.bin`` / ``.npy`` / ``.json`` suffix is
        dropped). Parent folders are created.
    layout : str, optional
        Recorded in the sidecar, e.g. ``"NCHW"``, ``"NHWC"``. Board tools need it for
        featuremap inputs (which some pad to an aligned shape by hand).
    extra : mapping, optional
        More sidecar keys, e.g. ``{"scale": 0.0078, "zero_point": 0}``; JSON values or
        numpy scalars / arrays (written by :mod:`nv12_widgets.core.jsonsafe`'s policy:
        NaN / infinity as the strings ``"nan"`` / ``"inf"`` / ``"-inf"``). May not reuse
        the keys written here (``shape``,
        ``dtype``, ``layout``, ``byte_order``, ``nbytes``, ``sha256``, ``files``,
        ``format``).

    Returns
    -------
    dict of str to pathlib.Path
        ``{"bin": ..., "npy": ..., "json": ...}``.

    Raises
    ------
    InputError
        For a non-array, an object / string dtype, or ``extra`` keys that clash or do not
        serialise to JSON.
    """
    if not isinstance(array, np.ndarray):
        raise InputError(
            f"save_tensor needs a numpy array, got {type(array).__name__}; "
            "wrap it with np.asarray(...) and pick the dtype the board expects."
        )
    if array.dtype.kind not in "biufc":
        raise InputError(
            f"save_tensor cannot write dtype {array.dtype} as raw bytes; "
            "convert to a numeric dtype (e.g. float32, uint8, int8) first."
        )
    extra = dict(extra or {})
    clash = sorted(set(extra) & set(_RESERVED))
    if clash:
        raise InputError(
            f"extra keys {clash} clash with the sidecar's own keys {list(_RESERVED)}; rename them."
        )
    data = np.ascontiguousarray(array.astype(array.dtype.newbyteorder("<"), copy=False))
    raw = data.tobytes(order="C")
    stem = _stem(path_without_ext)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = {
        "bin": stem.with_name(stem.name + ".bin"),
        "npy": stem.with_name(stem.name + ".npy"),
        "json": stem.with_name(stem.name + ".json"),
    }
    sidecar: dict[str, Any] = {
        "shape": list(data.shape),
        "dtype": data.dtype.newbyteorder("=").name,
        "layout": layout,
        "byte_order": "little",
        "nbytes": len(raw),
        "sha256": _sha256(raw),
        "files": {k: p.name for k, p in paths.items()},
    }
    text = _sidecar_text(sidecar, extra)
    data.tofile(paths["bin"])
    np.save(paths["npy"], data, allow_pickle=False)
    paths["json"].write_text(text + "\n", encoding="utf-8")
    return paths


def _sidecar_text(meta: dict[str, Any], extra: Any) -> str:
    """``meta`` updated with the caller's ``extra`` values, as indented strict JSON."""
    try:
        meta.update(to_jsonable(extra, "extra"))
        return jsonsafe.dumps(meta, indent=2)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"extra must hold JSON values (numbers, strings, lists, dicts): {exc}"
        ) from exc


def read_sidecar(path: PathLike) -> dict[str, Any]:
    """Read the JSON sidecar of a tensor / frame saved by this module.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.json`` file, or the ``.bin`` / ``.npy`` / ``.nv12`` next to it, or the
        path without extension.

    Raises
    ------
    InputError
        When the sidecar is missing or not valid JSON (the parsing rule is
        :func:`nv12_widgets.core.frames.read_sidecar`).
    """
    return read_sidecar_json(
        path,
        missing_hint="a raw dump does not say its shape or dtype. Save with save_tensor(), or "
        "read it with load_device_output(path, shape, dtype).",
    )


def _numeric_dtype(dtype: Any, where: str) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise InputError(f"{where}: {dtype!r} is not a numpy dtype ({exc}).") from exc
    if dt.kind not in "biufc":
        raise InputError(f"{where}: dtype {dt} is not numeric.")
    return dt.newbyteorder("<")


def _shape(shape: Any, where: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(d) for d in shape)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: shape {shape!r} must be a sequence of integers.") from exc
    if any(d < 0 for d in dims):
        raise InputError(f"{where}: shape {dims} has a negative dimension.")
    return dims


def _read_raw(path: Path, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    if not path.is_file():
        raise InputError(f"File not found: {path}.")
    expected = math.prod(shape) * dtype.itemsize
    actual = path.stat().st_size
    if actual != expected:
        hint = ""
        if actual % dtype.itemsize == 0 and actual > expected:
            hint = (
                " A larger file often means the board padded the tensor to an aligned shape "
                "(e.g. W rounded up to a multiple of 16 / 32): read it with the aligned shape "
                "and slice the valid region."
            )
        elif actual % dtype.itemsize:
            hint = f" {actual} is not a multiple of the {dtype.itemsize}-byte element: wrong dtype?"
        raise InputError(
            f"{path.name} has {actual} bytes but shape {shape} x {dtype.name} needs {expected} "
            f"({math.prod(shape)} elements x {dtype.itemsize} bytes).{hint}"
        )
    return np.fromfile(path, dtype=dtype).reshape(shape)


def load_tensor(path: PathLike, *, verify: bool = True) -> np.ndarray:
    """Load a tensor saved by :func:`save_tensor` (or any ``.npy`` / ``.bin`` + sidecar).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npy`` file (read with ``allow_pickle=False``), or a ``.bin`` / ``.json`` /
        extension-less path whose sidecar gives shape and dtype.
    verify : bool
        Check the ``.bin`` bytes against the sidecar's ``sha256`` when it has one.

    Returns
    -------
    numpy.ndarray
        The array, native byte order, C-contiguous.

    Raises
    ------
    InputError
        Missing file or sidecar, a ``.bin`` whose size does not match shape x dtype, a
        checksum mismatch (file changed or truncated in transfer), a ``.npy`` that needs
        pickling (object arrays) or is corrupt.
    """
    p = Path(path)
    if p.suffix.lower() == ".npy":
        if not p.is_file():
            raise InputError(f"File not found: {p}.")
        try:
            arr = np.load(p, allow_pickle=False)
        except ValueError as exc:
            raise InputError(
                f"{p.name} could not be read without pickling ({exc}); only plain numeric "
                ".npy files are accepted (pickled object arrays can run code)."
            ) from exc
        except (OSError, EOFError) as exc:
            raise InputError(f"{p.name} is not a valid .npy file: {exc}.") from exc
        return np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("="), copy=False))
    meta = read_sidecar(p)
    stem = _stem(p)
    where = f"sidecar of {stem.name}"
    for key in ("shape", "dtype"):
        if key not in meta:
            raise InputError(f"{where} has no {key!r} key; re-save with save_tensor().")
    if meta.get("byte_order", "little") != "little":
        raise InputError(
            f"{where}: byte_order {meta['byte_order']!r} is not supported (little only)."
        )
    shape = _shape(meta["shape"], where)
    dtype = _numeric_dtype(meta["dtype"], where)
    name = meta.get("files", {}).get("bin", stem.name + ".bin")
    bin_path = stem.with_name(name)
    arr = _read_raw(bin_path, shape, dtype)
    if verify and meta.get("sha256"):
        got = _sha256(arr.tobytes())
        if got != meta["sha256"]:
            raise InputError(
                f"{bin_path.name} does not match its sidecar's sha256 (file changed or corrupted "
                "in transfer): copy it again, or pass verify=False to read it anyway."
            )
    return np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("="), copy=False))


def load_device_output(
    path: PathLike,
    shape: Sequence[int],
    dtype: Any,
    *,
    scale: float | Sequence[float] | np.ndarray | None = None,
    zero_point: int | Sequence[int] | np.ndarray = 0,
    axis: int | None = None,
) -> np.ndarray:
    """Read a raw output dump from a device and dequantise it to float32.

    Parameters
    ----------
    path : str or os.PathLike
        The raw file (no header), C order, little endian.
    shape : sequence of int
        The dumped tensor's shape (the *aligned* shape when the board pads).
    dtype : numpy dtype or str
        Element type of the dump: ``"int8"``, ``"uint8"``, ``"int16"``, ``"int32"``,
        ``"float32"``, ``"float16"``...
    scale : float or array, optional
        Dequantisation scale: ``x = (q - zero_point) * scale``. Required for integer
        dumps; must be omitted (None) for float dumps.
    zero_point : int or array
        The output's zero point (0 for symmetric int8).
    axis : int, optional
        For per-channel parameters: the axis of ``shape`` that ``scale`` / ``zero_point``
        run along (their length must equal ``shape[axis]``).

    Returns
    -------
    numpy.ndarray
        ``shape``, float32.

    Raises
    ------
    InputError
        Wrong byte count for shape x dtype (with a hint about aligned / padded shapes),
        an integer dump without ``scale``, a float dump with ``scale``, or per-channel
        parameters without a matching ``axis``.

    Examples
    --------
    RKNN note: zero point 136, scale 4.625256 turn the byte 124 into -55.503072.
    """
    shape_t = _shape(shape, "load_device_output")
    dt = _numeric_dtype(dtype, "load_device_output")
    q = _read_raw(Path(path), shape_t, dt)
    if dt.kind in "fc":
        if scale is not None:
            raise InputError(
                f"The dump is {dt.name} (already real values): drop scale/zero_point, or pass "
                "the integer dtype the device actually wrote."
            )
        return q.astype(np.float32)
    if scale is None:
        raise InputError(
            f"The dump is {dt.name}: pass scale= (and zero_point=) from the model's output "
            "quantisation parameters to turn it into real values."
        )
    s = np.asarray(scale, dtype=np.float64)
    z = np.asarray(zero_point, dtype=np.float64)
    if s.ndim > 1 or z.ndim > 1:
        raise InputError("scale and zero_point must be scalars or 1-D per-channel vectors.")
    if s.ndim == 1 or z.ndim == 1:
        if axis is None:
            raise InputError(
                "Per-channel scale / zero_point need axis= (the channel axis of shape)."
            )
        ax = axis if axis >= 0 else axis + len(shape_t)
        if not 0 <= ax < len(shape_t):
            raise InputError(f"axis={axis} is out of range for shape {shape_t}.")
        for name, v in (("scale", s), ("zero_point", z)):
            if v.ndim == 1 and v.size != shape_t[ax]:
                raise InputError(f"{name} has {v.size} values but shape[{ax}] is {shape_t[ax]}.")
        bshape = [1] * len(shape_t)
        bshape[ax] = -1
        s = s.reshape(bshape) if s.ndim == 1 else s
        z = z.reshape(bshape) if z.ndim == 1 else z
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise InputError(f"scale must be positive and finite, got {scale!r}.")
    if s.ndim == 0 and z.ndim == 0:
        return dequantize(q, float(s), int(z) if float(z).is_integer() else float(z))
    return ((q.astype(np.float64) - z) * s).astype(np.float32)


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


def save_nv12(
    frame: NV12, path: PathLike, *, extra: Mapping[str, Any] | None = None
) -> dict[str, Path]:
    """Write an NV12 frame as a raw ``.nv12`` file plus a ``.json`` sidecar.

    Parameters
    ----------
    frame : NV12
        The frame (e.g. from ``rgb_to_nv12``).
    path : str or os.PathLike
        Target path; the ``.nv12`` suffix is added when missing.
    extra : mapping, optional
        More sidecar keys (e.g. ``{"swing": "full", "matrix": "bt601"}``).

    Returns
    -------
    dict of str to pathlib.Path
        ``{"nv12": ..., "json": ...}``. The raw file is ``W * H * 3 / 2`` bytes: H rows of
        Y, then H/2 rows of interleaved ``U V`` (what ``hrt_model_exec`` and camera dumps
        use); the sidecar holds ``width``, ``height``, ``format`` ("nv12"), ``nbytes``,
        ``sha256``.
    """
    if not isinstance(frame, NV12):
        raise InputError(
            f"save_nv12 needs an NV12 frame, got {type(frame).__name__}; build one with "
            "nv12_widgets.core.rgb_to_nv12(rgb) or NV12.from_model_inputs(y, uv)."
        )
    extra = dict(extra or {})
    clash = sorted(set(extra) & {"width", "height", "format", "nbytes", "sha256", "files"})
    if clash:
        raise InputError(f"extra keys {clash} clash with the sidecar's own keys; rename them.")
    stem = _stem(path)
    stem.parent.mkdir(parents=True, exist_ok=True)
    raw = frame.tobytes()
    paths = {
        "nv12": stem.with_name(stem.name + ".nv12"),
        "json": stem.with_name(stem.name + ".json"),
    }
    meta = {
        "width": frame.width,
        "height": frame.height,
        "format": "nv12",
        "layout": "Y plane (H x W), then interleaved UV plane (H/2 x W/2 x 2, U first)",
        "nbytes": len(raw),
        "sha256": _sha256(raw),
        "files": {k: p.name for k, p in paths.items()},
    }
    text = _sidecar_text(meta, extra)
    paths["nv12"].write_bytes(raw)
    paths["json"].write_text(text + "\n", encoding="utf-8")
    return paths


def load_nv12(path: PathLike, *, verify: bool = True) -> NV12:
    """Read a frame written by :func:`save_nv12` (size from the sidecar).

    For a raw file without a sidecar use ``NV12.fromfile(path, width, height)``.

    Raises
    ------
    InputError
        Missing sidecar, a byte count that does not match width x height, or a checksum
        mismatch (pass ``verify=False`` to skip the check).
    """
    meta = read_sidecar(path)
    stem = _stem(path)
    if meta.get("format", "nv12") != "nv12":
        raise InputError(f"{stem.name}: sidecar format is {meta.get('format')!r}, not 'nv12'.")
    try:
        width, height = int(meta["width"]), int(meta["height"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{stem.name}: the sidecar needs integer width and height.") from exc
    raw_path = stem.with_name(meta.get("files", {}).get("nv12", stem.name + ".nv12"))
    if not raw_path.is_file():
        raise InputError(f"File not found: {raw_path}.")
    raw = raw_path.read_bytes()
    if verify and meta.get("sha256") and _sha256(raw) != meta["sha256"]:
        raise InputError(
            f"{raw_path.name} does not match its sidecar's sha256 (changed or corrupted in "
            "transfer): copy it again, or pass verify=False."
        )
    return NV12.frombuffer(raw, width, height)
