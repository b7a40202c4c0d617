"""The verdict and the dataset summary: the dashboard and the report render the same view
model with the same macro (issue 17, "one presentation model")."""

from __future__ import annotations

import re

import numpy as np
import pytest
from markupsafe import escape

from nv12_widgets.views import dataset_view, render, verdict_view


def _comparison(dense_model):
    from nv12_widgets.model import Model, PreprocessConfig
    from nv12_widgets.model.workflows.compare import Comparator

    img = (np.arange(32 * 32 * 3) % 251).astype(np.uint8).reshape(32, 32, 3)
    # studio-swing frames decoded as full swing: a verdict with a title and numbers
    config = PreprocessConfig(swing="studio", decode_swing="full")
    return Comparator(Model(dense_model)).compare(img, config)


def test_dashboard_and_report_show_the_same_verdict(dense_model):
    from nv12_widgets.model.judge.finding_fields import finding_fields
    from nv12_widgets.report import Findings
    from nv12_widgets.widgets.similarity_panel import SimilarityPanel

    cmp = _comparison(dense_model)
    v = cmp.verdict()
    expected = render("verdict", verdict_view(v))
    assert f"<b>{v.title}</b>" in expected and f'data-code="{v.code}"' in expected
    panel = SimilarityPanel()
    panel.show_metrics(cmp)
    assert panel.verdict.value == expected
    findings = Findings()
    findings.record(**finding_fields(cmp, image_name="ramp.png"))
    page = findings.to_html()
    assert expected in page
    # read back from the findings' JSON too (no images): the same block
    assert expected in Findings.from_json(findings.to_json()).to_html()
    # shown once, as the verdict, not again among the context rows
    assert page.count(f'data-code="{v.code}"') == 1
    assert not re.search(r"<th scope=\"row\">verdict\.", page)


def test_a_recorded_verdict_is_escaped_and_free_text_has_no_title():
    from nv12_widgets.report import Finding, render_html

    entry = {"code": "x<y", "title": "Fragile <model>", "text": "a <script>alert(1)</script>"}
    page = render_html([Finding("t", verdict="ignored", context={"verdict": entry})])
    assert render("verdict", verdict_view(entry)) in page
    assert "Fragile &lt;model&gt;" in page and "<script>alert" not in page
    assert 'data-code="x&lt;y"' in page and "ignored" not in page
    free = render_html([Finding("t", verdict="The format <b>dominates</b>.")])
    block = render("verdict", verdict_view("The format <b>dominates</b>."))
    assert block in free and block == (
        '<div class="verdict"><span class="verdict-text">'
        "The format &lt;b&gt;dominates&lt;/b&gt;.</span></div>"
    )
    # an older finding: the context's verdict is its code, shown as a context row
    old = render_html([Finding("t", verdict="Said.", context={"verdict": "no-loss"})])
    assert "Said." in old and ">no-loss<" in old
    assert "No verdict recorded." in render_html([Finding("t")])


def _dataset_result():
    from nv12_widgets.model import PreprocessConfig
    from nv12_widgets.model.workflows.dataset import DatasetResult

    def record(path, label, top, loss):
        return {"path": path, "status": "ok", "verdict": "format", "label": ["cat", "dog"][label],
                "pred": {"reference": [label], "nv12": [top]},
                "loss": {"y": {"nv12": loss, "format": loss / 2, "conversion": loss / 2,
                               "noise": loss}},
                "agreement": {"y": {"nv12": float(top == label)}}}  # fmt: skip

    records = [record(f"set/{c}/rocket.png", i % 2, i % 2, 1e-4 * (i + 1)) for i, c in
               enumerate("abcd")] + [record("set/e.png", 0, 1, 3e-3),
                                     {"path": "set/<bad>.png", "status": "error",
                                      "error": "InputError: not an <image>"}]  # fmt: skip
    result = DatasetResult(records, "m<1>.onnx", "k", PreprocessConfig(), ("y",),
                           classes=["cat", "dog"], class_output="y", total=6, n_boot=200)  # fmt: skip
    result.ground_truth = [
        {"task": "yolov8(y)", "path": "reference", "what": "the float reference",
         "metric": "mAP@0.5", "value": 0.8125, "low": 0.75, "high": 0.875, "n": 5,
         "truth_boxes": 9, "per_class": {"0": 0.8125}},
        {"task": "ctc(y)", "path": "nv12", "what": "the NV12 path", "metric": "CER",
         "value": 1 / 6, "low": 0.0, "high": 0.5, "n": 5, "exact": 0.5},
    ]  # fmt: skip
    return result


def _table(page: str, name: str) -> str:
    found = re.findall(rf'<table class="{name} nv12-{name}">.*?</table>', page, re.S)
    assert len(found) == 1, (name, len(found))
    return found[0]


def test_dataset_panel_and_report_render_the_same_dataset_view(tmp_path):
    from nv12_widgets.model.judge.finding_fields import DATASET_CONTEXT_KEY
    from nv12_widgets.model.workflows.imagesets import distinct_names
    from nv12_widgets.report import Finding, render_html
    from nv12_widgets.widgets.dataset_panel import DatasetPanel

    result = _dataset_result()
    errors = []
    panel = DatasetPanel(lambda *a, **k: None, lambda path: None, lambda *a: errors.append(a))
    panel._draw(panel._prepare(result, "set/", "m<1>.onnx"))
    assert errors == []
    summary = panel.summary.value
    entry = panel.fields[DATASET_CONTEXT_KEY]
    names = dict(zip(result.paths, distinct_names(result.paths), strict=True))
    assert summary == render("dataset_summary", dataset_view(entry, names))
    page = render_html([Finding("t", context=panel.fields)])
    assert render("dataset_summary", dataset_view(entry)) in page
    # the same cells in both: decomposition, accuracy, ground truth
    for name in ("dataset-decomposition", "dataset-accuracy", "dataset-ground-truth"):
        assert _table(summary, name) == _table(page, name)
    # the ground-truth rows as the result holds them, formatted by the view
    gt = _table(page, "dataset-ground-truth")
    assert '>mAP@0.5</td><td class="num">0.8125</td><td class="num">[0.7500, 0.8750]' in gt
    assert '>CER</td><td class="num">0.1667</td><td class="num">[0.0000, 0.5000]' in gt
    assert ">50.0%</td>" in gt and "per_class" not in page
    assert [r["value"] for r in entry["ground_truth"]] == [0.8125, pytest.approx(1 / 6)]
    # worst images: the panel names them apart by folder, the report keeps the path;
    # both have the full path as tooltip
    worst = dataset_view(entry, names)["worst"]
    assert [w["name"] for w in worst][:2] == ["e.png", "d/rocket.png"]
    assert '<td class="value" title="set/d/rocket.png">d/rocket.png</td>' in summary
    assert '<td class="value" title="set/d/rocket.png">set/d/rocket.png</td>' in page
    # escaped in both
    for html in (summary, page):
        assert "m&lt;1&gt;.onnx" in html and "not an &lt;image&gt;" in html
        assert "<bad>" not in html and "<image>" not in html


def test_a_dataset_entry_without_ground_truth_has_no_such_table():
    entry = {"evaluated": 1, "errors": 0, "total": 1, "output": "y", "decomposition": []}
    html = render("dataset_summary", dataset_view(entry))
    assert "dataset-ground-truth" not in html and "1 image(s) evaluated" in html


def test_the_board_ladder_is_in_the_panel_and_in_the_report():
    from nv12_widgets.model import PreprocessConfig
    from nv12_widgets.model.judge.finding_fields import DATASET_CONTEXT_KEY, dataset_fields
    from nv12_widgets.model.workflows.dataset import DatasetResult
    from nv12_widgets.report import Finding, render_html
    from nv12_widgets.widgets.dataset_panel import summary_html

    def record(path, label, board):  # DatasetResult's own example: the board flips a.png
        top = [["cat", "dog"].index(label)]
        loss = {"nv12": 0.02, "format": 0.01, "conversion": 0.01, "noise": 0.02,
                "quant": 0.04, "quantization": 0.02, "board": 0.3}  # fmt: skip
        return {"path": path, "status": "ok", "verdict": "no-loss", "label": label,
                "pred": {"reference": top, "nv12": top, "quant": top, "board": [board]},
                "loss": {"y": loss},
                "agreement": {"y": {"nv12": 1.0, "quant": 1.0, "board": float(top == [board])}}}  # fmt: skip

    result = DatasetResult([record("x/a.png", "cat", 1), record("x/b.png", "dog", 1)],
                           "m.onnx", "k", PreprocessConfig(), ("y",), classes=["cat", "dog"],
                           class_output="y", total=2, n_boot=100)  # fmt: skip
    entry = dataset_fields(result)[DATASET_CONTEXT_KEY]
    ladder = result.ladder()
    assert [r["rung"] for r in entry["ladder"]["rows"]] == [r["rung"] for r in ladder]
    assert entry["ladder"]["board_only"] == 1
    panel = summary_html(entry, {"x/a.png": "a.png", "x/b.png": "b.png"})
    page = render_html([Finding("t", context={"dataset": entry})])
    assert _table(panel, "dataset-ladder") == _table(page, "dataset-ladder")
    board = ladder[-1]
    p = f"{board['step']['mcnemar']['p']:.3g}"
    what = escape(board["what"])  # an apostrophe: &#39;
    assert f'<th scope="row" title="{what}">board</th><td class="num">2</td>' in page
    assert f'<td class="num">{p}</td></tr>' in _table(page, "dataset-ladder")
    assert "The answer changes only on the board: 1 image(s): a.png</p>" in panel
    assert "The answer changes only on the board: 1 image(s): x/a.png</p>" in page
    assert "dataset-ladder" not in summary_html({**entry, "ladder": None})


def test_each_bindings_answers_are_in_the_summary_the_panel_and_the_report():
    """The per-image task scores evaluate records (every binding, post-NMS detections
    included) are aggregated by ``DatasetResult.task_rows`` and shown by the text
    summary, the Dataset panel and the report alike (they were stored but shown nowhere)."""
    from nv12_widgets.model.judge.finding_fields import DATASET_CONTEXT_KEY
    from nv12_widgets.report import Finding, render_html
    from nv12_widgets.widgets.dataset_panel import DatasetPanel

    result = _dataset_result()
    for rec, score in zip(result.ok, (1.0, 1.0, 0.5, 1.0, 0.0), strict=True):
        rec["tasks"] = {"end2end(out)": {"empty": False, "paths": {"nv12": {"score": score}}}}
    (row,) = result.task_rows()
    assert row["mean"] == pytest.approx(0.7) and (row["changed"], row["n"]) == (2, 5)
    assert "end2end(out) nv12       score 0.700" in result.summary()
    errors = []
    panel = DatasetPanel(lambda *a, **k: None, lambda path: None, lambda *a: errors.append(a))
    panel._draw(panel._prepare(result, "set/", "m<1>.onnx"))
    assert errors == []
    page = render_html([Finding("t", context=panel.fields)])
    table = _table(page, "dataset-tasks")
    assert table == _table(panel.summary.value, "dataset-tasks")
    assert ">end2end(out)</td>" in table and '<td class="num">0.700</td>' in table
    assert '<td class="num">2 of 5</td>' in table
    assert panel.fields[DATASET_CONTEXT_KEY]["tasks"][0]["changed"] == 2
