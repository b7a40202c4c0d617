"""The identify panel: collects a dump, calls identify_pipeline, renders its result."""

from __future__ import annotations

import datetime

import numpy as np

import nv12_widgets.core as core
from nv12_widgets.widgets.identify_panel import IdentifyPanel


def _image() -> np.ndarray:
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
    return np.ascontiguousarray(np.kron(base, np.ones((4, 4, 1), np.uint8)))  # 32x40


def test_panel_identifies_an_uploaded_frame_and_a_path_tensor(tmp_path):
    rgb = _image()
    panel = IdentifyPanel(lambda: rgb, top=2)
    frame = core.rgb_to_nv12(rgb, swing="studio", chroma="decimate")
    data = frame.tobytes()
    panel.upload.value = (
        {
            "name": "f.nv12",
            "type": "",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        },
    )
    panel.width.value, panel.height.value = 40, 32
    panel.button.click()
    assert panel.last is not None and panel.last.identified, panel.error.value
    assert "identified" in panel.result.value and "<table>" in panel.result.value

    tensor = core.to_layout(core.normalize(rgb[..., ::-1], divisor=255, mean=0.5, std=0.5))
    np.save(tmp_path / "t.npy", tensor)
    panel.upload.value = ()
    panel.width.value = panel.height.value = 0
    panel.path.value = str(tmp_path / "t.npy")
    result = panel.run()
    assert result is not None and result.config.train_format == "bgr"
    assert "127.5" in panel.result.value


def test_panel_shows_errors_instead_of_raising(tmp_path):
    panel = IdentifyPanel(None)
    assert panel.run() is None and "no source image" in panel.error.value
    panel.set_image(_image())
    panel.path.value = str(tmp_path / "missing.npy")
    assert panel.run() is None and "nv12-error-box" in panel.error.value
