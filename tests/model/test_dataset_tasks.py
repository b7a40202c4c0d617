"""Task agreement over an image set (model.dataset_tasks) from evaluate's records."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from nv12_widgets.model import Model, PreprocessConfig, evaluate
from nv12_widgets.model.workflows.dataset import DatasetResult
from nv12_widgets.model.workflows.dataset_tasks import task_agreement_rows


def _result(records):
    return DatasetResult(records=records, model_name="m", run_key="k", config=None, outputs=("y",))


def test_rows_count_changes_and_empty_references():
    recs = [
        {"status": "ok", "tasks": {"det": {"empty": False, "paths": {
            "nv12": {"score": 1.0, "cer": 0.0}, "conversion": {"score": 0.5, "cer": 0.2}}}}},
        {"status": "ok", "tasks": {"det": {"empty": False, "paths": {
            "nv12": {"score": 0.8, "cer": 0.1}, "conversion": {"score": 1.0, "cer": 0.0}}}}},
        {"status": "ok", "tasks": {"det": {"empty": True, "paths": {"nv12": {"score": 1.0}}}}},
        {"status": "error", "error": "x"},
        {"status": "ok"},  # an old record without tasks
    ]  # fmt: skip
    rows = task_agreement_rows(_result(recs))
    assert [(r["path"], r["n"], r["changed"], r["empty"]) for r in rows] == [
        ("nv12", 2, 1, 1),
        ("conversion", 2, 1, 1),
    ]
    assert rows[0]["mean"] == pytest.approx(0.9) and rows[0]["low"] <= 0.9 <= rows[0]["high"]
    cer = task_agreement_rows(_result(recs), metric="cer")
    assert [r["changed"] for r in cer] == [1, 1]
    assert task_agreement_rows(_result([])) == []


@pytest.mark.slow
def test_a_decode_swing_bug_changes_detections_on_a_set(tmp_path):
    spec = importlib.util.find_spec("nudenet")
    if spec is None:
        pytest.skip("nudenet is not installed")
    from nv12_widgets.core import load_image
    from nv12_widgets.model import demo_image_paths

    model = Model(Path(spec.origin).parent / "320n.onnx")
    photos = {p.stem: p for p in demo_image_paths()}
    face = load_image(photos["astronaut"])
    tiles = [cv2.resize(face, (80, 80), interpolation=cv2.INTER_AREA)] * 16
    sheet = np.concatenate([np.concatenate(tiles[r * 4 : r * 4 + 4], 1) for r in range(4)], 0)
    cv2.imwrite(str(tmp_path / "sheet.png"), sheet[..., ::-1])
    cv2.imwrite(str(tmp_path / "coffee.png"), load_image(photos["coffee"])[..., ::-1])
    config = PreprocessConfig(size=(320, 320), resize_policy="letterbox")
    rows = {}
    for name, cfg in (("ok", config), ("bug", config.replace(decode_swing="studio"))):
        result = evaluate(model, str(tmp_path), cfg, progress=False, lint=None)
        rows[name] = {r["path"]: r for r in task_agreement_rows(result)}
        assert all(r["empty"] == 1 for r in rows[name].values())  # coffee: nothing to detect
    assert rows["ok"]["conversion"]["changed"] == 0 and rows["ok"]["conversion"]["n"] == 1
    bug = rows["bug"]
    # the sheet's detections change because of the conversion, and the NV12 path's F1 drops
    assert bug["conversion"]["changed"] == 1 and bug["conversion"]["mean"] < 0.9
    assert bug["nv12"]["mean"] < rows["ok"]["nv12"]["mean"] - 0.1
    assert all(math.isfinite(r["mean"]) for r in bug.values())
