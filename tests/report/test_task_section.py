"""The report's "Task answers" section and task pictures (escaped, offline)."""

from __future__ import annotations

import numpy as np
import pytest

from nv12_widgets.report import Findings

TASKS = [
    {
        "name": "ctc(<b>out</b>)",
        "summary": "NV12 path: CER 0.400 (chosen)",
        "trusted": True,
        "reference_empty": False,
        "agreement": {"nv12": {"score": 0.6}, "format": {"score": 1.0}},
        "texts": [
            {
                "item": 0,
                "reference": "x7k3p",
                "nv12": "43",
                "edits": [["delete", "x7", ""], ["replace", "k", "4"], ["equal", "3", "3"],
                          ["delete", "p", ""]],
            }
        ],
    },
    {
        "name": "yolov8(output0)",
        "summary": "NV12 path: F1 1.000 (guessed, confidence 0.50)",
        "trusted": False,
        "reference_empty": True,
        "agreement": {"nv12": {"score": 1.0}},
        "texts": [],
    },
]  # fmt: skip


def _html(tmp_path, context):
    f = Findings()
    f.record(
        title="t",
        images={"yolov8(output0): reference": np.zeros((8, 8, 3), np.uint8)},
        context=context,
    )
    path = f.export_html(tmp_path / "r.html")
    return path.read_text(encoding="utf-8")


def test_task_section_marks_edits_and_escapes(tmp_path):
    html = _html(tmp_path, {"tasks": TASKS})
    assert "<h3>Task answers</h3>" in html
    assert "ctc(&lt;b&gt;out&lt;/b&gt;)" in html and "<b>out</b>" not in html
    assert "<del>x7</del><del>k</del><ins>4</ins>3<del>p</del>" in html
    assert "nv12 0.600; format 1.000" in html
    assert "a guess from the shape" in html  # the untrusted task says so
    assert "yolov8(output0): reference" in html and "data:image/png;base64," in html
    assert "http://" not in html.split("<body", 1)[1].replace("http://www.w3.org", "")


@pytest.mark.parametrize("bad", [[{"name": "x"}], "text", [{"name": 1, "summary": 2, "texts": 3}]])
def test_malformed_task_entries_stay_context_rows(tmp_path, bad):
    html = _html(tmp_path, {"tasks": bad})
    assert "<h3>Task answers</h3>" not in html


@pytest.mark.slow
def test_report_of_a_yolo_comparison_draws_the_detections(tmp_path):
    import importlib.util
    from pathlib import Path

    pytest.importorskip("nudenet")
    from nv12_widgets.model import Model, PreprocessConfig, compare, demo_image_paths
    from nv12_widgets.model.judge.finding_fields import finding_fields

    path = Path(importlib.util.find_spec("nudenet").origin).parent / "320n.onnx"
    photo = next(p for p in demo_image_paths() if p.stem == "astronaut")
    c = compare(Model(path), photo, PreprocessConfig(size=(320, 320)))
    f = Findings()
    f.record(**finding_fields(c, image_name="astronaut.png"))
    html = f.export_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "yolov8(output0): NV12 path (changed boxes highlighted)" in html
    assert "<strong>yolov8(output0)</strong>: NV12 path: " in html
