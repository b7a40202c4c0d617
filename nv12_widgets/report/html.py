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
import math
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
    DASHBOARD_KEYS,
    LEGEND_NOTE,
    format_metric,
    is_known,
    legend_items,
    metric_level,
    metric_spec,
)

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

_RANKS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("cosine",), 0),
    (("sqnr", "psnr", "snr", "_db"), 1),
    (("max_abs", "max_err"), 2),
    (("mean_abs", "mae"), 3),
    (("rmse", "mse"), 4),
)

#: Metric keys shown in the main table of a finding; the other known keys (shapes, the
#: noise path's errors, notes...) go to a "More metrics" table. Unknown keys (metrics a
#: user recorded by hand) are always in the main table.
_PRIMARY_KEYS = frozenset(DASHBOARD_KEYS)


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("nv12_widgets.report", "templates"),
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


def _column_rank(name: str) -> int:
    lowered = name.lower()
    for needles, rank in _RANKS:
        if any(needle in lowered for needle in needles):
            return rank
    return len(_RANKS)


def metric_columns(metrics: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Order the metric names of all outputs for display.

    Cosine similarities first, then SQNR/PSNR (dB), maximum and mean absolute errors,
    (R)MSE and everything else; within a group the first-seen order is kept.

    Parameters
    ----------
    metrics : dict of str to dict
        Output name -> metric name -> value.

    Returns
    -------
    list of str
        Every metric name once.
    """
    seen: dict[str, None] = {}
    for values in metrics.values():
        seen.update(dict.fromkeys(values))
    return sorted(seen, key=_column_rank)


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


def _metrics_table(metrics: Mapping[str, Mapping[str, Any]], columns: list[str]) -> dict | None:
    if not columns:
        return None
    head = []
    for key in columns:
        spec = metric_spec(key)
        head.append({"key": key, "header": spec.header, "meaning": spec.meaning})
    rows = []
    for output, values in metrics.items():
        cells = []
        for key in columns:
            value = values.get(key)
            if value is None:
                cells.append({"classes": "na", "text": "—"})
                continue
            classes = ["num"] if isinstance(value, int | float) else ["value"]
            if level := metric_level(key, value):
                classes.append(level)
            cells.append({"classes": " ".join(classes), "text": format_metric(key, value)})
        rows.append({"output": output, "cells": cells})
    return {"columns": head, "rows": rows}


def _metrics_view(metrics: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The main and the "More metrics" tables, the glossary and whether to show the legend."""
    columns = [
        key
        for key in metric_columns(metrics)
        if any(values.get(key) is not None for values in metrics.values())
    ]
    primary = [k for k in columns if k in _PRIMARY_KEYS or not is_known(k)]
    secondary = [k for k in columns if k not in primary]
    glossary = [
        (metric_spec(k).header, metric_spec(k).meaning)
        for k in primary + secondary
        if metric_spec(k).meaning
    ]
    return {
        "primary": _metrics_table(metrics, primary) if metrics else None,
        "secondary": _metrics_table(metrics, secondary),
        "coloured": any(
            metric_level(k, v) is not None for values in metrics.values() for k, v in values.items()
        ),
        "glossary": glossary,
    }


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
#: ``nv12_widgets.model.findings.finding_fields``): a list of dicts with ``code``,
#: ``severity``, ``message`` and ``fields``.
LINT_KEY = "lint"


def _lint_view(context: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """The context's lint findings, or None when absent or not in that shape (then the
    entry stays among the context rows, shown as recorded)."""
    entries = context.get(LINT_KEY)
    if not isinstance(entries, list):
        return None
    view = []
    for e in entries:
        if not isinstance(e, Mapping):
            return None
        parts = [e.get(k) for k in ("code", "severity", "message")]
        fields = e.get("fields", [])
        if not all(isinstance(p, str) for p in parts) or not isinstance(fields, list):
            return None
        view.append(
            {
                "code": parts[0],
                "severity": parts[1],
                "message": parts[2],
                "fields": ", ".join(str(f) for f in fields),
            }
        )
    return view


#: The context entry a finding's dataset evaluation is read from (written by
#: ``nv12_widgets.model.findings.dataset_fields``): decomposition rows, verdict counts,
#: agreement, accuracy, worst images, errors and the linter's findings.
DATASET_KEY = "dataset"


def _num(value: Any, fmt: str = ".2e") -> str:
    """A recorded number as text ("—" for None; the JSON policy's "nan"/"inf" as is)."""
    if value is None:
        return "—"
    value = jsonsafe.from_json_number(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return format(value, fmt) if math.isfinite(value) else str(value)


def _pct(value: Any, signed: bool = False) -> str:
    value = jsonsafe.from_json_number(value)
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return _num(value)
    return f"{100 * value:{'+' if signed else ''}.1f}"


def _dataset_view(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The context's dataset evaluation, formatted; None when absent or not in that
    shape (then the entry stays among the context rows, shown as recorded)."""
    d = context.get(DATASET_KEY)
    if not isinstance(d, Mapping):
        return None
    try:
        decomposition = [
            {
                "cause": str(r["cause"]),
                "what": str(r.get("what", "")),
                "mean": _num(r["mean"]),
                "ci": f"[{_num(r['low'])}, {_num(r['high'])}]",
                "share": "—" if r.get("share") is None else f"{_pct(r['share'])}%",
                "n": str(r.get("n", "")),
                "total": str(r["cause"]).startswith("total"),
            }
            for r in d["decomposition"]
        ]
        accuracy = [
            {
                "path": str(r["path"]),
                "top1": f"{_pct(r['top1'])}% [{_pct(r['low'])}, {_pct(r['high'])}]",
                "diff": (
                    f"{_pct(r['diff'], True)} pts [{_pct(r['diff_low'], True)}, "
                    f"{_pct(r['diff_high'], True)}]"
                    if "diff" in r
                    else "—"
                ),
                "p": _num(r["mcnemar_p"], ".3g") if "mcnemar_p" in r else "—",
            }
            for r in d.get("accuracy", {}).get("rows", [])
        ]
        view = {
            "source": str(d.get("source", "")),
            "model": str(d.get("model", "")),
            "output": str(d.get("output", "")),
            "counts": (
                f"{d['evaluated']} image(s) evaluated, {d['errors']} error(s) of {d['total']}"
                + (" (cancelled: partial result)" if d.get("cancelled") else "")
            ),
            "decomposition": decomposition,
            "verdicts": [(str(k), str(v)) for k, v in d.get("verdicts", {}).items()],
            "agreement": [
                (str(a["path"]), f"{_pct(a['mean'])}% [{_pct(a['low'])}, {_pct(a['high'])}]")
                for a in d.get("agreement", [])
            ],
            "accuracy_n": d.get("accuracy", {}).get("n", 0),
            "accuracy": accuracy,
            "worst": [
                {"path": str(w["path"]), "loss": _num(w["loss"]), "verdict": str(w["verdict"])}
                for w in d.get("worst", [])
            ],
            "errors": [(str(e["path"]), str(e["error"])) for e in d.get("error_list", [])],
            "lint": [
                {"code": str(f["code"]), "severity": str(f["severity"]),
                 "message": str(f["message"])}
                for f in d.get("lint", [])
            ],
        }  # fmt: skip
    except (KeyError, TypeError, AttributeError):
        return None
    return view


#: The context entry a finding's task answers are read from (written by
#: ``nv12_widgets.model.task_pictures.task_context``): per task its summary line,
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
                        (str(path), _num(a.get("score"), ".3f"))
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
    return {
        "index": index,
        "total": total,
        "anchor": anchor,
        "title": finding.title,
        "created": _utc_iso(finding.created),
        "verdict": finding.verdict if finding.verdict.strip() else "",
        "note": finding.note if finding.note.strip() else "",
        "metrics": _metrics_view(finding.metrics),
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
