"""Bounded reads and atomic writes: the one place the package touches user files.

Every file the package reads goes through :func:`read_file` (or :func:`open_regular` for
readers that parse a header first), so that

* special files - FIFOs, character / block devices (``/dev/zero``), sockets - and folders
  are refused at once, before anything is opened for reading (a FIFO is opened with
  ``O_NONBLOCK`` and checked again, so one swapped in meanwhile cannot block);
* the size is checked against a limit *before* reading, and the read itself is capped,
  so a file growing meanwhile cannot exceed it either.

The limits are per kind of file, in bytes, in :data:`LIMITS`; change them for a session
with ``nv12_widgets.core.io.LIMITS["model"] = 4 << 30`` (they are read at call time) or
pass ``limit=`` where a function offers it.

Writers go through :func:`atomic_write`: a temporary file with a short name (``.nv12w-``
and 8 hex digits, so even a 255-byte target name stays within the file system's name
limit) beside the target, flushed and ``fsync``-ed, then renamed over the target. An
existing target is refused unless ``overwrite=True`` (without it the file is published
with a hard link, which fails atomically if the target appeared meanwhile). Errors name
the user's target, never the temporary file.

JSON from users (configs, sidecars) goes through :func:`parse_json`: UTF-8 only, integers
of at most :data:`JSON_MAX_INT_DIGITS` digits, finite numbers, nesting at most
:data:`JSON_MAX_DEPTH` deep; anything else is an :class:`InputError`.

Examples
--------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "frame.bin"
>>> _ = atomic_write(target, b"abc")
>>> read_file(target, kind="raw")
b'abc'
>>> _ = atomic_write(target, b"xyz")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
nv12_widgets.core.io.OutputExistsError: ... already exists; pass overwrite=True to replace it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ._checks import InputError

__all__ = [
    "JSON_MAX_DEPTH",
    "JSON_MAX_INT_DIGITS",
    "LIMITS",
    "OutputExistsError",
    "atomic_write",
    "make_folder",
    "check_regular_file",
    "open_regular",
    "parse_json",
    "read_file",
    "read_json_file",
    "read_stream",
]

#: Largest file read, in bytes, per kind. Adjustable: ``LIMITS["image"] = 1 << 30``.
#: image: encoded image files (a 8K PNG is ~100 MB at worst); raw: raw NV12/NV21/I420
#: frames (a 8K frame is 50 MB); tensor: ``.npy`` / ``.bin`` board dumps; model: ONNX
#: files (protobuf's own limit is 2 GiB); json: configs and sidecars.
LIMITS: dict[str, int] = {
    "image": 256 << 20,
    "raw": 256 << 20,
    "tensor": 1 << 30,
    "model": 2 << 30,
    "json": 16 << 20,
}
#: Longest integer literal :func:`parse_json` accepts (configs never need more).
JSON_MAX_INT_DIGITS = 64
#: Deepest nesting of arrays / objects :func:`parse_json` accepts.
JSON_MAX_DEPTH = 64

_KINDS_OF_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class OutputExistsError(InputError, FileExistsError):
    """The target of a write exists and ``overwrite`` was not given.

    Both an :class:`InputError` (a ``ValueError``) and a ``FileExistsError``.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.bin"
    >>> _ = atomic_write(target, b"first")
    >>> try:
    ...     atomic_write(target, b"second")
    ... except FileExistsError as error:
    ...     print(type(error).__name__, isinstance(error, ValueError))
    OutputExistsError True
    """


def _limit(kind: str, limit: int | None) -> int:
    if limit is not None:
        return int(limit)
    if kind not in LIMITS:
        raise InputError(f"kind={kind!r} has no size limit; use one of {sorted(LIMITS)}.")
    return int(LIMITS[kind])


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n} bytes"


def _refuse_special(mode: int, path: str, what: str) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(f"{what} {path!r} is a folder; give the file inside it.")
    for test, name in _KINDS_OF_SPECIAL:
        if test(mode):
            raise InputError(
                f"{what} {path!r} is {name}, not a regular file; copy the data to a file first."
            )
    if not stat.S_ISREG(mode):
        raise InputError(f"{what} {path!r} is not a regular file.")


def check_regular_file(
    path: str | os.PathLike[str],
    *,
    what: str = "file",
    kind: str | None = None,
    limit: int | None = None,
) -> tuple[Path, os.stat_result]:
    """Stat ``path`` (following links) and refuse anything but a regular file.

    Parameters
    ----------
    path : str or os.PathLike
        ``~`` is expanded.
    what : str
        How to call the file in messages ("model file", "image"...).
    kind, limit :
        When ``kind`` (a key of :data:`LIMITS`) or ``limit`` is given, a file larger than
        the limit is refused too.

    Returns
    -------
    (pathlib.Path, os.stat_result)

    Raises
    ------
    InputError
        Missing, unreadable, a folder, a FIFO / device / socket, or over the limit.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "model.onnx").write_bytes(b"1234")
    >>> path, st = check_regular_file(folder / "model.onnx", what="model file")
    >>> path.name, st.st_size
    ('model.onnx', 4)
    >>> check_regular_file(folder, what="model file")
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: model file ... is a folder...
    >>> check_regular_file(folder / "model.onnx", limit=2)
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: file ... is ..., over the ... limit for this files; ...
    """
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"{what} must be a path (str or os.PathLike), got {type(path).__name__}.")
    try:
        p = Path(path).expanduser()
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError(f"no {what} at {str(path)!r}; check the path.") from None
    except (OSError, ValueError) as exc:  # permission, name too long, NUL in the name
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(
            f"cannot access {what} {str(path)!r} ({reason}); check the path."
        ) from None
    _refuse_special(st.st_mode, str(p), what)
    if kind is not None or limit is not None:
        cap = _limit(kind or "", limit)
        if st.st_size > cap:
            raise InputError(
                f"{what} {str(p)!r} is {_mib(st.st_size)}, over the {_mib(cap)} limit for "
                f"{kind or 'this'} files; if it is genuine, raise "
                f"nv12_widgets.core.io.LIMITS[{kind!r}]."
            )
    return p, st


@contextlib.contextmanager
def open_regular(
    path: str | os.PathLike[str], *, kind: str, what: str = "file", limit: int | None = None
) -> Iterator[tuple[BinaryIO, int]]:
    """Open a regular file for reading after the checks of :func:`check_regular_file`.

    Yields ``(binary file object, size in bytes)``. The file is opened with
    ``O_NONBLOCK`` and checked again with ``fstat`` (a FIFO swapped in after the first
    check neither blocks nor passes).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "frame.nv12"
    >>> _ = path.write_bytes(bytes(24))
    >>> with open_regular(path, kind="raw") as (fh, size):
    ...     print(size, len(fh.read()))
    24 24
    """
    p, _ = check_regular_file(path, what=what, kind=kind, limit=limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as exc:
        raise InputError(f"cannot open {what} {str(p)!r} ({exc.strerror}).") from None
    try:
        st = os.fstat(fd)
        _refuse_special(st.st_mode, str(p), what)
        cap = _limit(kind, limit)
        if st.st_size > cap:
            raise InputError(
                f"{what} {str(p)!r} is {_mib(st.st_size)}, over the {_mib(cap)} limit for "
                f"{kind} files; if it is genuine, raise nv12_widgets.core.io.LIMITS[{kind!r}]."
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        yield fh, st.st_size


def read_file(
    path: str | os.PathLike[str], *, kind: str, what: str = "file", limit: int | None = None
) -> bytes:
    """Read a whole regular file of at most ``LIMITS[kind]`` (or ``limit``) bytes.

    Raises
    ------
    InputError
        See :func:`check_regular_file`; also when the file grew past the limit while
        being read.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.bin"
    >>> _ = path.write_bytes(b"abc")
    >>> read_file(path, kind="tensor")
    b'abc'
    >>> read_file(path, kind="tensor", limit=2)
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: file ... over the ... limit for tensor files; ...
    """
    cap = _limit(kind, limit)
    with open_regular(path, kind=kind, what=what, limit=cap) as (fh, _size):
        try:
            data = fh.read(cap + 1)
        except OSError as exc:
            raise InputError(f"cannot read {what} {str(path)!r} ({exc.strerror}).") from None
    if len(data) > cap:
        raise InputError(
            f"{what} {str(path)!r} is over the {_mib(cap)} limit for {kind} files; if it is "
            f"genuine, raise nv12_widgets.core.io.LIMITS[{kind!r}]."
        )
    return data


def read_stream(stream: Any, *, kind: str, what: str = "stream", limit: int | None = None) -> bytes:
    """Read a binary file object, at most ``LIMITS[kind]`` (or ``limit``) bytes.

    Raises
    ------
    InputError
        When the stream holds more, or returns something other than bytes.

    Examples
    --------
    >>> import io
    >>> read_stream(io.BytesIO(b"abc"), kind="image")
    b'abc'
    >>> read_stream(io.StringIO("abc"), kind="image", what="upload")
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: upload must be opened in binary mode ('rb'), it gave str.
    """
    cap = _limit(kind, limit)
    try:
        data = stream.read(cap + 1)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {what} ({exc}).") from None
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise InputError(
            f"{what} must be opened in binary mode ('rb'), it gave {type(data).__name__}."
        )
    if len(data) > cap:
        raise InputError(
            f"{what} holds more than the {_mib(cap)} limit for {kind} data; if it is genuine, "
            f"raise nv12_widgets.core.io.LIMITS[{kind!r}]."
        )
    return data


# ---------------------------------------------------------------------- JSON
def _reject_constant(name: str) -> Any:
    raise InputError(f"{name} is not a number JSON allows; use a finite number.")


def _parse_int(text: str, limit: int = JSON_MAX_INT_DIGITS) -> int:
    digits = len(text.lstrip("-"))
    if digits > limit:
        raise InputError(
            f"an integer of {digits} digits is not accepted (at most {JSON_MAX_INT_DIGITS})."
        )
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > 4 * JSON_MAX_INT_DIGITS:
        raise InputError(f"a number written with {len(text)} characters is not accepted.")
    value = float(text)
    if not math.isfinite(value):
        raise InputError(f"the number {text[:40]} overflows a float; use a finite number.")
    return value


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return deepest


def parse_json(
    data: str | bytes | bytearray,
    *,
    where: str = "JSON",
    allow_non_finite: bool = False,
    max_int_digits: int | None = JSON_MAX_INT_DIGITS,
) -> Any:
    """Parse JSON from a user, strictly: only ever :class:`InputError` on bad input.

    Parameters
    ----------
    data : str or bytes
        Bytes must be UTF-8.
    where : str
        Names the source in messages (a file name).
    allow_non_finite : bool
        Accept ``NaN`` / ``Infinity`` (Python's own JSON extension, e.g. an infinite SQNR
        in a findings document) and numbers overflowing a float (read as infinity);
        integers stay limited.
    max_int_digits : int or None
        Longest integer literal accepted; None: Python's own limit
        (``sys.get_int_max_str_digits()``), for a caller that checks values itself.

    Raises
    ------
    InputError
        Invalid UTF-8 or JSON, ``NaN`` / ``Infinity``, an integer longer than
        :data:`JSON_MAX_INT_DIGITS` digits, a number overflowing a float, or nesting
        deeper than :data:`JSON_MAX_DEPTH`.

    Examples
    --------
    >>> parse_json('{"mean": [0.5, 1]}')
    {'mean': [0.5, 1]}
    >>> parse_json('[' * 100 + ']' * 100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: JSON nests deeper than 64 levels; flatten it.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start})."
            ) from None
    elif isinstance(data, str):
        text = data
    else:
        raise InputError(f"{where} must be text or bytes, got {type(data).__name__}.")
    if text.startswith("\ufeff"):
        text = text[1:]
    # Pre-check of the nesting, before the recursive parser sees it (only when it could).
    opened = 0
    deepest = 0
    in_string = escaped = False
    brackets = text.count("[") + text.count("{")
    for ch in text if brackets > JSON_MAX_DEPTH else "":
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            opened += 1
            deepest = max(deepest, opened)
            if deepest > JSON_MAX_DEPTH:
                break
        elif ch in "]}":
            opened -= 1
    if deepest > JSON_MAX_DEPTH:
        raise InputError(f"{where} nests deeper than {JSON_MAX_DEPTH} levels; flatten it.")
    try:
        value = json.loads(
            text,
            parse_int=_parse_int
            if max_int_digits == JSON_MAX_INT_DIGITS
            else (int if max_int_digits is None else lambda t: _parse_int(t, max_int_digits)),
            parse_float=float if allow_non_finite else _parse_float,
            parse_constant=float if allow_non_finite else _reject_constant,
        )
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where} is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})."
        ) from None
    except (ValueError, RecursionError, OverflowError) as exc:  # belt and braces
        raise InputError(f"{where} is not acceptable JSON ({type(exc).__name__}: {exc}).") from None
    if _depth(value) > JSON_MAX_DEPTH:  # pragma: no cover - the pre-check catches it
        raise InputError(f"{where} nests deeper than {JSON_MAX_DEPTH} levels; flatten it.")
    return value


def read_json_file(path: str | os.PathLike[str], *, what: str = "JSON file") -> Any:
    """:func:`read_file` (kind "json") then :func:`parse_json`, naming the file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "frame.json"
    >>> _ = path.write_text('{"width": 4, "height": 2}')
    >>> read_json_file(path)
    {'width': 4, 'height': 2}
    """
    data = read_file(path, kind="json", what=what)
    return parse_json(data, where=f"{what} {str(path)!r}")


# ---------------------------------------------------------------------- writing
def make_folder(path: str | os.PathLike[str], *, what: str = "output folder") -> Path:
    """Create ``path`` and its parents if missing (``mkdir -p``), as an :class:`InputError`
    naming the folder when that is impossible (a regular file in the way, no permission).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> make_folder(root / "a" / "b").is_dir()
    True
    >>> _ = (root / "f").write_bytes(b"")
    >>> make_folder(root / "f" / "x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: cannot create output folder '...': ...f' is a file, not a folder; ...
    """
    folder = Path(path).expanduser()
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise InputError(
            f"cannot create {what} {str(folder)!r}: {str(blocker)!r} is a file, not a folder; "
            "choose another path or move the file."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(
            f"cannot create {what} {str(folder)!r} ({reason}); check the path and permissions."
        ) from None
    return folder


def _temporary_name(target: Path) -> Path:
    # Short on purpose: ".nv12w-" + 8 hex + ".tmp" = 19 characters, whatever the target's name.
    return target.with_name(f".nv12w-{secrets.token_hex(4)}.tmp")


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes | bytearray | memoryview,
    *,
    overwrite: bool = False,
    what: str = "output",
) -> Path:
    """Write ``data`` to ``path`` atomically: readers see the old file or the whole new one.

    Parameters
    ----------
    path : str or os.PathLike
        The target; ``~`` is expanded. Its folder must exist.
    data : bytes-like
    overwrite : bool
        Replace an existing target (atomically, with ``os.replace``). Without it an
        existing target is refused, also one that appears while writing.
    what : str
        How to call the target in messages.

    Returns
    -------
    pathlib.Path
        The target written.

    Raises
    ------
    OutputExistsError
        The target exists and ``overwrite`` is False.
    InputError
        The target is a folder or a special file, its folder is missing, or writing
        failed (permissions, disk full...); the message names the target.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.bin"
    >>> atomic_write(target, b"first").read_bytes()
    b'first'
    >>> atomic_write(target, b"second", overwrite=True).read_bytes()
    b'second'
    >>> sorted(p.name for p in target.parent.iterdir())  # no temporary file left behind
    ['out.bin']
    """
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"{what} must be a path (str or os.PathLike), got {type(path).__name__}.")
    target = Path(path).expanduser()
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot write {what} {str(target)!r} ({reason}).") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{what} {str(target)!r} is a folder; give a file name.")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{what} {str(target)!r} exists and is not a regular file.")
        if not overwrite:
            raise OutputExistsError(
                f"{what} {str(target)!r} already exists; pass overwrite=True to replace it."
            )
    if not target.parent.is_dir():
        raise InputError(f"the folder of {what} {str(target)!r} does not exist; create it first.")
    temporary = _temporary_name(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(temporary, flags, 0o666)  # the umask applies, as for open()
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if overwrite:
                os.replace(temporary, target)
            else:
                try:
                    os.link(temporary, target)
                except FileExistsError:
                    raise OutputExistsError(
                        f"{what} {str(target)!r} already exists; pass overwrite=True to replace it."
                    ) from None
                except OSError:  # no hard links here (some network / FAT file systems)
                    if target.exists():
                        raise OutputExistsError(
                            f"{what} {str(target)!r} already exists; pass overwrite=True to "
                            "replace it."
                        ) from None
                    os.replace(temporary, target)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except InputError:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(
            f"could not write {what} {str(target)!r} ({reason}); check the folder is writable "
            "and has space."
        ) from None
    with contextlib.suppress(OSError):  # make the rename durable too (best effort)
        dfd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    return target
