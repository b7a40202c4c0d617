"""Headless dashboard tests: set a control's value, assert on what the dashboard shows."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nv12_widgets.core import nv12_to_rgb, rgb_to_nv12
from nv12_widgets.widgets import NV12Debugger


def _cosines(d) -> list[str]:
    return re.findall(r"\d\.\d{6}", d.similarity.table.value)


def test_opens_with_metrics_planes_and_verdict(dashboard):
    d = dashboard
    assert "prob" in d.similarity.table.value
    assert _cosines(d), d.similarity.table.value
    assert d.similarity.verdict.value
    assert bytes(d.planes.y.image.value).startswith(b"\x89PNG")
    assert d.planes.uv.array.shape == (16, 32)  # H/2 rows of U V U V bytes, W wide
    assert d.planes.y.array.shape == (32, 32)
    assert d.errors.value == ""
    assert "insert_image_preprocess" in d.preprocess.snippets.value


def test_shown_planes_are_the_nv12_frame_of_the_fitted_image(dashboard):
    d = dashboard
    frame = rgb_to_nv12(d.comparison.fitted_image)  # default config: float, full, mean
    assert np.array_equal(d.planes.y.array, frame.y)
    assert np.array_equal(d.planes.uv.array, frame.uv.reshape(16, 32))
    assert np.array_equal(d.planes.rgb.array, nv12_to_rgb(frame))


def test_noise_change_updates_cosine_text_with_one_inference(dashboard):
    d = dashboard
    before = d.similarity.table.value
    y_shown = d.planes.y.array
    runs = d.comparator.inferences
    d.noise.amplitude.value = 2.0
    assert d.similarity.table.value != before
    assert d.comparator.inferences == runs + 1
    assert d.planes.y.array is y_shown  # planes do not depend on noise: not redrawn
    assert d.comparison.config.noise_amplitude == 2.0


def test_noise_zero_gives_cosine_exactly_one(dashboard):
    d = dashboard
    d.noise.amplitude.value = 0.0
    assert d.comparison.to_dict()["prob"]["cosine_noise"] == 1.0
    assert "1.000000" in d.similarity.table.value


def test_swing_change_redraws_planes(dashboard):
    d = dashboard
    y_before = d.planes.y.array.copy()
    d.preprocess.swing.value = "studio"
    assert not np.array_equal(d.planes.y.array, y_before)
    assert d.planes.y.array.min() >= 16 and d.planes.y.array.max() <= 235
    assert d.comparison.config.swing == "studio"


def test_profile_change_disables_generic_controls_and_changes_frame(dashboard):
    d = dashboard
    uv_before = d.planes.uv.array.copy()
    d.preprocess.profile.value = "horizon"
    assert d.preprocess.swing.disabled and d.preprocess.chroma.disabled
    assert not np.array_equal(d.planes.uv.array, uv_before)
    d.preprocess.profile.value = "none"  # the field spec's None word
    assert not d.preprocess.swing.disabled


def test_bad_mean_shows_error_and_keeps_last_good_state(dashboard):
    d = dashboard
    table = d.similarity.table.value
    good = d.comparison
    d.preprocess.mean.value = "0.5, 0.5"  # 2 values for 3 channels
    assert "mean" in d.errors.value.lower() and "3" in d.errors.value
    assert "last good state" in d.errors.value
    assert d.similarity.table.value == table
    assert d.comparison is good
    d.preprocess.mean.value = "abc"
    assert "numbers" in d.errors.message
    d.preprocess.mean.value = "0.5"
    assert d.errors.value == ""
    d.preprocess.std.value = "0"
    assert "std" in d.errors.message.lower()
    assert d.comparison.config.std == (0.5,)


def test_bad_image_file_shows_error_and_keeps_image(dashboard, tmp_path):
    d = dashboard
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    before = d.image
    d.image_panel.load_path(str(bad))
    assert "broken.png" in d.errors.value
    assert d.image is before
    d.image_panel.load_path(str(tmp_path / "missing.jpg"))
    assert "no image file" in d.errors.message


def test_loading_an_image_reports_conversions(dashboard, tmp_path):
    d = dashboard
    rgba = np.zeros((40, 50, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 128
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba, "RGBA").save(path)
    d.image_panel.load_path(str(path))
    assert d.errors.value == ""
    assert d.image.shape == (40, 50, 3)
    assert "alpha" in d.image_panel.info.value
    assert "alpha" in d.image_notes[0]


def test_pixel_readout_shows_codes_and_normalised_values(dashboard):
    d = dashboard
    d.planes.row.value = 5
    d.planes.col.value = 7
    f = d.comparison.nv12_frame
    text = d.planes.readout.value
    assert f"{f.y[5, 7]}, {f.uv[2, 3, 0]}, {f.uv[2, 3, 1]}" in text
    ref = d.comparison.reference_input[5, 7]
    assert f"{(ref[0] / 255 - 0.5) / 0.5:+.5f}" in text


def test_image_like_output_heatmaps_are_shown(dashboard):
    d = dashboard
    assert d.similarity.maps.layout.display != "none"
    assert d.similarity.ref_map.array.shape == (32, 32, 3)


def test_record_and_export_never_overwrite(dashboard, tmp_path):
    d = dashboard
    d.record(note="<script>alert(1)</script>")
    assert len(d.findings) == 1
    assert "&lt;script&gt;" in d.findings_panel.listing.value
    f = d.findings[0]
    assert {"Y plane", "UV plane (interleaved)"} <= set(f.images)
    assert f.metrics["prob"]["cosine_nv12"] == d.comparison.to_dict()["prob"]["cosine_nv12"]
    target = tmp_path / "report.html"
    d.findings_panel.filename.value = str(target)
    assert d.findings_panel.export_html() == target
    text = target.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text
    # second export: the file is kept, a new name is offered
    assert d.findings_panel.export_html() is None
    assert target.read_text() == text
    assert d.findings_panel.filename.value == str(tmp_path / "report-1.html")
    assert "already exists" in d.findings_panel.status.value
    assert d.findings_panel.export_html() == tmp_path / "report-1.html"


def test_record_with_nothing_loaded_reports_error(tiny_model, tiny_config, tmp_path):
    bad = tmp_path / "x.png"
    bad.write_bytes(b"junk")
    d = NV12Debugger(tiny_model, bad, tiny_config, samples=[])
    assert d.comparison is None and "x.png" in d.errors.value
    d.record(note="n")
    assert "nothing to record" in d.errors.message
    assert len(d.findings) == 0


def test_sample_dropdown_loads_bundled_photo(tiny_model, tiny_config):
    from nv12_widgets.model import demo_image_paths

    d = NV12Debugger(tiny_model, None, tiny_config)
    assert d.image_name == "coffee.png"
    d.image_panel.sample.value = "astronaut.png"
    assert d.image_name == "astronaut.png" and d.image.shape == (512, 512, 3)
    assert Path(d.image_panel.samples["astronaut.png"]) in demo_image_paths()


@pytest.mark.parametrize("fmt", ["bgr", "gray", "yuv444"])
def test_train_format_change_is_reflected(dashboard, fmt):
    d = dashboard
    cos_before = d.comparison.to_dict()["prob"]["cosine_nv12"]
    d.preprocess.train_format.value = fmt
    if fmt == "gray":
        assert "channel" in d.errors.message.lower()  # the 3-channel model cannot take grey
    else:
        assert d.errors.value == ""
        assert d.comparison.config.train_format == fmt
        assert d.comparison.to_dict()["prob"]["cosine_nv12"] != cos_before


def test_sweep_shows_progress_chart_and_is_recorded(dashboard):
    d = dashboard
    d.sweep.run(background=False)
    assert d.errors.value == "", d.errors.message
    assert d.sweep.progress.value == d.sweep.progress.max > 1
    assert d.sweep.chart_png.startswith(b"\x89PNG")
    assert d.sweep.chart.layout.display != "none"
    assert "done" in d.sweep.info.value
    assert not d.sweep.start.disabled and d.sweep.cancel.disabled
    d.record(note="after sweep")
    assert "Sweep" in d.findings[0].charts


def test_sweep_cancel_gives_partial_result(dashboard):
    d = dashboard

    def run_and_cancel(progress, cancel):
        cancel.set()
        return d.run_sweep(progress, cancel)

    d.sweep._run_sweep = run_and_cancel
    d.sweep.run(background=False)
    assert d.sweep.result.cancelled
    assert "cancelled" in d.sweep.info.value


def test_sweep_in_background_thread_finishes(dashboard):
    d = dashboard
    d.sweep.run(background=True)
    d.sweep.wait(timeout=120)
    assert d.sweep.result is not None and d.errors.value == ""


def test_none_settings_have_visible_options(dashboard):
    d = dashboard
    p = d.preprocess
    # ipywidgets 8 shows a None value as "nothing selected": None settings need labels
    for w in (p.profile, p.decode_swing, p.layout_):
        assert w.value is not None and w.label
    assert d.comparison.config.profile is None
    assert d.comparison.config.decode_swing is None
    assert d.comparison.config.layout is None
    p.decode_swing.value = "studio"
    assert d.comparison.device_config.decode_swing == "studio"
    p.decode_swing.value = "same"
    assert d.comparison.config.decode_swing is None


def test_planes_are_shown_at_whole_number_zoom(dashboard):
    d = dashboard
    for view in (d.planes.y, d.planes.uv, d.planes.u):
        width = int(view.image.layout.width.removesuffix("px"))
        assert width % view.array.shape[1] == 0


def test_rebuilt_rgb_shows_a_decode_swing_mismatch_even_with_a_profile(dashboard):
    d = dashboard
    d.preprocess.profile.value = "horizon"
    matched = d.planes.rgb.array.copy()
    d.preprocess.decode_swing.value = "studio"  # full-swing frames decoded as studio
    assert d.errors.value == "", d.errors.message
    frame = d.comparison.nv12_frame
    assert np.array_equal(d.planes.rgb.array, nv12_to_rgb(frame, swing="studio"))
    assert not np.array_equal(d.planes.rgb.array, matched)


def test_readout_errors_land_in_the_error_area(dashboard, monkeypatch):
    d = dashboard

    def broken(*args, **kwargs):
        raise ValueError("readout exploded")

    monkeypatch.setattr("nv12_widgets.widgets.planes_panel.marked_zoom", broken)
    d.planes.row.value = 3
    assert "readout exploded" in d.errors.value
    assert "pixel readout" in d.errors.value


def test_file_upload_loads_the_image(dashboard):
    import io

    d = dashboard
    buf = io.BytesIO()
    Image.fromarray(np.full((30, 40, 3), (10, 200, 30), np.uint8)).save(buf, format="PNG")
    data = buf.getvalue()
    d.image_panel.upload.value = (
        {
            "name": "uploaded.png",
            "type": "image/png",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.now(timezone.utc),
        },
    )
    assert d.errors.value == "", d.errors.message
    assert d.image_name == "uploaded.png" and d.image.shape == (30, 40, 3)
    assert "uploaded.png" in d.image_panel.info.value


def test_every_rejected_field_is_marked_beside_itself_and_listed(dashboard):
    d = dashboard
    p = d.preprocess
    good, table = d.comparison, d.similarity.table.value
    p.mean.value = "0.5, 0.5"  # 2 values for 3 channels
    p.std.value = "0"
    # both errors listed on top, each beside its own field, each field marked
    assert "Mean" in d.errors.value and "Std" in d.errors.value, d.errors.value
    assert set(p.errors) == {"mean", "std"}
    assert "nv12-invalid" in p.mean._dom_classes and "nv12-invalid" in p.std._dom_classes
    assert "3" in p.messages["mean"].value and p.messages["mean"].layout.display is None
    assert "divides" in p.messages["std"].value
    assert p.messages["divisor"].layout.display == "none"
    assert "nv12-invalid" not in p.divisor._dom_classes
    # the message line sits right under its field in the panel
    column = next(b for b in _boxes(p) if p.mean in b.children)
    kids = list(column.children)
    assert kids[kids.index(p.mean) + 1] is p.messages["mean"]
    # all or nothing: the last good state stays, and says so
    assert d.comparison is good and d.similarity.table.value == table
    assert "last good settings" in d.status.value
    p.mean.value = "abc"  # a parse error and a value error at once
    assert set(p.errors) == {"mean", "std"} and "numbers" in p.messages["mean"].value
    p.mean.value = "0.5"
    assert set(p.errors) == {"std"} and "nv12-invalid" not in p.mean._dom_classes
    p.std.value = "0.5"
    assert p.errors == {} and d.errors.value == "" and "updated in" in d.status.value
    assert not any("nv12-invalid" in w._dom_classes for w in p.controls.values())


def test_a_combination_marks_the_fields_it_names():
    from nv12_widgets.model import PreprocessConfig
    from nv12_widgets.widgets._common import FieldErrors
    from nv12_widgets.widgets.panels import PreprocessPanel

    p = PreprocessPanel(PreprocessConfig(), lambda: None)
    p.train_format.value = "gray"
    p.mean.value = "0.5, 0.5, 0.5"  # fine alone for rgb, wrong with gray
    with pytest.raises(FieldErrors) as caught:
        p.config()
    assert {"mean", "train_format"} == set(p.errors), p.errors
    assert "Mean" in str(caught.value) and "gray" in str(caught.value)
    p.mean.value = "0.5"
    assert p.config().train_format == "gray" and p.errors == {}


def _boxes(widget):
    stack, out = [widget], []
    while stack:
        w = stack.pop()
        kids = getattr(w, "children", ()) or ()
        if kids:
            out.append(w)
        stack.extend(kids)
    return out


def test_errors_of_a_panel_below_show_at_that_panel_too(dashboard):
    d = dashboard
    local = d.panel_errors["findings_panel"]
    assert local.layout.display == "none" and set(d.panel_errors) == {
        "planes", "sweep", "dataset", "findings_panel", "drift", "tasks"
    }  # fmt: skip
    # the line sits right above its panel, far below the main error area
    kids = list(d.children)
    assert kids[kids.index(d.findings_panel) - 1] is local
    d.findings_panel.filename.value = ""
    d.findings_panel.export_html()
    assert "file name" in local.value and "file name" in d.errors.value
    assert local.layout.display is None
    assert d.panel_errors["sweep"].value == ""  # only the panel that failed
    d.noise.amplitude.value = 0.3  # a good update clears every error
    assert local.value == "" and local.layout.display == "none" and d.errors.value == ""
