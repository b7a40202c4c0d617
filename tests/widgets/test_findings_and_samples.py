"""Findings list (full notes), export folder, sample list, sweep chart readability."""

from __future__ import annotations

import numpy as np

from nv12_widgets.report import OUTPUT_DIR_ENV
from nv12_widgets.widgets import NV12Debugger
from nv12_widgets.widgets.panels import YOUR_IMAGE


def test_long_note_is_kept_whole_and_folded(dashboard):
    d = dashboard
    note = "studio swing decoded as full: " + "the cosine drops further " * 10 + "END<&>"
    d.record(note=note, title="long")
    d.record(note="short one", title="short")
    listing = d.findings_panel.listing.value
    assert listing.count("<li>") == 2
    assert "<details" in listing and "<summary>" in listing
    assert "END&lt;&amp;&gt;" in listing  # the whole note, escaped
    assert "short one" in listing and listing.count("<details") == 1


def test_relative_export_names_go_to_the_named_output_folder(dashboard, tmp_path, monkeypatch):
    monkeypatch.setenv(OUTPUT_DIR_ENV, str(tmp_path / "out"))
    d = dashboard
    d.record(note="x")
    d.findings_panel.filename.value = "mine.html"
    written = d.findings_panel.export_html()
    assert written == tmp_path / "out" / "mine.html" and written.is_file()
    assert d.findings_panel.export_html() is None  # exists: a free name is offered
    assert d.findings_panel.filename.value == "mine-1.html"
    assert "exports go to" in d.findings_panel.folder.value


def test_folder_named_in_the_panel_is_the_output_dir(
    tiny_model, tiny_config, photo, tmp_path, monkeypatch
):
    monkeypatch.setenv(OUTPUT_DIR_ENV, str(tmp_path / "named"))
    d = NV12Debugger(tiny_model, photo, tiny_config, samples=[])
    assert str(tmp_path / "named") in d.findings_panel.folder.value
    assert not (tmp_path / "named").exists()  # created on the first export only


def test_sample_list_follows_what_is_loaded(tiny_model, tiny_config, photo):
    from nv12_widgets.model import demo_image_paths

    d = NV12Debugger(tiny_model, photo, tiny_config, samples=demo_image_paths())
    panel = d.image_panel
    assert panel.sample.value == YOUR_IMAGE  # the array given, not a bundled photo
    panel.sample.value = "coffee.png"
    assert d.image_name == "coffee.png"
    coffee = d.image
    d.set_image(np.zeros((32, 32, 3), np.uint8), "black")
    assert panel.sample.value == YOUR_IMAGE and d.image_name == "black"
    panel.sample.value = "coffee.png"  # reselecting the sample reloads it
    assert d.image_name == "coffee.png"
    assert np.array_equal(d.image, coffee)
    panel.sample.value = YOUR_IMAGE  # and back to yours
    assert d.image_name == "black"
    assert d.errors.value == ""


def test_sweep_chart_legend_outside_the_data(dashboard):
    d = dashboard
    d.sweep.run()
    fig = d.sweep.result.plot()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    assert legend.y1 <= ax.get_window_extent().y0 + 1, "the legend covers the curve"
    bars = fig.axes[1]
    labels = [t for t in bars.texts if t.get_text()]
    assert labels, "no bar labels"
    inside = bars.get_window_extent()
    for t in labels:
        box = t.get_window_extent()
        assert box.x1 <= inside.x1 + 1, f"label {t.get_text()} runs out of the chart"
