"""Repro bundles: contents, limits, exclusions, and a replay in a venv holding only
numpy and onnxruntime (and their hard dependencies)."""

from __future__ import annotations

import importlib.metadata as md
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nv12_widgets.cli import main
from nv12_widgets.core import InputError
from nv12_widgets.model import Model, compare, demo_config, demo_image_paths, demo_model_path
from nv12_widgets.model.workflows.bundle import bundle_comparison, make_bundle


def _top_levels(dist_name: str, seen: set[str]) -> set[Path]:
    """Importable top-level files / folders of a distribution and its hard requirements."""
    key = dist_name.lower().replace("_", "-")
    if key in seen:
        return set()
    seen.add(key)
    dist = md.distribution(dist_name)
    tops = set()
    for f in dist.files or ():
        head = f.parts[0]
        if head.endswith((".dist-info", ".data")) or head in ("..", "__pycache__"):
            continue
        tops.add(Path(dist.locate_file(head)))
    for req in dist.requires or ():
        if "extra ==" in req:
            continue
        tops |= _top_levels(re.match(r"[A-Za-z0-9_.-]+", req).group(0), seen)
    return tops


def _bare_python(tmp_path: Path) -> Path:
    """A venv without pip whose only packages are numpy, onnxruntime and their deps."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    deps = tmp_path / "deps"
    deps.mkdir()
    for top in _top_levels("onnxruntime", set()) | _top_levels("numpy", set()):
        (deps / top.name).symlink_to(top)
    site = next(venv.glob("lib/python3*/site-packages"))
    (site / "only_numpy_onnxruntime.pth").write_text(str(deps) + "\n")
    return venv / "bin" / "python"


@pytest.fixture(scope="module")
def det_comparison():
    model = Model(demo_model_path())
    config = demo_config()
    # the classic bug: a studio-swing camera decoded as full swing by the device
    device = config.replace(swing="studio", decode_swing="full")
    return model, compare(model, demo_image_paths()[0], config, device=device)


@pytest.mark.slow
def test_a_bundle_of_the_real_detector_replays_with_numpy_and_onnxruntime_only(
    tmp_path, det_comparison
):
    model, cmp = det_comparison
    out = model.run_image(np.zeros((1, 3, 320, 320), np.float32))  # the board's dump: a stand-in
    name = model.output_names[0]
    dump = tmp_path / "board_out.npy"
    np.save(dump, out[name] + np.float32(0.01))
    info = bundle_comparison(cmp, model, tmp_path / "bug.zip", board_dump=dump, toolchain={"rknn-toolkit2": "2.3.0"})  # fmt: skip
    assert info.diverging is not None and info.sliced
    labels = [n["label"] for n in info.numbers]
    assert any("board" in label for label in labels) and any("first diverging" in label for label in labels)  # fmt: skip
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(info.path) as z:
        z.extractall(folder)
    for part in ("frame/frame.nv12", "frame/frame.json", "frame/frame.png", "config/config.json",
                 "config/snippets.md", "model.onnx", "preprocess.onnx", "inputs/device.npy",
                 "versions.json", "README.md", "replay.py", "numbers.json"):  # fmt: skip
        assert (folder / part).is_file(), part
    versions = json.loads((folder / "versions.json").read_text())
    assert versions["toolchain"] == {"rknn-toolkit2": "2.3.0"} and versions["model"]["opsets"]
    readme = (folder / "README.md").read_text()
    for n in info.numbers:  # the README states every number
        assert f"{float(n['cosine']):.6f}" in readme
    python = _bare_python(tmp_path)
    probe = subprocess.run([str(python), "-I", "-c", "import nv12_widgets"], capture_output=True)
    assert probe.returncode != 0  # the package is not there ...
    probe = subprocess.run([str(python), "-I", "-c", "import onnx"], capture_output=True)
    assert probe.returncode != 0  # ... nor onnx: the slice runs without it
    res = subprocess.run(
        [str(python), "-I", "replay.py"], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "every number reproduced" in res.stdout
    checks = [line for line in res.stdout.splitlines() if line.startswith("ok ")]
    assert len(checks) == len(info.numbers) + 1 + 3  # numbers, preprocess, 3 paths
    # a tampered expected output is caught
    tampered = folder / "expected" / "full" / "device" / f"{name}.npy"
    np.save(tampered, np.load(tampered) * 1.5)
    res = subprocess.run([str(python), "-I", "replay.py"], cwd=folder, capture_output=True, text=True)  # fmt: skip
    assert res.returncode == 1 and "FAIL" in res.stdout


@pytest.mark.slow
def test_exclusions_and_the_size_limit(tmp_path, det_comparison):
    model, cmp = det_comparison
    info = bundle_comparison(cmp, model, tmp_path / "a.zip", exclude=["model", "frame"])
    names = zipfile.ZipFile(info.path).namelist()
    assert "model.onnx" not in names and not any(n.startswith("frame/") for n in names)
    assert "replay.py" in names and "sender's request: frame, model" in zipfile.ZipFile(info.path).read("README.md").decode()  # fmt: skip
    folder = tmp_path / "partial"
    with zipfile.ZipFile(
        bundle_comparison(cmp, model, tmp_path / "p.zip", exclude=["inputs", "expected"]).path
    ) as z:
        z.extractall(folder)
    res = subprocess.run([sys.executable, "replay.py"], cwd=folder, capture_output=True, text=True)  # fmt: skip
    assert res.returncode == 0 and "skip  inputs/device.npy is not in the bundle" in res.stdout, res.stdout + res.stderr  # fmt: skip
    with pytest.raises(InputError, match="largest part is 'model'"):
        make_bundle(model, cmp.fitted_image, tmp_path / "b.zip", cmp.config, slice_model=False, max_bytes=2**20)  # fmt: skip
    assert not (tmp_path / "b.zip").exists()
    with pytest.raises(InputError, match="Unknown part"):
        make_bundle(model, cmp.fitted_image, tmp_path / "c.zip", exclude=["weights"])
    with pytest.raises(InputError, match="already exists"):
        make_bundle(model, cmp.fitted_image, info.path, cmp.config)


@pytest.mark.slow
def test_cli_bundle(tmp_path, capsys):
    out = tmp_path / "demo.zip"
    assert main(["bundle", "--demo", "-o", str(out), "--exclude", "model"]) == 0
    assert "first diverging" in capsys.readouterr().out or zipfile.is_zipfile(out)
    assert "model.onnx" not in zipfile.ZipFile(out).namelist()
    assert main(["bundle", "--demo", "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["bundle", "--demo", "-o", str(out), "--overwrite", "--max-mb", "0.5"]) == 2
    assert "largest part" in capsys.readouterr().err
    assert main(["bundle", "-o", str(out)]) == 2
    assert "nv12-widgets: error: bundle needs --model" in capsys.readouterr().err
