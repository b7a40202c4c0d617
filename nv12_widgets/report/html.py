"""Render findings as one self-contained, offline HTML page, from jinja2 templates.

The page (``templates/report.html.j2`` and ``templates/macros.html.j2``, CSS in
``templates/report.css``) has inline CSS only, no scripts to run, no links to fetch and
no network URL: images and charts are embedded as lossless ``data:image/png;base64``
URIs. The templates are rendered with autoescaping on, so every piece of user text
(titles, notes, names, parameter values, snippets) is HTML-escaped; the only
``<script>`` elements are inert ``application/json`` data blocks produced by
:func:`json_for_script`. Metric names, meanings, formats and colours come from
:mod:`nv12_widgets.core.vocabulary` (the dashboard and the CLI use the same words).

This module builds plain view data (dicts and lists of strings) from the findings and
knows nothing of the :class:`~nv12_widgets.report.Finding` class beyond its attributes,
so :mod:`.findings` imports it and not the other way round.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

from nv12_widgets.core import jsonsafe
from nv12_widgets.core.vocabulary import (
    COSINE_FAIR,
    COSINE_GOOD,
    LEGEND_NOTE,
    format_metric,
    format_number,
    legend_items,
    metric_level,
)
from nv12_widgets.views import dataset_view, lint_view, metric_columns, metrics_view, verdict_view

from .media import downscale_for_display, encode_png, png_data_uri, png_size
from .versions import nv12_widgets_version, package_versions

__all__ = [
    "COSINE_FAIR",
    "COSINE_GOOD",
    "DEFAULT_TITLE",
    "MAX_DISPLAY_SIDE",
    "MAX_ZOOM",
    "MIN_DISPLAY_SIDE",
    "cosine_class",
    "format_metric",
    "is_cosine_metric",
    "json_for_script",
    "metric_columns",
    "render_html",
]

DEFAULT_TITLE = "NV12 debugging report"
"""Default page title."""

MAX_DISPLAY_SIDE = 1024
"""Images whose longest side exceeds this are shrunk by an integer factor for display."""

MIN_DISPLAY_SIDE = 256
"""Small images are enlarged (nearest neighbour, integer factor) to about this size."""

MAX_ZOOM = 8
"""Largest enlargement factor for small images."""


@functools.cache
def _environment() -> jinja2.Environment:
    # the report's templates, then the macros it shares with the dashboard (views)
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("nv12_widgets.report", "templates"),
                jinja2.PackageLoader("nv12_widgets.views", "templates"),
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_for_script(value: Any) -> str:
    """Serialise ``value`` as JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` (which can only occur inside JSON strings) are written as the
    JSON escapes ``\\u003c``, ``\\u003e`` and ``\\u0026``, so the text can contain neither
    ``</script`` nor ``<!--``. The result is still plain JSON: ``json.loads`` of the
    element's text returns ``value`` without any unescaping step.

    Parameters
    ----------
    value : Any
        JSON-serialisable data; NaN and infinity are written as the strings ``"nan"`` /
        ``"inf"`` / ``"-inf"`` (:mod:`nv12_widgets.core.jsonsafe`).

    Returns
    -------
    str
        Indented JSON text.
    """
    text = jsonsafe.dumps(value, indent=2)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def is_cosine_metric(name: str) -> bool:
    """Return True for metric names that hold a cosine similarity (contain ``cosine``)."""
    return "cosine" in name.lower()


def cosine_class(value: Any) -> str | None:
    """Classify a cosine similarity for colouring (:func:`nv12_widgets.core.metric_level`).

    Parameters
    ----------
    value : Any
        The metric value.

    Returns
    -------
    str or None
        ``"good"`` (>= :data:`COSINE_GOOD`), ``"fair"`` (>= :data:`COSINE_FAIR`),
        ``"poor"`` (lower), or None for missing, non-numeric or NaN values.
    """
    return metric_level("cosine_nv12", value)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and value:
            rows.extend(_flatten(value, dotted))
        else:
            rows.append((dotted, value))
    return rows


def _kv_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Flattened ``key: value`` rows; None is shown as "—" (not set), never "null"."""
    rows = []
    for key, value in _flatten(data):
        if value is None:
            rows.append({"key": key, "text": "—", "unset": True})
        else:
            text = value if isinstance(value, str) else jsonsafe.dumps(value)
            rows.append({"key": key, "text": text, "unset": False})
    return rows


def _image_view(name: str, image: np.ndarray) -> dict[str, Any]:
    height, width = image.shape[:2]
    shown, factor = downscale_for_display(image, MAX_DISPLAY_SIDE)
    shown_height, shown_width = shown.shape[:2]
    zoom = 1
    if factor <= 1:
        zoom = max(1, min(MAX_ZOOM, MIN_DISPLAY_SIDE // max(height, width)))
    return {
        "name": name,
        "src": png_data_uri(encode_png(shown)),
        "width": shown_width * zoom,
        "height": shown_height * zoom,
        "original_width": width,
        "original_height": height,
        "kind": "grey" if image.ndim == 2 else "RGB",
        "factor": factor,
        "zoom": zoom,
        "shown_width": shown_width,
        "shown_height": shown_height,
    }


def _chart_view(name: str, png: bytes) -> dict[str, Any]:
    width, height = png_size(png)
    return {"name": name, "src": png_data_uri(png), "width": width, "height": height}


def _lowest_cosine(finding: Any) -> float | None:
    values = [
        float(value)
        for outputs in finding.metrics.values()
        for name, value in outputs.items()
        if is_cosine_metric(name) and cosine_class(value) is not None
    ]
    return min(values) if values else None


#: The context entry a finding's configuration-check findings are read from (written by
#: ``nv12_widgets.model.judge.finding_fields.finding_fields``): a list of dicts with ``code``,
#: ``severity``, ``message`` and ``fields``.
LINT_KEY = "lint"


def _lint_view(context: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """The context's lint findings, or None when absent or not in that shape (then the
    entry stays among the context rows, shown as recorded)."""
    entries = context.get(LINT_KEY)
    if not isinstance(entries, list):
        return None
    for e in entries:
        if not isinstance(e, Mapping):
            return None
        parts = [e.get(k) for k in ("code", "severity", "message")]
        if not all(isinstance(p, str) for p in parts) or not isinstance(e.get("fields", []), list):
            return None
    return lint_view(entries)  # the dashboard's view of the same findings


#: The context entry a finding's dataset evaluation is read from (written by
#: ``nv12_widgets.model.judge.finding_fields.dataset_fields``): decomposition rows, verdict counts,
#: agreement, accuracy, worst images, errors and the linter's findings.
DATASET_KEY = "dataset"


def _dataset_view(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The context's dataset evaluation, formatted; None when absent or not in that
    shape (then the entry stays among the context rows, shown as recorded)."""
    d = context.get(DATASET_KEY)
    if not isinstance(d, Mapping):
        return None
    return dataset_view(d)


#: The context entry a finding's verdict is read from (written by
#: ``nv12_widgets.model.judge.finding_fields.finding_fields``): ``{"code", "title", "text"}``.
VERDICT_KEY = "verdict"


def _verdict_view(finding: Any) -> tuple[dict[str, str] | None, bool]:
    """The finding's verdict view (the dashboard's, :func:`nv12_widgets.views.verdict_view`)
    and whether it was read from the context: the recorded ``{"code", "title", "text"}``
    when the context holds one, else the finding's free-text ``verdict`` (no title)."""
    entry = finding.context.get(VERDICT_KEY)
    if isinstance(entry, Mapping) and (view := verdict_view(entry)) is not None:
        return view, True
    return verdict_view(finding.verdict), False


#: The context entry a finding's task answers are read from (written by
#: ``nv12_widgets.model.judge.task_pictures.task_context``): per task its summary line,
#: agreements per path and recognised texts with their edits.
TASKS_KEY = "tasks"
_EDIT_OPS = ("equal", "replace", "delete", "insert")


def _tasks_view(context: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The context's task answers, formatted; None when absent or not in that shape
    (then the entry stays among the context rows, shown as recorded)."""
    entries = context.get(TASKS_KEY)
    if not isinstance(entries, list) or not entries:
        return None
    try:
        view = []
        for t in entries:
            texts = []
            for row in t.get("texts", []):
                edits = [
                    (str(op) if op in _EDIT_OPS else "replace", str(a), str(b))
                    for op, a, b in row["edits"]
                ]
                texts.append(
                    {
                        "item": int(row["item"]),
                        "reference": str(row["reference"]),
                        "nv12": str(row["nv12"]),
                        "edits": edits,
                    }
                )
            view.append(
                {
                    "name": str(t["name"]),
                    "summary": str(t["summary"]),
                    "trusted": bool(t.get("trusted")),
                    "empty": bool(t.get("reference_empty")),
                    "paths": [
                        (str(path), format_number(a.get("score"), ".3f"))
                        for path, a in dict(t.get("agreement", {})).items()
                    ],
                    "texts": texts,
                }
            )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return view


def _finding_view(index: int, total: int, finding: Any) -> dict[str, Any]:
    anchor = f"finding-{index}"
    lint = _lint_view(finding.context)
    context = (
        finding.context
        if lint is None
        else {k: v for k, v in finding.context.items() if k != LINT_KEY}
    )
    dataset = _dataset_view(finding.context)
    if dataset is not None:
        context = {k: v for k, v in context.items() if k != DATASET_KEY}
    tasks = _tasks_view(finding.context)
    if tasks is not None:
        context = {k: v for k, v in context.items() if k != TASKS_KEY}
    verdict, from_context = _verdict_view(finding)
    if from_context:
        context = {k: v for k, v in context.items() if k != VERDICT_KEY}
    return {
        "index": index,
        "total": total,
        "anchor": anchor,
        "title": finding.title,
        "created": _utc_iso(finding.created),
        "verdict": verdict,
        "note": finding.note if finding.note.strip() else "",
        "metrics": metrics_view(finding.metrics),
        "images": [_image_view(name, img) for name, img in finding.images.items()],
        "charts": [_chart_view(name, png) for name, png in finding.charts.items()],
        "config_rows": _kv_rows(finding.config),
        "config_json": jsonsafe.dumps(finding.config, indent=2),
        "config_script": Markup(json_for_script(finding.config)),  # noqa: S704 - escaped
        "snippets": list(finding.snippets.items()),
        "context_rows": _kv_rows(context),
        "lint": lint,
        "dataset": dataset,
        "tasks": tasks,
    }


def _toc_view(findings: list[Any]) -> list[dict[str, Any]]:
    entries = []
    for index, finding in enumerate(findings, 1):
        lowest = _lowest_cosine(finding)
        entries.append(
            {
                "anchor": f"finding-{index}",
                "title": finding.title,
                "created": _utc_iso(finding.created),
                "lowest": None if lowest is None else format_metric("cosine", lowest),
                "lowest_level": None if lowest is None else cosine_class(lowest),
            }
        )
    return entries


def _versions_view(findings: list[Any]) -> dict[str, Any]:
    if not findings:
        return {
            "table": None,
            "note": "At generation time.",
            "rows": _kv_rows(package_versions()),
            "empty": "No versions known.",
        }
    distinct: list[dict[str, str]] = []
    for finding in findings:
        if finding.versions not in distinct:
            distinct.append(finding.versions)
    if len(distinct) == 1:
        note = "Recorded with every finding." if len(findings) > 1 else "Recorded with the finding."
        return {
            "table": None,
            "note": note,
            "rows": _kv_rows(distinct[0]),
            "empty": "No versions recorded.",
        }
    packages = list(dict.fromkeys(name for f in findings for name in f.versions))
    table = []
    for package in packages:
        values = [f.versions.get(package, "—") for f in findings]
        table.append({"package": package, "values": values, "differs": len(set(values)) > 1})
    return {"table": table, "count": len(findings)}


def render_html(
    findings: Iterable[Any],
    title: str = DEFAULT_TITLE,
    *,
    generated: datetime | None = None,
) -> str:
    """Render findings as one self-contained HTML document.

    The document works offline: inline CSS, no executable script, no external resource,
    every image a lossless ``data:image/png;base64`` URI. Images whose longest side exceeds
    :data:`MAX_DISPLAY_SIDE` are shrunk by an integer factor (the caption says so); small
    ones are enlarged with nearest-neighbour scaling. Each finding's parameters are also
    embedded as JSON in ``<script type="application/json" id="finding-N-config">``
    (N counts from 1; see :func:`json_for_script`). Several findings get a table of
    contents of in-page links.

    Parameters
    ----------
    findings : iterable of Finding
        The findings, in display order; may be empty.
    title : str, optional
        Page title and heading (escaped).
    generated : datetime.datetime, optional
        Timezone-aware generation time shown in the page; now (UTC) by default.

    Returns
    -------
    str
        The HTML document.
    """
    items = list(findings)
    moment = generated if generated is not None else datetime.now(timezone.utc)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("generated must be timezone-aware, e.g. datetime.now(timezone.utc)")
    count = len(items)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            version=nv12_widgets_version(),
            generated=_utc_iso(moment),
            summary=f"{count} finding{'' if count == 1 else 's'}",
            toc=_toc_view(items) if count > 1 else [],
            findings=[_finding_view(i, count, f) for i, f in enumerate(items, 1)],
            versions=_versions_view(items),
            legend_items=legend_items(),
            legend_note=LEGEND_NOTE,
        )
    )
