"""core.io: special files refused at once, sizes checked before reading, atomic writes."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from nv12_widgets.core import InputError, load_image
from nv12_widgets.core import io as cio
from nv12_widgets.core.nv12 import NV12


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.png"
    os.mkfifo(path)
    return path


def _fast(fn, *args, **kwargs):
    """Run fn in a thread; fail (instead of hanging the suite) if it blocks for 5 s."""
    result: dict = {}

    def target():
        try:
            result["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            result["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    start = time.monotonic()
    t.start()
    t.join(5)
    assert not t.is_alive(), f"{fn.__name__} blocked"
    result["seconds"] = time.monotonic() - start
    return result


@pytest.mark.parametrize(
    "reader",
    [
        lambda p: cio.read_file(p, kind="image"),
        lambda p: load_image(p),
        lambda p: NV12.fromfile(p, 4, 2),
    ],
    ids=["read_file", "load_image", "NV12.fromfile"],
)
def test_fifo_is_refused_at_once(fifo, reader):
    out = _fast(reader, fifo)
    assert isinstance(out.get("error"), InputError)
    assert "FIFO" in str(out["error"]) and str(fifo) in str(out["error"])
    assert out["seconds"] < 1


def test_devices_sockets_and_folders_are_refused(tmp_path):
    out = _fast(cio.read_file, "/dev/zero", kind="model", what="model file")
    assert isinstance(out["error"], InputError) and "character device" in str(out["error"])
    with pytest.raises(InputError, match="is a folder"):
        cio.read_file(tmp_path, kind="image")
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(InputError, match="socket"):
            cio.read_file(sock_path, kind="raw")
    with pytest.raises(InputError, match="no file at"):
        cio.read_file(tmp_path / "missing", kind="raw")
    with pytest.raises(InputError, match="must be a path"):
        cio.read_file(3, kind="raw")  # type: ignore[arg-type]


def test_size_is_checked_before_reading_and_the_limit_is_adjustable(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    with open(path, "wb") as fh:
        fh.truncate(5 << 30)  # 5 GiB sparse: reading it would take seconds and memory
    out = _fast(load_image, path)
    assert isinstance(out["error"], InputError)
    assert "over the 256.0 MiB limit" in str(out["error"]) and "LIMITS['image']" in str(out["error"])
    assert out["seconds"] < 1
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 100)
    monkeypatch.setitem(cio.LIMITS, "raw", 99)
    with pytest.raises(InputError, match="over the 99 bytes limit"):
        cio.read_file(small, kind="raw")
    monkeypatch.setitem(cio.LIMITS, "raw", 100)
    assert cio.read_file(small, kind="raw") == b"x" * 100
    assert cio.read_file(small, kind="raw", limit=1000) == b"x" * 100


def test_read_stream_is_capped():
    import io

    with pytest.raises(InputError, match="more than"):
        cio.read_stream(io.BytesIO(b"abcd"), kind="raw", limit=3)
    assert cio.read_stream(io.BytesIO(b"abc"), kind="raw", limit=3) == b"abc"
    with pytest.raises(InputError, match="binary mode"):
        cio.read_stream(io.StringIO("abc"), kind="raw")


def test_atomic_write_refuses_existing_targets_unless_asked(tmp_path):
    target = tmp_path / "out.bin"
    cio.atomic_write(target, b"one")
    with pytest.raises(cio.OutputExistsError, match=r"out\.bin.*overwrite=True") as info:
        cio.atomic_write(target, b"two")
    assert isinstance(info.value, InputError) and isinstance(info.value, FileExistsError)
    assert target.read_bytes() == b"one"
    cio.atomic_write(target, b"two", overwrite=True)
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]  # no temporary left


def test_atomic_write_handles_long_names_and_names_the_target_in_errors(tmp_path):
    long_target = tmp_path / ("r" * 245 + ".html")  # 250 characters, legal on ext4/tmpfs
    cio.atomic_write(long_target, b"<html>")
    assert long_target.read_bytes() == b"<html>"
    cio.atomic_write(long_target, b"<p>", overwrite=True)
    assert long_target.read_bytes() == b"<p>"
    with pytest.raises(InputError, match="is a folder"):
        cio.atomic_write(tmp_path, b"x", overwrite=True)
    with pytest.raises(InputError, match=r"folder of output .*nope.*does not exist"):
        cio.atomic_write(tmp_path / "nope" / "x.bin", b"x")
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(InputError) as info:
        cio.atomic_write(blocker / "x.bin", b"x")
    assert "x.bin" in str(info.value) and ".tmp" not in str(info.value)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(InputError, match="not a regular file"):
        cio.atomic_write(tmp_path / "fifo", b"x", overwrite=True)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "keep.bin"
    target.write_bytes(b"old")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cio.os, "fsync", broken_fsync)
    with pytest.raises(InputError) as info:
        cio.atomic_write(target, b"new", overwrite=True)
    message = str(info.value)
    assert "keep.bin" in message and "No space left" in message and ".tmp" not in message
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.bin"]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ('{"a": ' + "9" * 5000 + "}", "5000 digits"),
        ('{"a": 1' + "0" * 400 + "}", "401 digits"),
        ('{"a": 1e999}', "overflows"),
        ('{"a": NaN}', "NaN"),
        ('{"a": -Infinity}', "Infinity"),
        (b'{"a": "\xff"}', "not UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "nests deeper"),
        ('{"a": [[[[' + "[" * 70 + "]" * 74 + "}", "nests deeper"),
        ("{'a': 1}", "not valid JSON"),
        ("", "not valid JSON"),
    ],
)
def test_parse_json_only_raises_input_error(data, match):
    with pytest.raises(InputError, match=match):
        cio.parse_json(data, where="cfg.json")


def test_parse_json_accepts_ordinary_documents():
    doc = {"mean": [0.485, 0.456, 0.406], "size": [320, 320], "nested": [[[1]]], "s": "[[[{{"}
    assert cio.parse_json(json.dumps(doc)) == doc
    assert cio.parse_json(json.dumps(doc).encode("utf-8")) == doc
    assert cio.parse_json("\ufeff[1]") == [1]
    deep = "[" * cio.JSON_MAX_DEPTH + "]" * cio.JSON_MAX_DEPTH
    assert cio.parse_json(deep) is not None
