"""``nv12-widgets evaluate --ground-truth PATH``: mAP@0.5 per path in the summary."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from nv12_widgets.cli import main


@pytest.mark.slow
def test_evaluate_ground_truth_prints_map_per_path(capsys, tmp_path):
    spec = importlib.util.find_spec("nudenet")
    if spec is None:
        pytest.skip("nudenet is not installed")
    from nv12_widgets.model import demo_image_paths

    model = str(Path(spec.origin).parent / "320n.onnx")
    (photo,) = [p for p in demo_image_paths() if p.stem == "astronaut"]
    images = tmp_path / "images"
    images.mkdir()
    (images / "astronaut.png").write_bytes(photo.read_bytes())
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"size": [320, 320], "resize_policy": "letterbox"}))
    coco = {"images": [{"id": 1, "file_name": "astronaut.png"}],
            "annotations": [{"image_id": 1, "category_id": 1, "bbox": [173, 83, 101, 97]}],
            "categories": [{"id": i, "name": str(i)} for i in range(18)]}  # fmt: skip
    (tmp_path / "gt.json").write_text(json.dumps(coco))
    code = main(["evaluate", str(images), "--model", model, "--config", str(config),
                 "--ground-truth", str(tmp_path / "gt.json"), "--quiet"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "against the ground truth" in out
    lines = [line for line in out.splitlines() if "mAP@0.5" in line]
    assert {line.split()[1] for line in lines} >= {"reference", "nv12", "noise"}
    assert all("on 1 image(s)" in line for line in lines)
    # the box is the reference path's own detection of the face (class 1), in source pixels
    (ref,) = [line for line in lines if line.split()[1] == "reference"]
    assert "mAP@0.5 1.0000 [1.0000, 1.0000]" in ref
    (tmp_path / "bad.json").write_text(
        json.dumps({**coco, "images": [{"id": 1, "file_name": "x.png"}]})
    )
    code = main(["evaluate", str(images), "--model", model, "--config", str(config),
                 "--ground-truth", str(tmp_path / "bad.json"), "--quiet"])  # fmt: skip
    assert code == 2 and "matched by file name" in capsys.readouterr().err
