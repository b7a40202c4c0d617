"""The exported report's metrics table fits a ~1000 px page with readable headers
(Debian's chromium renders the file; no server needed)."""

from __future__ import annotations

import pytest

from nv12_widgets.model import demo_config, demo_image_paths, demo_model
from nv12_widgets.model.judge.finding_fields import finding_fields
from nv12_widgets.model.workflows.compare import Comparator
from nv12_widgets.report import Findings

MEASURE_JS = """() => { document.querySelectorAll('details').forEach(d => d.open = true);
  return [...document.querySelectorAll('table.metrics')].map(t => ({
  width: Math.round(t.getBoundingClientRect().width),
  scroll: t.parentElement.scrollWidth, box: t.parentElement.clientWidth,
  headers: [...t.querySelectorAll('th[data-key]')].map(
      th => th.innerText.trim())})); }"""


@pytest.mark.e2e
def test_the_report_metrics_table_fits_the_page(browser, tmp_path):
    # the bundled detector on its photo: the 2440 px table with raw task keys
    cmp = Comparator(demo_model()).compare(demo_image_paths()[0], demo_config())
    fields = finding_fields(cmp, image_name="photo.png")
    findings = Findings()
    findings.record(**fields)
    path = findings.export_html(tmp_path / "r.html")
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        tables = page.evaluate(MEASURE_JS)
    finally:
        context.close()
    assert len(tables) == 2  # the main table and "More metrics"
    for table in tables:
        assert table["width"] <= 1060 and table["scroll"] <= table["box"] + 1, tables
    main = tables[0]
    assert "task NV12" in main["headers"]
    raw = [h for t in tables for h in t["headers"] if "." in h or "_" in h]
    assert not raw, raw
