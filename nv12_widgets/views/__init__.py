"""One presentation model for the dashboard and the report.

View models (plain dicts and lists of strings, no HTML) are built here from plain data,
and rendered to HTML by the jinja2 macros of ``templates/views.html.j2``. The dashboard's
HTML widgets (``nv12_widgets.widgets``) and the exported report (``nv12_widgets.report``)
both call these, so a metrics table, a configuration check or a verdict is written
once and looks the same in both. Depends on :mod:`nv12_widgets.core` only (its metric
vocabulary and number formats).
"""

from .models import (
    dataset_view,
    identify_view,
    lint_summary,
    lint_view,
    metric_columns,
    metrics_table,
    metrics_view,
    verdict_view,
)
from .render import environment, render

__all__ = [
    "dataset_view",
    "identify_view",
    "environment",
    "lint_summary",
    "lint_view",
    "metric_columns",
    "metrics_table",
    "metrics_view",
    "render",
    "verdict_view",
]
