"""The NV12 frame: a luma plane and one interleaved, half-resolution chroma plane."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import InputError, check_even
from .framesize import size_mismatch_message  # the one home of the size rule
from .io import LIMITS, check_regular_file, read_file

__all__ = ["NV12"]


def _as_buffer(buf: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
    if isinstance(buf, np.ndarray):
        if buf.dtype != np.uint8:
            raise InputError(f"a raw frame buffer must be uint8 bytes, got {buf.dtype}.")
        return buf.reshape(-1)
    if isinstance(buf, (bytes, bytearray, memoryview)):
        return np.frombuffer(buf, dtype=np.uint8)
    raise InputError(
        f"expected bytes or a uint8 array, got {type(buf).__name__}; "
        "read files with open(path, 'rb').read() or NV12.fromfile()."
    )


def _frozen(arr: np.ndarray) -> np.ndarray:
    """A read-only C-contiguous array nobody else can write to: ``arr`` or a copy.

    ``arr`` is kept only when it is read-only, contiguous, and its memory is its own or
    an immutable ``bytes`` object's; a read-only *view* of a writable array is copied.
    """
    base = arr
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    safe_memory = (
        base is arr
        or isinstance(base, bytes)
        or (isinstance(base, np.ndarray) and not base.flags.writeable and base.flags.owndata)
    )
    if arr.flags.writeable or not arr.flags.c_contiguous or not safe_memory:
        arr = np.array(arr, order="C", copy=True)
        arr.flags.writeable = False
    return arr


#: Largest frame side accepted, in pixels (16K video is 15360 wide).
MAX_SIDE = 1 << 16


def _check_size_args(width: object, height: object, fmt: str) -> None:
    if (
        isinstance(width, bool)
        or isinstance(height, bool)
        or not (isinstance(width, (int, np.integer)) and isinstance(height, (int, np.integer)))
    ):
        raise InputError("width and height must be integers.")
    if width <= 0 or height <= 0:
        raise InputError(f"width and height must be positive, got {width}x{height}.")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise InputError(
            f"a {width}x{height} frame is larger than {MAX_SIDE} pixels on a side; "
            "check width and height."
        )
    check_even(int(height), int(width), fmt)


class _SizeOnly:
    """Stands for a buffer of ``size`` bytes in :func:`_check_size` (a file not read)."""

    def __init__(self, size: int) -> None:
        self.size = size


def _check_size(
    buf: np.ndarray | _SizeOnly, width: int, height: int, fmt: str, where: str = ""
) -> None:
    _check_size_args(width, height, fmt)
    width, height = int(width), int(height)
    if buf.size != width * height * 3 // 2:
        raise InputError(size_mismatch_message(buf.size, width, height, fmt.lower(), where=where))


@dataclass(frozen=True, eq=False)
class NV12:
    """One NV12 (YUV 4:2:0, semi-planar) frame.

    Attributes
    ----------
    y : numpy.ndarray
        (H, W) uint8 luma plane.
    uv : numpy.ndarray
        (H/2, W/2, 2) uint8 chroma plane, U (Cb) then V (Cr) interleaved: the bytes of
        each row are ``U V U V ...``.

    The arrays are stored read-only, so a frame can be cached and shared safely.

    Examples
    --------
    >>> frame = NV12(np.arange(8, dtype=np.uint8).reshape(2, 4), np.full((1, 2, 2), 128, np.uint8))
    >>> frame.shape, len(frame.tobytes())  # (H, W); W * H * 3 / 2 bytes
    ((2, 4), 12)
    >>> frame.width, frame.height, frame
    (4, 2, NV12(4x2))
    >>> NV12.frombuffer(frame.tobytes(), 4, 2).y.tolist()
    [[0, 1, 2, 3], [4, 5, 6, 7]]
    >>> y, uv = frame.as_model_inputs()
    >>> y.shape, uv.shape, NV12.from_model_inputs(y, uv).uv.tolist()
    ((1, 2, 4, 1), (1, 1, 2, 2), [[[128, 128], [128, 128]]])
    >>> NV12.from_planes(frame.y, frame.u, frame.v).uv.tolist()
    [[[128, 128], [128, 128]]]
    """

    y: np.ndarray
    uv: np.ndarray

    def __post_init__(self) -> None:
        y, uv = self.y, self.uv
        for name, arr, ndim in (("y", y, 2), ("uv", uv, 3)):
            if not isinstance(arr, np.ndarray):
                raise InputError(f"NV12.{name} must be a numpy array, got {type(arr).__name__}.")
            if arr.dtype != np.uint8:
                raise InputError(f"NV12.{name} must be uint8, got {arr.dtype}.")
            if arr.ndim != ndim:
                raise InputError(
                    f"NV12.{name} must have {ndim} dimensions, got shape {arr.shape}; "
                    "model-shaped arrays go through NV12.from_model_inputs(y, uv)."
                )
        h, w = y.shape
        check_even(h, w)
        if uv.shape != (h // 2, w // 2, 2):
            raise InputError(
                f"NV12.uv must have shape {(h // 2, w // 2, 2)} for a {w}x{h} luma plane, "
                f"got {uv.shape}."
            )
        # Snapshot semantics: copy what the caller could still write to, freeze it.
        object.__setattr__(self, "y", _frozen(y))
        object.__setattr__(self, "uv", _frozen(uv))

    @classmethod
    def adopt(cls, y: np.ndarray, uv: np.ndarray) -> NV12:
        """Wrap freshly computed planes without copying them.

        For converters that have just computed the planes: the caller gives up ``y``
        and ``uv`` and keeps no other reference that could write to them (they and the
        arrays they view are made read-only). Anyone else: use the constructor, which
        copies.

        Parameters
        ----------
        y : numpy.ndarray
            (H, W) uint8.
        uv : numpy.ndarray
            (H/2, W/2, 2) uint8, U then V.

        Examples
        --------
        >>> f = NV12.adopt(np.zeros((2, 4), np.uint8), np.full((1, 2, 2), 128, np.uint8))
        >>> f.width, f.height, f.y.flags.writeable
        (4, 2, False)
        """
        planes = []
        for arr in (np.ascontiguousarray(y), np.ascontiguousarray(uv)):
            chain = arr
            while isinstance(chain, np.ndarray):  # freeze the view and what it views
                chain.flags.writeable = False
                chain = chain.base
            planes.append(arr)
        return cls(*planes)  # validates; nothing left to copy

    # -- geometry -------------------------------------------------------------------
    @property
    def height(self) -> int:
        """Luma height H in pixels."""
        return int(self.y.shape[0])

    @property
    def width(self) -> int:
        """Luma width W in pixels."""
        return int(self.y.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        """(H, W) of the luma plane."""
        return self.height, self.width

    @property
    def u(self) -> np.ndarray:
        """(H/2, W/2) uint8 U (Cb) plane (a strided view)."""
        return self.uv[..., 0]

    @property
    def v(self) -> np.ndarray:
        """(H/2, W/2) uint8 V (Cr) plane (a strided view)."""
        return self.uv[..., 1]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NV12):
            return NotImplemented
        return np.array_equal(self.y, other.y) and np.array_equal(self.uv, other.uv)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NV12({self.width}x{self.height})"

    def uv_interleaved_image(self) -> np.ndarray:
        """The UV plane's bytes as a grey image: (H/2, W) uint8, columns ``U V U V ...``.

        Examples
        --------
        >>> frame = NV12(np.zeros((2, 4), np.uint8), np.array([[[1, 2], [3, 4]]], np.uint8))
        >>> frame.uv_interleaved_image().tolist()
        [[1, 2, 3, 4]]
        """
        return self.uv.reshape(self.height // 2, self.width)

    # -- raw buffers ----------------------------------------------------------------
    def tobytes(self) -> bytes:
        """The standard contiguous NV12 buffer: H rows of Y, then H/2 rows of UV.

        Returns
        -------
        bytes
            W * H * 3 / 2 bytes.
        """
        return self.y.tobytes() + self.uv.tobytes()

    @classmethod
    def frombuffer(
        cls, buf: bytes | bytearray | memoryview | np.ndarray, width: int, height: int
    ) -> NV12:
        """Read a contiguous NV12 buffer (a raw ``.nv12`` / ``.yuv`` file, a board dump).

        Parameters
        ----------
        buf : bytes or uint8 array
            Exactly ``width * height * 3 / 2`` bytes, no row padding.
        width, height : int
            Even frame size in pixels.
        """
        data = _as_buffer(buf)
        _check_size(data, width, height, "NV12")
        width, height = int(width), int(height)
        n = width * height
        return cls(data[:n].reshape(height, width), data[n:].reshape(height // 2, width // 2, 2))

    @classmethod
    def fromfile(cls, path, width: int, height: int, *, fmt: str = "nv12") -> NV12:
        """Read a raw frame file; ``fmt`` is "nv12", "nv21" or "i420" (alias "yuv420p").

        The file's size is compared with ``width * height * 3 / 2`` before anything is
        read (a wrong size costs no memory), and FIFOs, devices and folders are refused
        (:mod:`nv12_widgets.core.io`; at most ``LIMITS["raw"]`` bytes).

        Examples
        --------
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "frame.nv21"
        >>> _ = path.write_bytes(bytes(8) + bytes([20, 10, 40, 30]))  # Y, then V U V U
        >>> NV12.fromfile(path, 4, 2, fmt="nv21").uv.tolist()
        [[[10, 20], [30, 40]]]
        >>> NV12.fromfile(path, 4, 4)
        Traceback (most recent call last):
        ...
        nv12_widgets.core._checks.InputError: a 4x4 NV12 frame is 24 bytes, the file ... has 12 (it would fit a height of 2); ...
        """
        readers = {
            "nv12": cls.frombuffer,
            "nv21": cls.from_nv21,
            "i420": cls.from_i420,
            "yuv420p": cls.from_i420,
        }
        if fmt not in readers:
            raise InputError(f"fmt={fmt!r} is not supported; use one of {', '.join(readers)}.")
        name = fmt.upper() if fmt != "yuv420p" else "I420"
        _check_size_args(width, height, name)
        path, st = check_regular_file(path, what=f"{name} file")
        expected = int(width) * int(height) * 3 // 2
        if st.st_size != expected:
            # Same message as for a buffer, without reading the file.
            _check_size(_SizeOnly(st.st_size), width, height, name, where=f"{str(path)!r}")
        if expected > LIMITS["raw"]:
            raise InputError(
                f"a {width}x{height} frame is {expected} bytes, over the limit of "
                f"{LIMITS['raw']} for raw files; raise nv12_widgets.core.io.LIMITS['raw'] "
                "if it is genuine."
            )
        data = read_file(path, kind="raw", what=f"{name} file", limit=expected)
        return readers[fmt](data, width, height)

    def to_nv21_bytes(self) -> bytes:
        """NV21 buffer (Android camera default): Y rows, then ``V U V U ...`` rows.

        Examples
        --------
        >>> frame = NV12(np.zeros((2, 4), np.uint8), np.array([[[1, 2], [3, 4]]], np.uint8))
        >>> list(frame.to_nv21_bytes()[8:])
        [2, 1, 4, 3]
        """
        return self.y.tobytes() + self.uv[..., ::-1].tobytes()

    @classmethod
    def from_nv21(
        cls, buf: bytes | bytearray | memoryview | np.ndarray, width: int, height: int
    ) -> NV12:
        """Read an NV21 buffer (VU order) into an NV12 frame.

        Examples
        --------
        >>> frame = NV12(np.zeros((2, 4), np.uint8), np.array([[[1, 2], [3, 4]]], np.uint8))
        >>> NV12.from_nv21(frame.to_nv21_bytes(), 4, 2) == frame
        True
        """
        data = _as_buffer(buf)
        _check_size(data, width, height, "NV21")
        width, height = int(width), int(height)
        n = width * height
        y = data[:n].reshape(height, width)
        vu = data[n:].reshape(height // 2, width // 2, 2)
        return cls(y, np.ascontiguousarray(vu[..., ::-1]))

    def to_i420_bytes(self) -> bytes:
        """I420 (YUV420p) buffer: Y plane, then the whole U plane, then the whole V plane.

        Examples
        --------
        >>> frame = NV12(np.zeros((2, 4), np.uint8), np.array([[[1, 2], [3, 4]]], np.uint8))
        >>> list(frame.to_i420_bytes()[8:])  # U U, then V V
        [1, 3, 2, 4]
        """
        return self.y.tobytes() + self.u.tobytes() + self.v.tobytes()

    @classmethod
    def from_i420(
        cls, buf: bytes | bytearray | memoryview | np.ndarray, width: int, height: int
    ) -> NV12:
        """Read an I420 buffer (planar U then V, as OpenCV's ``COLOR_RGB2YUV_I420``).

        Examples
        --------
        >>> frame = NV12(np.zeros((2, 4), np.uint8), np.array([[[1, 2], [3, 4]]], np.uint8))
        >>> NV12.from_i420(frame.to_i420_bytes(), 4, 2) == frame
        True
        """
        data = _as_buffer(buf)
        _check_size(data, width, height, "I420")
        width, height = int(width), int(height)
        n, q = width * height, width * height // 4
        y = data[:n].reshape(height, width)
        u = data[n : n + q].reshape(height // 2, width // 2)
        v = data[n + q :].reshape(height // 2, width // 2)
        return cls.from_planes(y, u, v)

    @classmethod
    def from_planes(cls, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> NV12:
        """Build a frame from a (H, W) Y plane and (H/2, W/2) U and V planes (uint8)."""
        for name, arr in (("u", u), ("v", v)):
            if not isinstance(arr, np.ndarray) or arr.ndim != 2:
                raise InputError(f"{name} must be a 2-D (H/2, W/2) array.")
        if u.shape != v.shape:
            raise InputError(f"u and v must have the same shape, got {u.shape} and {v.shape}.")
        if u.dtype != np.uint8 or v.dtype != np.uint8:
            raise InputError("u and v must be uint8.")
        uv = np.empty(u.shape + (2,), np.uint8)
        uv[..., 0] = u
        uv[..., 1] = v
        return cls(y, uv)

    # -- model inputs ---------------------------------------------------------------
    def as_model_inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """The two inputs of an NV12-inserted model.

        Returns
        -------
        (y, uv) : tuple of numpy.ndarray
            y (1, H, W, 1) uint8 and uv (1, H/2, W/2, 2) uint8 (read-only views).
        """
        return self.y[None, :, :, None], self.uv[None]

    @classmethod
    def from_model_inputs(cls, y: np.ndarray, uv: np.ndarray) -> NV12:
        """Inverse of :meth:`as_model_inputs`: y (1, H, W, 1), uv (1, H/2, W/2, 2) uint8."""
        y, uv = np.asarray(y), np.asarray(uv)
        if y.ndim != 4 or y.shape[0] != 1 or y.shape[3] != 1:
            raise InputError(f"y must have shape (1, H, W, 1), got {y.shape}.")
        if uv.ndim != 4 or uv.shape[0] != 1 or uv.shape[3] != 2:
            raise InputError(f"uv must have shape (1, H/2, W/2, 2), got {uv.shape}.")
        return cls(y[0, :, :, 0], uv[0])
