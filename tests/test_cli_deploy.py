"""The command line on models the other tests do not use: a one-channel (grey-level)
model, a dynamic-size model in ``evaluate``, and ``python -m nv12_widgets.cli``."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image

from nv12_widgets.cli import main

_BUILDERS = Path(__file__).resolve().parent / "model" / "onnx_builders.py"
_spec = importlib.util.spec_from_file_location("_deploy_onnx_builders", _BUILDERS)
onnx_builders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(onnx_builders)


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def photos(tmp_path) -> list[Path]:
    rng = np.random.default_rng(0)
    folder = tmp_path / "set"
    folder.mkdir()
    paths = []
    for i, (h, w) in enumerate([(40, 56), (36, 30)]):
        path = folder / f"p{i}.png"
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


def test_python_dash_m_cli_runs_the_entry_point():
    """``pyproject`` names ``nv12_widgets.cli:main``: ``python -m nv12_widgets.cli`` works."""
    proc = subprocess.run(
        [sys.executable, "-m", "nv12_widgets.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: nv12-widgets")


@pytest.mark.parametrize("size", [(16, 16), None])  # fixed, and dynamic like ddddocr's
def test_report_on_a_one_channel_model_starts_gray(capsys, tmp_path, photos, size):
    """Without --config / --train-format a [1, 1, H, W] model is fed grey levels (it used
    to fail: "takes 1 channel(s) ... train_format='rgb' gives 3")."""
    model = tmp_path / "gray.onnx"
    onnx.save(onnx_builders.gray_nchw(size=size), str(model))
    extra = [] if size else ["--size", 16, 24]
    code, out, err = run(
        capsys, "report", "--model", model, "--image", photos[0], "-o", tmp_path / "r.html", *extra
    )
    assert code == 0, err
    assert "cos NV12" in out and (tmp_path / "r.html").is_file()
    # an explicit --train-format still wins, with the clear error
    code, _, err = run(
        capsys, "report", "--model", model, "--image", photos[0], "-o", tmp_path / "s.html",
        "--train-format", "rgb", *extra,
    )  # fmt: skip
    assert code == 2 and "use train_format='gray'" in err


def test_evaluate_on_a_dynamic_model_without_size_uses_the_models_size(capsys, tmp_path, photos):
    """``report`` picks a size for a dynamic input; ``evaluate`` used to fail with
    "has a dynamic size; set config.size" (no such option on the command line)."""
    model = tmp_path / "dyn.onnx"
    onnx.save(onnx_builders.conv_nchw(size=None), str(model))
    code, out, err = run(capsys, "evaluate", photos[0].parent, "--model", model)
    assert code == 0, err
    assert "dynamic input size: using --size" in out and "for every image" in out
    assert "total NV12" in out
