"""One presentation model: the dashboard and the report build their metrics table and
configuration check from the same view models and macros."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from nv12_widgets.core import rgb_to_nv12
from nv12_widgets.core.vocabulary import metric_spec
from nv12_widgets.views import lint_view, metrics_view, render

REPO = Path(__file__).resolve().parents[2]


def test_views_depend_on_core_only():
    code = (
        "import sys, nv12_widgets.views\n"
        "bad = [m for m in ('ipywidgets', 'onnxruntime', 'matplotlib', 'nv12_widgets.model',\n"
        "       'nv12_widgets.widgets', 'nv12_widgets.report') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == ""


def _finding_metrics():
    """What a finding records for a raw frame: flattened task keys, notes as a string."""
    return {
        "prob": {
            "cosine_nv12": 0.99996, "cosine_format": float("nan"), "status_format": "unmeasurable",
            "kind": "dense", "task_nv12.iou": 0.91, "task_nv12.threshold": 0.3,
            "task_noise.iou": 1.0, "task_noise.reference_area": 1024, "shape": "1x1x32x32",
            "notes": "raw camera frame: the 4:2:0 format's own loss is not measurable",
        }
    }  # fmt: skip


def test_headers_are_readable_and_task_keys_fold_into_one_column():
    view = metrics_view(_finding_metrics())
    main = [c["header"] for c in view["primary"]["columns"]]
    more = [c["header"] for c in view["secondary"]["columns"]]
    assert main == ["cos NV12", "cos format", "task NV12"]
    assert "task noise" in more
    assert not [h for h in main + more if "." in h or "_" in h], main + more
    cells = view["primary"]["rows"][0]["cells"]
    assert [c["text"] for c in cells] == ["0.999960", "n/a (raw frame)", "IoU 0.910 (> 0.3)"]
    assert cells[1]["classes"] == "na" and "not measurable" in cells[1]["title"]


def test_dashboard_and_report_render_the_same_table():
    from nv12_widgets.report import Finding, render_html
    from nv12_widgets.widgets.similarity_panel import metrics_table_html

    metrics = _finding_metrics()
    dashboard = metrics_table_html(metrics)
    page = render_html([Finding("t", metrics=metrics)])
    table = render("metrics_table", metrics_view(metrics)["primary"])
    assert table in dashboard and table in page
    assert "NaN" not in table


def test_lint_items_are_the_same_in_both():
    from nv12_widgets.report import Finding, render_html
    from nv12_widgets.widgets.similarity_panel import lint_html

    entries = [{"code": "mean-units", "severity": "error", "message": "m <x>", "fields": ["mean"]}]
    items = render("lint_items", lint_view(entries))
    assert items in lint_html(entries)
    assert items in render_html([Finding("t", context={"lint": entries})])
    assert "m &lt;x&gt;" in items


def test_a_raw_frame_comparison_reads_n_a_in_report_and_dashboard(dense_model):
    from nv12_widgets.model import Model, PreprocessConfig
    from nv12_widgets.model.judge.finding_fields import finding_metrics
    from nv12_widgets.model.workflows.compare import Comparator
    from nv12_widgets.report import Finding, render_html

    img = (np.arange(48 * 64 * 3) % 251).astype(np.uint8).reshape(48, 64, 3)
    cmp = Comparator(Model(dense_model)).compare(rgb_to_nv12(img), PreprocessConfig())
    page = render_html([Finding("raw", metrics=finding_metrics(cmp))])
    main = re.search(r'<table class="metrics">.*?</table>', page, re.S).group(0)
    assert ">n/a (raw frame)<" in main and ">NaN<" not in main
    assert metric_spec("cosine_format").header in main
