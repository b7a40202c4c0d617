"""Exchanging tensors with a board: raw ``.bin`` dumps, ``.npy`` files and JSON sidecars.

The vendor's advice for "the quantized model and the device disagree" is to feed both
the *same bytes*: save the preprocessed tensor with ``ndarray.tofile()``, pass it to the
board tool (``hrt_model_exec --input_file``, ``rknn_run``...), dump the raw output on the
device, copy it back, dequantise it with the output's scale / zero point and compare it
with onnxruntime's output. This module does each step with checks, so a wrong shape,
dtype or byte count is an :class:`~nv12_widgets.core.InputError` naming the file, not a
silently reshaped garbage tensor. Comparing the dequantised dump with the reference output
is :mod:`.device_check` (:func:`compare_device_output`, re-exported here).

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
import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nv12_widgets.core import (
    NV12,
    InputError,
    dequantize,
    jsonsafe,
    to_jsonable,
)
from nv12_widgets.core.frames import read_sidecar as read_sidecar_json
from nv12_widgets.core.io import (
    LIMITS,
    OutputExistsError,
    atomic_write,
    check_regular_file,
    make_folder,
    open_regular,
)
from nv12_widgets.model.exchange.device_check import DeviceComparison, compare_device_output

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
    overwrite: bool = False,
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
    overwrite : bool
        Replace existing files. Without it, nothing is written when any of the three
        exists. Each file is written atomically (temporary file beside it, then renamed).

    Returns
    -------
    dict of str to pathlib.Path
        ``{"bin": ..., "npy": ..., "json": ...}``.

    Raises
    ------
    OutputExistsError
        A target exists and ``overwrite`` is False (an :class:`InputError`).
    InputError
        For a non-array, an object / string dtype, ``extra`` keys that clash or do not
        serialise to JSON, or a folder that cannot be created (a file in the way).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> x = np.arange(6, dtype=np.int8).reshape(1, 2, 3)
    >>> paths = save_tensor(x, folder / "input0", layout="NHWC", extra={"scale": 0.0078})
    >>> sorted(p.name for p in paths.values())
    ['input0.bin', 'input0.json', 'input0.npy']
    >>> list(paths["bin"].read_bytes())  # the raw bytes board tools read
    [0, 1, 2, 3, 4, 5]
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
    make_folder(stem.parent, what="folder")
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
    _refuse_existing(paths.values(), overwrite)
    npy = io.BytesIO()
    np.save(npy, data, allow_pickle=False)
    atomic_write(paths["bin"], raw, overwrite=overwrite, what="tensor file")
    atomic_write(paths["npy"], npy.getvalue(), overwrite=overwrite, what="tensor file")
    atomic_write(paths["json"], (text + "\n").encode("utf-8"), overwrite=overwrite, what="sidecar")
    return paths


def _refuse_existing(paths: Any, overwrite: bool) -> None:
    """Refuse before writing anything when one of ``paths`` exists (unless ``overwrite``)."""
    if overwrite:
        return
    existing = [str(p) for p in paths if os.path.lexists(p)]
    if existing:
        raise OutputExistsError(
            f"{', '.join(repr(e) for e in existing)} already exist(s); pass overwrite=True to "
            "replace, or choose another name."
        )


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

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = save_tensor(np.zeros((2, 3), np.float32), folder / "t", extra={"scale": 0.5})
    >>> meta = read_sidecar(folder / "t.bin")
    >>> meta["shape"], meta["dtype"], meta["nbytes"], meta["scale"]
    ([2, 3], 'float32', 24, 0.5)
    """
    return read_sidecar_json(
        path,
        missing_hint="a raw dump does not say its shape or dtype. Save with save_tensor(), or "
        "read it with load_device_output(path, shape, dtype).",
    )


def _plain_numeric(dt: np.dtype) -> bool:
    """Bool, integer, float or complex scalars only: no structured, sub-array, object,
    string or datetime dtypes."""
    return dt.kind in "biufc" and dt.fields is None and dt.subdtype is None


def _numeric_dtype(dtype: Any, where: str) -> np.dtype:
    if dtype is None:
        raise InputError(
            f"{where}: no dtype given; pass the element type the device wrote "
            "(e.g. 'int8', 'uint8', 'float32')."
        )
    if not isinstance(dtype, str | np.dtype | type):
        raise InputError(f"{where}: dtype must be a name such as 'float32', got {dtype!r:.80}.")
    try:
        dt = np.dtype(dtype)
    except Exception as exc:  # numpy raises TypeError, ValueError, SyntaxError...
        raise InputError(f"{where}: {str(dtype)[:80]!r} is not a numpy dtype.") from exc
    if not _plain_numeric(dt):
        raise InputError(
            f"{where}: dtype {dt} is not a plain numeric type; use bool, int, uint, float "
            "or complex."
        )
    return dt.newbyteorder("<")


#: Most dimensions a tensor shape may have (numpy's own limit is 64).
MAX_DIMS = 32


def _shape(shape: Any, where: str) -> tuple[int, ...]:
    if isinstance(shape, str | bytes) or not isinstance(shape, Sequence | np.ndarray):
        raise InputError(f"{where}: shape {shape!r:.80} must be a list of integers.")
    if len(shape) > MAX_DIMS:
        raise InputError(f"{where}: shape has {len(shape)} dimensions, more than {MAX_DIMS}.")
    dims = []
    for d in shape:
        if isinstance(d, bool) or not isinstance(d, int | np.integer):
            raise InputError(f"{where}: shape {list(shape)!r:.80} must hold integers only.")
        dims.append(int(d))
    if any(d < 0 for d in dims):
        raise InputError(f"{where}: shape {dims} has a negative dimension.")
    return tuple(dims)


def _check_tensor_bytes(nbytes: int, where: str) -> None:
    if nbytes > LIMITS["tensor"]:
        raise InputError(
            f"{where}: the tensor would be {nbytes} bytes, over the limit of "
            f"{LIMITS['tensor']} for tensor files; check the shape, or raise "
            "nv12_widgets.core.io.LIMITS['tensor'] if it is genuine."
        )


def _read_into(fh: Any, shape: tuple[int, ...], dtype: np.dtype, name: str) -> np.ndarray:
    """Read exactly prod(shape) elements from ``fh`` into a new array."""
    out = np.empty(shape, dtype=dtype)
    view = memoryview(out.reshape(-1).view(np.uint8))
    got = 0
    while got < len(view):
        n = fh.readinto(view[got:])
        if not n:
            raise InputError(f"{name} ended after {got} of {len(view)} bytes (truncated).")
        got += n
    return out


def _read_raw(path: Path, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    expected = math.prod(shape) * dtype.itemsize
    _check_tensor_bytes(expected, path.name)
    path, st = check_regular_file(path, what="tensor file")  # limit: expected, below
    actual = st.st_size
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
    with open_regular(path, kind="tensor", what="tensor file", limit=expected) as (fh, _):
        return _read_into(fh, shape, dtype, path.name)


def _read_npy(p: Path) -> np.ndarray:
    """A ``.npy`` file, its header validated before any allocation; numeric dtypes only."""
    fmt = np.lib.format
    with open_regular(p, kind="tensor", what=".npy file") as (fh, size):
        try:
            version = fmt.read_magic(fh)
        except ValueError:
            fh.seek(0)
            head = fh.read(4)
            kind = " (it is a zip archive: an .npz renamed .npy?)" if head == b"PK\x03\x04" else ""
            raise InputError(
                f"{p.name} is not a .npy file{kind}; save arrays with np.save or save_tensor()."
            ) from None
        readers = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}
        if version not in readers:
            raise InputError(
                f"{p.name} is .npy format version {version}; only 1.0 and 2.0 (plain numeric "
                "arrays) are accepted."
            )
        try:
            shape, fortran, dtype = readers[version](fh)
        except Exception as exc:  # ValueError, SyntaxError from the header's literal
            raise InputError(f"{p.name} has a corrupt .npy header ({str(exc)[:200]}).") from None
        if not isinstance(dtype, np.dtype) or not _plain_numeric(dtype):
            raise InputError(
                f"{p.name} holds dtype {dtype}; only plain numeric .npy files are accepted "
                "(no object arrays, which need unpickling and can run code; no string or "
                "structured arrays)."
            )
        shape = _shape(shape, p.name)
        expected = math.prod(shape) * dtype.itemsize
        _check_tensor_bytes(expected, p.name)
        if size - fh.tell() != expected:
            raise InputError(
                f"{p.name} holds {size - fh.tell()} data bytes but its header says {shape} x "
                f"{dtype} = {expected}; the file is truncated or corrupt."
            )
        arr = _read_into(fh, shape[::-1] if fortran else shape, dtype, p.name)
    return arr.T if fortran else arr


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

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> x = np.array([[1.5, -2.0]], np.float32)
    >>> _ = save_tensor(x, folder / "t")
    >>> load_tensor(folder / "t.bin"), load_tensor(folder / "t.npy").dtype
    (array([[ 1.5, -2. ]], dtype=float32), dtype('float32'))
    >>> _ = (folder / "t.bin").write_bytes(bytes(8))  # changed in transfer
    >>> load_tensor(folder / "t.bin")
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: t.bin does not match its sidecar's sha256 ...
    """
    p = Path(path)
    if p.suffix.lower() == ".npy":
        arr = _read_npy(p)
        return np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("="), copy=False))
    meta = read_sidecar(p)
    stem = _stem(p)
    where = f"sidecar of {stem.name}"
    for key in ("shape", "dtype"):
        if key not in meta:
            raise InputError(f"{where} has no {key!r} key; re-save with save_tensor().")
    if meta.get("byte_order", "little") != "little":
        raise InputError(
            f"{where}: byte_order {meta['byte_order']!r:.40} is not supported (little only)."
        )
    shape = _shape(meta["shape"], where)
    if not isinstance(meta["dtype"], str):
        raise InputError(f"{where}: dtype must be a string such as 'float32'.")
    dtype = _numeric_dtype(meta["dtype"], where)
    bin_path = stem.with_name(_sidecar_file(meta, "bin", stem.name + ".bin", where))
    _sha_field(meta, where)
    arr = _read_raw(bin_path, shape, dtype)
    if verify and meta.get("sha256"):
        got = _sha256(arr.tobytes())
        if got != meta["sha256"]:
            raise InputError(
                f"{bin_path.name} does not match its sidecar's sha256 (file changed or corrupted "
                "in transfer): copy it again, or pass verify=False to read it anyway."
            )
    return np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("="), copy=False))


def _sidecar_file(meta: dict[str, Any], key: str, default: str, where: str) -> str:
    """The sidecar's ``files[key]``: a plain file name in the sidecar's folder."""
    files = meta.get("files", {})
    if files is None:
        files = {}
    if not isinstance(files, dict):
        raise InputError(f"{where}: 'files' must be an object of file names.")
    name = files.get(key, default)
    if (
        not isinstance(name, str)
        or not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\x00" in name
    ):
        raise InputError(
            f"{where}: files.{key} must be a plain file name next to the sidecar, got {name!r:.80}."
        )
    return name


def _sha_field(meta: dict[str, Any], where: str) -> None:
    sha = meta.get("sha256")
    if sha is not None and not isinstance(sha, str):
        raise InputError(f"{where}: sha256 must be a hex string.")


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
        ``"float32"``, ``"float16"``... ``None`` takes it from a sidecar next to the dump
        (see :func:`read_sidecar`) and is an error without one: numpy's default
        (float64) is never assumed.
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

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "out.bin").write_bytes(bytes([124, 136]))
    >>> load_device_output(folder / "out.bin", (1, 2), "uint8", scale=4.625256, zero_point=136)
    array([[-55.50307,   0.     ]], dtype=float32)
    >>> load_device_output(folder / "out.bin", (1, 3), "uint8", scale=1.0)
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: ...
    """
    shape_t = _shape(shape, "load_device_output")
    if dtype is None:
        try:
            meta = read_sidecar(path)
        except InputError as exc:
            raise InputError(
                f"load_device_output: dtype=None, so the dtype must come from a sidecar: {exc} "
                "Or pass dtype= (the element type the device wrote, e.g. 'int8')."
            ) from None
        dtype = meta.get("dtype")
        if not isinstance(dtype, str):
            raise InputError(
                f"load_device_output: dtype=None and the sidecar of {Path(path).name} has no "
                "string 'dtype'; pass dtype= (e.g. 'int8')."
            )
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
    try:
        s = np.asarray(scale, dtype=np.float64)
        z = np.asarray(zero_point, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(
            f"scale and zero_point must be numbers or lists of numbers ({str(exc)[:100]})."
        ) from None
    if not np.all(np.isfinite(z)):
        raise InputError(f"zero_point must be finite, got {str(zero_point)[:60]}.")
    if axis is not None and (isinstance(axis, bool) or not isinstance(axis, int | np.integer)):
        raise InputError(f"axis must be an integer or None, got {str(axis)[:40]!r}.")
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
        raise InputError(f"scale must be positive and finite, got {str(scale)[:60]}.")
    if s.ndim == 0 and z.ndim == 0:
        return dequantize(q, float(s), int(z) if float(z).is_integer() else float(z))
    return ((q.astype(np.float64) - z) * s).astype(np.float32)


def save_nv12(
    frame: NV12,
    path: PathLike,
    *,
    extra: Mapping[str, Any] | None = None,
    overwrite: bool = False,
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
    overwrite : bool
        Replace existing files; without it nothing is written when either exists. Each
        file is written atomically.

    Returns
    -------
    dict of str to pathlib.Path
        ``{"nv12": ..., "json": ...}``. The raw file is ``W * H * 3 / 2`` bytes: H rows of
        Y, then H/2 rows of interleaved ``U V`` (what ``hrt_model_exec`` and camera dumps
        use); the sidecar holds ``width``, ``height``, ``format`` ("nv12"), ``nbytes``,
        ``sha256``.

    Examples
    --------
    >>> from nv12_widgets.core import rgb_to_nv12
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> paths = save_nv12(rgb_to_nv12(np.zeros((2, 4, 3), np.uint8)), folder / "frame")
    >>> paths["nv12"].name, paths["nv12"].stat().st_size  # 4 * 2 * 3 / 2
    ('frame.nv12', 12)
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
    make_folder(stem.parent, what="folder")
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
    _refuse_existing(paths.values(), overwrite)
    atomic_write(paths["nv12"], raw, overwrite=overwrite, what="frame file")
    atomic_write(paths["json"], (text + "\n").encode("utf-8"), overwrite=overwrite, what="sidecar")
    return paths


def load_nv12(path: PathLike, *, verify: bool = True) -> NV12:
    """Read a frame written by :func:`save_nv12` (size from the sidecar).

    For a raw file without a sidecar use ``NV12.fromfile(path, width, height)``.

    Raises
    ------
    InputError
        Missing sidecar, a byte count that does not match width x height, or a checksum
        mismatch (pass ``verify=False`` to skip the check).

    Examples
    --------
    >>> from nv12_widgets.core import rgb_to_nv12
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> frame = rgb_to_nv12(np.full((2, 4, 3), 200, np.uint8))
    >>> _ = save_nv12(frame, folder / "frame")
    >>> back = load_nv12(folder / "frame.nv12")
    >>> (back.width, back.height), back.y.tolist() == frame.y.tolist()
    ((4, 2), True)
    """
    meta = read_sidecar(path)
    stem = _stem(path)
    if meta.get("format", "nv12") != "nv12":
        raise InputError(f"{stem.name}: sidecar format is {meta.get('format')!r:.40}, not 'nv12'.")
    width, height = meta.get("width"), meta.get("height")
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (width, height)):
        raise InputError(f"{stem.name}: the sidecar needs integer width and height.")
    where = f"sidecar of {stem.name}"
    raw_path = stem.with_name(_sidecar_file(meta, "nv12", stem.name + ".nv12", where))
    _sha_field(meta, where)
    frame = NV12.fromfile(raw_path, width, height)  # size checked before reading
    raw = frame.tobytes()
    if verify and meta.get("sha256") and _sha256(raw) != meta["sha256"]:
        raise InputError(
            f"{raw_path.name} does not match its sidecar's sha256 (changed or corrupted in "
            "transfer): copy it again, or pass verify=False."
        )
    return frame
