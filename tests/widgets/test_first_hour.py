"""The small things that cost a new user minutes (issue 21): a dict config, a wrong image
path, the first export, stale inputs, raw-frame fields, the kernel-stopped hint, charts,
and the raw frame's unmeasurable format column."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nv12_widgets.core import InputError, rgb_to_nv12
from nv12_widgets.widgets import NV12Debugger

REPO = Path(__file__).resolve().parents[2]


def _png(path: Path, rgb: np.ndarray) -> Path:
    Image.fromarray(rgb).save(path)
    return path


def test_a_dict_config_is_read_like_the_cli_json(tiny_model, photo, tmp_path):
    fields = {"train_format": "bgr", "divisor": 255.0, "mean": [0.5], "std": [0.5]}
    d = NV12Debugger(tiny_model, photo, fields, samples=[])
    assert d.errors.message == ""
    assert d.comparison.config.train_format == "bgr" and d.comparison.config.mean == (0.5,)
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(fields))  # what `nv12-widgets report --config` reads
    assert NV12Debugger(tiny_model, photo, path, samples=[]).comparison.config == (
        d.comparison.config
    )
    with pytest.raises(InputError, match="train_fromat"):
        NV12Debugger(tiny_model, photo, {"train_fromat": "bgr"}, samples=[])
    with pytest.raises(InputError, match="no JSON file"):
        NV12Debugger(tiny_model, photo, str(tmp_path / "missing.json"), samples=[])


def test_a_wrong_image_path_shows_no_broken_state(tiny_model, tiny_config, photo, tmp_path):
    sample = _png(tmp_path / "sample.png", photo)
    d = NV12Debugger(tiny_model, tmp_path / "typo.png", tiny_config, samples=[sample])
    assert d.comparison is None
    assert "typo.png" in d.errors.value and "Loading the image" in d.errors.value
    # no broken-image icons, an explicit empty state, no sample named as if it were shown
    for view in d.planes.views.values():
        assert view.image.layout.display == "none"
    assert d.image_panel.view.image.layout.display == "none"
    assert "No comparison yet" in d.similarity.table.value
    assert d.image_panel.sample.value is None
    d.image_panel.sample.value = "sample.png"  # choosing the sample now loads it
    assert d.image_name == "sample.png" and d.comparison is not None
    assert d.planes.y.image.layout.display is None and d.errors.value == ""


def test_the_first_export_does_not_refuse(dashboard, tmp_path, monkeypatch):
    from nv12_widgets.widgets.findings_panel import FindingsPanel

    monkeypatch.setenv("NV12_OUTPUT_DIR", str(tmp_path))
    (tmp_path / "nv12_report.html").write_text("last session's")
    panel = FindingsPanel(dashboard.snapshot, dashboard.report_error)
    assert panel.filename.value == "nv12_report-1.html"  # proposed from the start
    panel.record_finding()
    written = panel.export_html()
    assert written == tmp_path / "nv12_report-1.html" and written.is_file()
    assert (tmp_path / "nv12_report.html").read_text() == "last session's"
    assert panel.export_html() is None  # never overwritten silently: a new name offered
    assert panel.filename.value == "nv12_report-2.html"


def test_path_and_upload_do_not_keep_stale_values(tiny_model, tiny_config, photo, tmp_path):
    sample = _png(tmp_path / "sample.png", photo)
    other = _png(tmp_path / "other.png", photo[::-1].copy())
    d = NV12Debugger(tiny_model, photo, tiny_config, samples=[sample])
    p = d.image_panel
    p.path.value = str(other)
    p.load.click()
    assert d.image_name == "other.png" and p.path.value == str(other)
    p.sample.value = "sample.png"
    assert d.image_name == "sample.png" and p.path.value == ""  # no stale path
    data = other.read_bytes()
    p.upload.value = ({"name": "up.png", "type": "image/png", "size": len(data),
                       "content": memoryview(data),
                       "last_modified": datetime.now(timezone.utc)},)  # fmt: skip
    assert d.image_name == "up.png"
    assert p.upload.value == ()  # the "Upload (1)" counter is reset once the file is read


def _padded(frame, stride: int) -> bytes:
    """An NV12 frame with rows padded to ``stride`` bytes (an encoder's aligned buffer)."""
    y = np.zeros((frame.height, stride), np.uint8)
    y[:, : frame.width] = frame.y
    uv = np.zeros((frame.height // 2, stride), np.uint8)
    uv[:, : frame.width] = frame.uv.reshape(frame.height // 2, frame.width)
    return y.tobytes() + uv.tobytes()


def test_typed_stride_survives_load_and_applies_to_the_typed_file(dashboard, photo, tmp_path):
    d, p = dashboard, dashboard.image_panel
    frame = rgb_to_nv12(photo)  # 48 x 64
    first = tmp_path / "first_64x48.nv12"
    first.write_bytes(frame.tobytes())
    padded = tmp_path / "cam_64x48.nv12"
    padded.write_bytes(_padded(frame, 80))
    p.path.value = str(first)
    p.load.click()
    assert d.image_name == "first_64x48.nv12" and d.errors.value == ""
    # a new path typed, then its stride (+ Enter): the typed file is loaded, not the last
    p.path.value = str(padded)
    assert p.raw_box.layout.display is None  # its fields are shown before Load
    p.raw_stride.value = 80
    assert d.errors.value == "", d.errors.message
    assert d.image_name == "cam_64x48.nv12" and d.frame == frame
    # Load keeps the stride typed for this file
    p.load.click()
    assert p.raw_stride.value == 80 and d.errors.value == "" and d.frame == frame


def test_typed_stride_then_load_without_enter(dashboard, photo, tmp_path):
    """The issue's sequence with the fields filled before the first load of the file."""
    d, p = dashboard, dashboard.image_panel
    frame = rgb_to_nv12(photo)
    padded = tmp_path / "cam_64x48.nv12"
    padded.write_bytes(_padded(frame, 80))
    p._set_raw_fields(stride=80)  # as if typed while the file could not be loaded yet
    p._raw_typed.add("stride")
    p.path.value = str(padded)
    p.load.click()
    assert d.errors.value == "", d.errors.message
    assert p.raw_stride.value == 80 and d.frame == frame


def test_notebook_01_says_where_exports_go():
    text = (REPO / "notebooks" / "01_quickstart.ipynb").read_text(encoding="utf-8")
    assert "temp folder" not in text
    assert "exports" in text and "NV12_OUTPUT_DIR" in text


def test_a_stopped_kernel_leaves_a_hint_next_to_the_widget(dashboard, monkeypatch):
    import IPython.display

    from nv12_widgets.widgets.debugger import KERNEL_HINT

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append((obj, kw)))
    dashboard._ipython_display_()
    (bundle, kw), (hint, _) = shown
    assert kw == {"raw": True} and "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dashboard.model_id
    assert hint.data == KERNEL_HINT
    assert "model not found" in KERNEL_HINT and "Run All Cells" in KERNEL_HINT
    # hidden next to a live dashboard (its own CSS), shown where the widget cannot render
    assert ":has(.nv12-dashboard) .nv12-kernel-hint {display: none;}" in KERNEL_HINT


def test_the_sweep_chart_is_vector(dashboard):
    d = dashboard
    d.sweep.run()
    assert d.errors.value == "", d.errors.message
    assert d.sweep.chart.image.format == "svg+xml"
    assert b"<svg" in bytes(d.sweep.chart.image.value)
    assert d.sweep.chart_png.startswith(b"\x89PNG")  # what a finding records


def test_a_raw_frame_format_column_says_why_it_is_empty(dashboard, photo):
    d = dashboard
    assert d.set_image(rgb_to_nv12(photo), "frame")
    table = d.similarity.table.value
    assert "NaN" not in table
    assert "n/a (raw frame)" in table and "no full-resolution RGB" in table  # the tooltip


def test_an_image_view_shows_a_picture_however_it_is_set():
    from nv12_widgets.core import png_bytes
    from nv12_widgets.widgets._common import ImageView

    view = ImageView("chart")
    assert view.image.layout.display == "none"  # nothing yet: no broken-image icon
    view.image.value = png_bytes(np.zeros((4, 4), np.uint8))  # as the Dataset panel does
    assert view.image.layout.display is None
    view.image.value = b""
    assert view.image.layout.display == "none"
