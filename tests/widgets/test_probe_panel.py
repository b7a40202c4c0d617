"""The probe panel: writes the frames, reads uploaded or foldered board outputs."""

from __future__ import annotations

import datetime
import io

import numpy as np

from nv12_widgets.core.probe import probe_frames
from nv12_widgets.devices.ascend import ascend_aipp_nv12_to_rgb
from nv12_widgets.widgets.probe_panel import ProbePanel


def _upload(name: str, data: bytes) -> dict:
    return {
        "name": name,
        "type": "",
        "size": len(data),
        "content": memoryview(data),
        "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    }


def test_write_then_read_uploaded_board_outputs(tmp_path):
    panel = ProbePanel(tmp_path / "probe")
    panel.height.value, panel.width.value = 64, 96
    panel.write_button.click()
    assert len(list((tmp_path / "probe").glob("probe_*_96x64.nv12"))) == 4
    assert "probe_ties_96x64.nv12" in panel.written.value
    files = []
    for p in probe_frames(96, 64):
        buf = io.BytesIO()
        np.save(buf, ascend_aipp_nv12_to_rgb(p.frame, "bt709-wide"))
        files.append(_upload(f"{p.name}.npy", buf.getvalue()))
    panel.upload.value = tuple(files)
    panel.read_button.click()
    assert panel.last is not None and panel.last.exact, panel.error.value
    assert "fixed point Q8: [[256, 0, 403]" in panel.summary.value
    assert "numpy" in panel.snippet.options
    panel.snippet.value = "numpy"
    assert "device_convert" in panel.snippet_text.value


def test_errors_are_shown_escaped(tmp_path):
    panel = ProbePanel(tmp_path)
    assert panel.read() is None and "give the folder" in panel.error.value
    panel.path.value = str(tmp_path / "<missing>")
    assert panel.read() is None and "&lt;missing&gt;" in panel.error.value
    panel.height.value = 31
    assert panel.write() is None and "even integer" in panel.error.value
