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


def _uint8_model(path: Path) -> Path:
    """[1, 16, 16, 3] uint8 codes, normalised inside (Cast, /255), then a 1x1 conv."""
    from onnx import TensorProto, helper, numpy_helper

    w = np.random.default_rng(4).normal(0, 0.5, (2, 3, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("Cast", ["image"], ["f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["f", "k"], ["s"]),
        helper.make_node("Transpose", ["s"], ["t"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["t", "w"], ["y"]),
    ]
    model = onnx_builders.make_model(
        nodes,
        [helper.make_tensor_value_info("image", TensorProto.UINT8, [1, 16, 16, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 16, 16])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.float32(1 / 255), "k")],
    )
    onnx.save(model, str(path))
    return path


def test_report_and_bundle_on_a_uint8_model_feed_codes(capsys, tmp_path, photos):
    """Without --config a uint8 input is fed codes (divisor 1); both used to fail with
    "is uint8, not floating point"."""
    model = _uint8_model(tmp_path / "u8.onnx")
    code, out, err = run(
        capsys, "report", "--model", model, "--image", photos[0], "-o", tmp_path / "r.html"
    )
    assert code == 0, err
    assert "cos NV12" in out
    code, out, err = run(capsys, "bundle", "--model", model, photos[0], "-o", tmp_path / "b.zip")
    assert code == 0, err
    assert (tmp_path / "b.zip").is_file()
    # a normalising config is refused, saying what to set
    code, _, err = run(
        capsys, "report", "--model", model, "--image", photos[0], "-o", tmp_path / "s.html",
        "--divisor", 255,
    )  # fmt: skip
    assert code == 2 and "set divisor=1, mean=0, std=1" in err


def test_report_feeds_a_side_input_from_a_file(capsys, tmp_path, photos):
    """``--feed NAME=T.npy``: a model with a non-image input (PaddleDetection's
    ``scale_factor``) could not be reported from the command line at all."""
    from onnx import TensorProto, helper, numpy_helper

    w = np.random.default_rng(7).normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("ReduceMean", ["c"], ["m"], axes=[2, 3], keepdims=0),
        helper.make_node("Mul", ["m", "gain"], ["y"]),
    ]
    model = onnx_builders.make_model(
        nodes,
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16]),
            helper.make_tensor_value_info("gain", TensorProto.FLOAT, [1, 1]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(w, "w")],
    )
    path = tmp_path / "side.onnx"
    onnx.save(model, str(path))
    np.save(tmp_path / "gain.npy", np.array([[2.0]], np.float32))
    base = ["report", "--model", path, "--image", photos[0], "-o", tmp_path / "r.html"]
    code, _, err = run(capsys, *base)
    assert code == 2 and "--feed NAME=T.npy" in err
    code, out, err = run(capsys, *base, "--feed", f"gain={tmp_path / 'gain.npy'}")
    assert code == 0, err
    assert "cos NV12" in out
    code, _, err = run(capsys, *base, "--overwrite", "--feed", "gain")
    assert code == 2 and "expected NAME=T.npy" in err


def test_probe_make_sizes_its_frames_for_gray_and_dynamic_models(capsys, tmp_path):
    """``probe make --model`` read the model size through PreprocessConfig(): a one-channel
    model failed ("takes 1 channel(s) ... use train_format='gray'") and a dynamic one
    ("has a dynamic size"); it now starts where the model says and at a size it runs at."""
    model = tmp_path / "gray.onnx"
    onnx.save(onnx_builders.gray_nchw(size=None), str(model))
    code, out, err = run(capsys, "probe", "make", tmp_path / "probes", "--model", model,
                         "--no-camera")  # fmt: skip
    assert code == 0, err
    assert "wrote" in out and list((tmp_path / "probes").glob("*.nv12"))


def test_the_cosine_gate_skips_a_single_value_output_with_a_note(capsys, tmp_path, photos):
    """A (1, 1) score has no cosine (core.metrics.SINGLE_VALUE): --min-cosine used to
    pass it as cosine 1.000000 whatever it did; it is skipped, and says so."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    init = [
        numpy_helper.from_array(rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.normal(0, 1.5, (1, 4)).astype(np.float32), "fc"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc"], ["logit"], transB=1),
        helper.make_node("Sigmoid", ["logit"], ["p"]),
    ]
    model = onnx_builders.make_model(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [1, 1])],
        init,
    )
    path = tmp_path / "score.onnx"
    onnx.save(model, str(path))
    code, out, err = run(capsys, "report", "--model", path, "--image", photos[0],
                         "-o", tmp_path / "r.html", "--min-cosine", 0.999)  # fmt: skip
    assert code == 0, err
    assert "--min-cosine does not apply to output 'p', a single value" in out
    assert "cos NV12 n/a" in out or "cos NV12 NaN" in out


def test_evaluate_feeds_a_side_input(capsys, tmp_path, photos):
    """``evaluate`` over a folder with a model that takes a side input: the API's
    ``extra_feeds`` and the CLI's ``--feed`` (it failed on every image: "Missing value
    for input(s) ['gain']"); the per-image numbers equal compare's with the same feed."""
    from onnx import TensorProto, helper, numpy_helper

    from nv12_widgets.core import InputError, load_image
    from nv12_widgets.model import PreprocessConfig, compare
    from nv12_widgets.model.workflows.dataset import evaluate

    w = np.random.default_rng(7).normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("ReduceMean", ["c"], ["m"], axes=[2, 3], keepdims=0),
        helper.make_node("Mul", ["m", "gain"], ["y"]),
    ]
    model = onnx_builders.make_model(
        nodes,
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16]),
            helper.make_tensor_value_info("gain", TensorProto.FLOAT, [1, 1]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(w, "w")],
    )
    path = tmp_path / "side.onnx"
    onnx.save(model, str(path))
    gain = np.array([[2.0]], np.float32)
    folder = photos[0].parent
    config = PreprocessConfig(size=(16, 16), decode_swing="studio")
    with pytest.raises(InputError, match="extra_feeds"):
        evaluate(str(path), folder, config, progress=False)
    with pytest.raises(InputError, match="not inputs of the model"):
        evaluate(str(path), folder, config, progress=False, extra_feeds={"gian": gain})
    r = evaluate(str(path), folder, config, progress=False, extra_feeds={"gain": gain})
    assert len(r.ok) == 2 and not r.errors
    by_path = {rec["path"]: rec for rec in r.ok}
    c = compare(str(path), load_image(photos[0]), config, extra_feeds={"gain": gain})
    rec = by_path[str(photos[0])]
    assert rec["loss"]["y"]["nv12"] == pytest.approx(c.metrics["y"].loss_nv12)
    np.save(tmp_path / "gain.npy", gain)
    code, out, err = run(
        capsys, "evaluate", folder, "--model", path, "--size", 16, 16, "--quiet",
        "--feed", f"gain={tmp_path / 'gain.npy'}",
    )  # fmt: skip
    assert code == 0, err
