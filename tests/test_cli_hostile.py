"""The command line with hostile input: exit 2, one line, no traceback, the file named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nv12_widgets.cli import main


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nv12-widgets: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray(np.full((8, 8, 3), 90, np.uint8)).save(path)
    return path


@pytest.mark.parametrize(
    "content",
    [
        b'{"divisor": ' + b"9" * 5000 + b"}",
        b'{"mean": 1' + b"0" * 400 + b"}",
        b'{"swing": "\xff\xfe"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"divisor": NaN}',
        b'{"size": [1e400, 2]}',
    ],
    ids=["5000-digits", "400-digits", "bad-utf8", "deep", "nan", "overflow"],
)
def test_report_with_a_hostile_config_file(capsys, tmp_path, photo, content):
    cfg = tmp_path / "evil.json"
    cfg.write_bytes(content)
    code, _, err = run(
        capsys, "report", "--demo", "--image", photo, "--config", cfg, "-o", tmp_path / "r.html"
    )
    assert_one_line_error(code, err, "evil.json")
    assert not (tmp_path / "r.html").exists()


def test_special_files_as_inputs(capsys, tmp_path, photo):
    fifo = tmp_path / "cfg.json"
    os.mkfifo(fifo)
    code, _, err = run(
        capsys, "report", "--demo", "--image", photo, "--config", fifo, "-o", tmp_path / "r.html"
    )
    assert_one_line_error(code, err, "cfg.json", "FIFO")
    code, _, err = run(capsys, "convert", "/dev/zero", "--width", "4", "--height", "2", "-o",
                       tmp_path / "x.png")  # fmt: skip
    assert_one_line_error(code, err, "/dev/zero", "character device")
    code, _, err = run(capsys, "report", "--model", "/dev/zero", "--image", photo, "-o",
                       tmp_path / "r.html")  # fmt: skip
    assert_one_line_error(code, err, "/dev/zero")


def test_convert_overwrite_is_atomic_and_long_names_work(capsys, tmp_path, photo):
    out = tmp_path / ("f" * 245 + ".nv12")  # 250 characters
    code, _, err = run(capsys, "convert", photo, "-o", out)
    assert code == 0, err
    first = out.read_bytes()
    code, _, err = run(capsys, "convert", photo, "-o", out)
    assert_one_line_error(code, err, "already exists", "--overwrite")
    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(photo)
    code, _, err = run(capsys, "convert", photo, "-o", out, "--overwrite")
    assert code == 0, err
    assert out.read_bytes() != first and len(out.read_bytes()) == len(first)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["photo.png", out.name])


def test_the_installed_entry_point_prints_no_traceback(tmp_path):
    cfg = tmp_path / "deep.json"
    cfg.write_bytes(b"[" * 200_000)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-m", "nv12_widgets", "report", "--demo", "--config", str(cfg), "-o",
         str(tmp_path / "r.html")],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "deep.json" in proc.stderr
