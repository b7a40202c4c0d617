"""The "Drift by cause" panel, headless: the button's job computes drift_by_cause of the
dashboard's current comparison (the same numbers as the model call), shows the plot, the
summary and the top amplifiers, follows the dashboard's changes, and records a finding
with drift_fields."""

from __future__ import annotations

import threading

from nv12_widgets.model.workflows.drift import drift_by_cause
from nv12_widgets.widgets import PANELS, NV12Debugger
from nv12_widgets.widgets.drift_panel import DriftPanel


def test_drift_panel_is_registered_below():
    assert DriftPanel in PANELS and DriftPanel.area == "below"


def test_drift_by_cause_for_the_current_comparison(tiny_model, tiny_config, photo):
    d = NV12Debugger(tiny_model, photo, tiny_config, samples=[])
    panel = d.drift
    assert panel.record_button.disabled and panel.chart.layout.display == "none"
    panel.run()  # in this thread (the button runs it in a background thread)
    assert d.errors.message == ""
    expected = drift_by_cause(d.model, d.comparison)
    assert list(panel.result.causes) == list(expected.causes)
    for cause, c in expected.causes.items():
        assert [r.drift for r in panel.result[cause].rows] == [r.drift for r in c.rows]
    assert panel.progress.value == panel.progress.max == len(expected.causes)
    assert panel.chart.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert panel.chart.layout.display is None
    assert expected.summary().splitlines()[0].split(";")[0] in panel.summary.value
    top = expected["format"].ranked(1)[0]
    assert top.node in panel.amplifiers.value and "<table>" in panel.amplifiers.value
    assert panel.info.value.startswith("done")

    # the dashboard changes: the panel says the result is for the previous state
    d.noise.amplitude.value = 2.0
    assert "previous state" in panel.info.value
    d.record("with drift")
    assert "drift by cause" in d.findings[-1].context
    assert d.findings[-1].charts["Drift by cause"] == panel.chart_png

    # record the drift as its own finding
    n = len(d.findings)
    d.findings_panel.note.value = "conversion looks fine"
    panel.record_button.click()
    f = d.findings[-1]
    assert len(d.findings) == n + 1 and f.title.startswith("Drift by cause")
    assert f.verdict == panel.result.summary() and f.note == "conversion looks fine"
    assert "format: top amplifiers" in f.context
    assert "Drift by cause" in d.findings_panel.listing.value


def test_background_run_and_cancel(tiny_model, tiny_config, photo):
    d = NV12Debugger(tiny_model, photo, tiny_config, samples=[])
    panel = d.drift
    panel.start.click()  # the button: a background thread
    panel.wait(60)
    assert panel.result is not None and not panel.result.cancelled
    assert not panel.start.disabled and panel.cancel.disabled
    # cancel set before the run: nothing measured, the error is shown, no crash
    gate = threading.Event()
    gate.set()
    panel.result = None
    panel._work(lambda done, total: None, gate)
    assert panel.result is None and "cancelled" in d.errors.message
