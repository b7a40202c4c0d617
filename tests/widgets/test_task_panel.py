"""The Task panel: "reads as" dropdowns drive the comparison; answers drawn; recorded."""

from __future__ import annotations

import pytest

from nv12_widgets.model import demo_config, demo_image_paths, demo_model
from nv12_widgets.widgets import NV12Debugger
from nv12_widgets.widgets.task_panel import AUTO, TaskPanel, _edits_html


def test_edits_are_escaped_and_marked():
    html = _edits_html([("equal", "<a", "<a"), ("replace", "k", "4"), ("delete", "&", ""),
                        ("insert", "", ">")])  # fmt: skip
    assert html == "&lt;a<del>k</del><ins>4</ins><del>&amp;</del><ins>&gt;</ins>"


def test_dropdowns_list_the_registry_and_start_from_the_choices():
    p = TaskPanel(["a", "b"], output_kinds={"b": "yolov8"})
    assert p.dropdowns["a"].value == AUTO and p.dropdowns["b"].value == "yolov8"
    assert {"classifier", "ctc", "db", "yolov8", "picodet"} <= set(p.dropdowns["a"].options)
    assert p.selection == {"b": "yolov8"}
    calls = []
    p._on_change = lambda: calls.append(1)
    p.dropdowns["a"].value = "classifier"
    assert calls == [1] and p.selection == {"a": "classifier", "b": "yolov8"}


@pytest.mark.slow
def test_the_dashboard_reads_the_detector_as_chosen_and_draws_its_boxes():
    coffee = next(p for p in demo_image_paths() if p.stem == "coffee")
    out = "sigmoid_0.tmp_0"
    d = NV12Debugger(demo_model(), coffee, demo_config(), samples=[], output_kinds={out: "db"})
    assert d.errors.message == ""
    assert [t.name for t in d.comparison.tasks.values()] == [f"db({out})"]
    assert f"db({out})</b>: NV12 path:" in d.tasks.lines.value and "(chosen)" in d.tasks.lines.value
    titles = [v.title.value for v in d.tasks.gallery.children]
    assert len(titles) == 3 and "changed boxes highlighted" in titles[1]
    assert all(bytes(v.image.value)[:4] == b"\x89PNG" for v in d.tasks.gallery.children)
    assert d.snapshot()["context"]["output kinds (chosen)"] == {out: "db"}
    # read as "other": no task, the dashboard recomputes on the dropdown change
    d.tasks.dropdowns[out].value = "other"
    assert d.comparison.tasks == {} and "No output reads as a task" in d.tasks.lines.value
    assert d.tasks.gallery.children == ()


def test_the_task_selection_reaches_the_sweep_and_dataset_runs(tmp_path):
    from nv12_widgets.model.workflows.dataset import evaluate, list_images, make_orientation_dataset

    pages = make_orientation_dataset(tmp_path / "pages", styles=("plain",))
    files = list_images(pages)[:2]
    model, config = demo_model("orientation"), demo_config("orientation")
    out = "fetch_name_0"
    d = NV12Debugger(model, files[0], config, samples=[], output_kinds={out: "classifier"})
    assert d.errors.message == "" and d.compare_options()["output_kinds"] == {out: "classifier"}
    result, _ = d.run_dataset(str(pages), None, False, False, None, lint=None)
    direct = evaluate(model, pages, d.current_config(), progress=False, lint=None,
                      output_kinds={out: "classifier"})  # fmt: skip
    assert result.run_key == direct.run_key
    assert all(f"classifier({out})" in r["tasks"] for r in result.records)
    d.tasks.dropdowns[out].value = "db"  # a mask kind cannot read a (1, C) classifier
    sweep = d.run_sweep(False, None)
    assert sweep.errors and all("cannot be read as 'db'" in e for e in sweep.errors), sweep.errors
