"""Render findings as one self-contained, offline HTML page.

The page has inline CSS only, no scripts to run, no links to fetch and no network URL:
images and charts are embedded as lossless ``data:image/png;base64`` URIs. Every piece
of user text (titles, notes, names, parameter values, snippets) goes through
:func:`html.escape`; the only ``<script>`` elements are inert ``application/json`` data
blocks produced by :func:`json_for_script`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

from nv12_widgets.core import jsonsafe

from .media import downscale_for_display, encode_png, png_data_uri, png_size
from .versions import nv12_widgets_version, package_versions

if TYPE_CHECKING:
    from .findings import Finding

DEFAULT_TITLE = "NV12 debugging report"
"""Default page title."""

COSINE_GOOD = 0.9999
"""Cosine similarities at or above this are shown green."""

COSINE_FAIR = 0.999
"""Cosine similarities at or above this (and below :data:`COSINE_GOOD`) are shown amber;
lower ones red."""

MAX_DISPLAY_SIDE = 1024
"""Images whose longest side exceeds this are shrunk by an integer factor for display."""

MIN_DISPLAY_SIDE = 256
"""Small images are enlarged (nearest neighbour, integer factor) to about this size."""

MAX_ZOOM = 8
"""Largest enlargement factor for small images."""

_CSS = """
:root {
  --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa; --accent: #0969da;
  --good-bg: #dafbe1; --good-fg: #116329; --fair-bg: #fff1c2; --fair-fg: #7d4e00;
  --poor-bg: #ffebe9; --poor-fg: #a40e26;
}
* { box-sizing: border-box; }
html { color-scheme: light; }
body {
  margin: 0; background: #fff; color: var(--fg);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif;
}
main { max-width: 1100px; margin: 0 auto; padding: 2rem 1.5rem 3rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .3rem; }
h2 { font-size: 1.4rem; line-height: 1.25; margin: 0 0 .4rem; }
h3 {
  font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted);
  margin: 1.6rem 0 .5rem;
}
p { margin: 0 0 .6rem; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.subtitle, .meta, .muted, figcaption, .legend { color: var(--muted); }
.subtitle { margin-bottom: 1.5rem; }
.kicker {
  font-size: .8rem; font-weight: 600; letter-spacing: .06em; text-transform: uppercase;
  color: var(--accent); margin: 0;
}
.toc, .empty {
  border: 1px solid var(--border); border-radius: 8px; background: var(--panel);
  padding: 1rem 1.25rem; margin: 0 0 2rem;
}
.toc h2 { font-size: 1.05rem; }
.toc ol { margin: 0; padding-left: 1.4rem; }
.toc li { margin: .2rem 0; }
.finding { border-top: 2px solid var(--border); padding-top: 1.75rem; margin-top: 2.25rem; }
.verdict {
  border-left: 4px solid var(--accent); background: var(--panel); border-radius: 0 6px 6px 0;
  padding: .75rem 1rem; margin-top: 1rem;
}
.verdict h3 { margin-top: 0; }
.verdict p, .note { white-space: pre-wrap; overflow-wrap: anywhere; }
.verdict p { margin: 0; font-size: 1.02rem; }
.note { margin: 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 0 0 .5rem; }
th, td {
  border: 1px solid var(--border); padding: .3rem .65rem; text-align: left;
  vertical-align: top;
}
thead th { background: var(--panel); font-weight: 600; }
tbody th { font-weight: 600; }
td.num { text-align: right; }
td.num, td.value, code, pre {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .88rem;
}
td.value { white-space: pre-wrap; overflow-wrap: anywhere; }
td.na { color: var(--muted); text-align: center; }
.good { background: var(--good-bg); color: var(--good-fg); }
.fair { background: var(--fair-bg); color: var(--fair-fg); }
.poor { background: var(--poor-bg); color: var(--poor-fg); font-weight: 600; }
tr.differs td { background: var(--fair-bg); }
.swatch { display: inline-block; padding: 0 .4rem; border-radius: 4px; }
.legend { font-size: .85rem; }
pre {
  background: var(--panel); border: 1px solid var(--border); border-radius: 6px;
  padding: .75rem 1rem; margin: 0; overflow-x: auto; line-height: 1.45;
}
details { margin: .5rem 0; }
summary { cursor: pointer; color: var(--muted); font-size: .9rem; }
.gallery { display: flex; flex-wrap: wrap; gap: 1.25rem; align-items: flex-start; }
figure { margin: 0; max-width: 100%; }
figure img {
  display: block; max-width: 100%; height: auto; border: 1px solid var(--border);
  background: #fff;
}
figure.plane img { image-rendering: pixelated; }
figcaption { font-size: .85rem; margin-top: .3rem; max-width: 40rem; }
figure.snippet { margin: 0 0 1rem; }
figure.snippet figcaption { margin: 0 0 .3rem; font-weight: 600; }
footer {
  border-top: 1px solid var(--border); margin-top: 3rem; padding-top: 1rem;
  font-size: .85rem; color: var(--muted);
}
@media print {
  main { max-width: none; padding: 0; }
  .finding { break-before: page; border-top: none; }
  .toc { break-after: page; }
  figure, table, pre { break-inside: avoid; }
}
"""

_RANKS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("cosine",), 0),
    (("sqnr", "psnr", "snr", "_db"), 1),
    (("max_abs", "max_err"), 2),
    (("mean_abs", "mae"), 3),
    (("rmse", "mse"), 4),
)


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(moment: datetime) -> str:
    stamp = _utc_iso(moment)
    return f'<time datetime="{stamp}">{stamp}</time>'


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
    """Classify a cosine similarity for colouring.

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
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    if value >= COSINE_GOOD:
        return "good"
    if value >= COSINE_FAIR:
        return "fair"
    return "poor"


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


def format_metric(name: str, value: Any) -> str:
    """Format one metric value as plain text (not yet HTML-escaped).

    Parameters
    ----------
    name : str
        Metric name; cosine metrics get 6 decimals, names ending in ``_db`` 2 decimals.
    value : float or int or str or None
        The value.

    Returns
    -------
    str
        ``"—"`` for None, ``"∞"`` / ``"−∞"`` / ``"NaN"`` for non-finite floats.
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if is_cosine_metric(name):
            return f"{value:.6f}"
        if name.lower().endswith("_db"):
            return f"{value:.2f}"
        return format(value, ".6g")
    return str(value)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and value:
            rows.extend(_flatten(value, dotted))
        else:
            rows.append((dotted, value))
    return rows


def _display_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return jsonsafe.dumps(value)


def _kv_table(data: Mapping[str, Any], key_header: str, empty: str) -> str:
    rows = _flatten(data)
    if not rows:
        return f'<p class="muted">{_esc(empty)}</p>'
    body = "\n".join(
        f'<tr><th scope="row">{_esc(key)}</th><td class="value">{_esc(_display_value(value))}'
        "</td></tr>"
        for key, value in rows
    )
    return (
        '<div class="table-wrap"><table class="kv">'
        f'<thead><tr><th scope="col">{_esc(key_header)}</th><th scope="col">value</th></tr>'
        f"</thead>\n<tbody>\n{body}\n</tbody></table></div>"
    )


def _metrics_table(metrics: Mapping[str, Mapping[str, Any]]) -> str:
    if not metrics:
        return '<p class="muted">No metrics recorded.</p>'
    columns = metric_columns(metrics)
    head = "".join(f'<th scope="col">{_esc(column)}</th>' for column in columns)
    rows = []
    for output, values in metrics.items():
        cells = []
        for column in columns:
            if column not in values or values[column] is None:
                cells.append('<td class="na">—</td>')
                continue
            value = values[column]
            classes = ["num"] if isinstance(value, (int, float)) else ["value"]
            if is_cosine_metric(column) and (level := cosine_class(value)):
                classes.append(level)
            cells.append(
                f'<td class="{" ".join(classes)}">{_esc(format_metric(column, value))}</td>'
            )
        rows.append(f'<tr><th scope="row">{_esc(output)}</th>{"".join(cells)}</tr>')
    legend = ""
    if any(is_cosine_metric(column) for column in columns):
        legend = (
            '<p class="legend">Cosine similarity: '
            f'<span class="swatch good">&ge; {COSINE_GOOD}</span> '
            f'<span class="swatch fair">&ge; {COSINE_FAIR}</span> '
            f'<span class="swatch poor">&lt; {COSINE_FAIR}</span>. '
            "The colours are a visual aid only: judge a number against the same image's "
            "own format, conversion and noise measurements, not against fixed thresholds.</p>"
        )
    return (
        '<div class="table-wrap"><table class="metrics">'
        f'<thead><tr><th scope="col">output</th>{head}</tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody></table></div>\n" + legend
    )


def _image_figure(name: str, image: np.ndarray) -> str:
    height, width = image.shape[:2]
    shown, factor = downscale_for_display(image, MAX_DISPLAY_SIDE)
    shown_height, shown_width = shown.shape[:2]
    kind = "grey" if image.ndim == 2 else "RGB"
    caption = [_esc(name), f"{width}&times;{height} px, {kind} uint8"]
    zoom = 1
    if factor > 1:
        caption.append(
            f"shown downscaled {factor}&times; to {shown_width}&times;{shown_height} px "
            f"(mean of {factor}&times;{factor} blocks), so the pixel values shown are not "
            "the recorded ones"
        )
    else:
        zoom = max(1, min(MAX_ZOOM, MIN_DISPLAY_SIDE // max(height, width)))
        if zoom > 1:
            caption.append(f"enlarged {zoom}&times; (nearest neighbour)")
    return (
        '<figure class="plane">'
        f'<img src="{png_data_uri(encode_png(shown))}" alt="{_esc(name)}" '
        f'width="{shown_width * zoom}" height="{shown_height * zoom}">'
        f"<figcaption>{' &middot; '.join(caption)}</figcaption></figure>"
    )


def _chart_figure(name: str, png: bytes) -> str:
    width, height = png_size(png)
    return (
        '<figure class="chart">'
        f'<img src="{png_data_uri(png)}" alt="{_esc(name)}" width="{width}" height="{height}">'
        f"<figcaption>{_esc(name)}</figcaption></figure>"
    )


def _snippets(snippets: Mapping[str, str]) -> str:
    return "\n".join(
        f'<figure class="snippet"><figcaption>{_esc(name)}</figcaption>'
        f"<pre><code>{_esc(text)}</code></pre></figure>"
        for name, text in snippets.items()
    )


def _lowest_cosine(finding: Finding) -> float | None:
    values = [
        float(value)
        for outputs in finding.metrics.values()
        for name, value in outputs.items()
        if is_cosine_metric(name) and cosine_class(value) is not None
    ]
    return min(values) if values else None


def _finding_section(index: int, total: int, finding: Finding) -> str:
    anchor = f"finding-{index}"
    parts = [
        f'<section class="finding" id="{anchor}">',
        f'<header><p class="kicker">Finding {index} of {total}</p>'
        f"<h2>{_esc(finding.title)}</h2>"
        f'<p class="meta">Recorded {_time(finding.created)} (UTC)</p></header>',
    ]
    verdict = (
        f"<p>{_esc(finding.verdict)}</p>"
        if finding.verdict.strip()
        else '<p class="muted">No verdict recorded.</p>'
    )
    parts.append(f'<div class="verdict"><h3>Verdict</h3>{verdict}</div>')
    if finding.note.strip():
        parts.append(f'<h3>Note</h3><div class="note">{_esc(finding.note)}</div>')
    parts.append("<h3>Metrics</h3>" + _metrics_table(finding.metrics))
    if finding.images:
        figures = "\n".join(_image_figure(name, img) for name, img in finding.images.items())
        parts.append(f'<h3>Images</h3><div class="gallery">\n{figures}\n</div>')
    if finding.charts:
        figures = "\n".join(_chart_figure(name, png) for name, png in finding.charts.items())
        parts.append(f'<h3>Charts</h3><div class="gallery">\n{figures}\n</div>')
    parts.append(
        "<h3>Preprocessing parameters</h3>"
        + _kv_table(finding.config, "parameter", "No parameters recorded.")
        + "<details><summary>Parameters as JSON</summary><pre><code>"
        + _esc(jsonsafe.dumps(finding.config, indent=2))
        + "</code></pre></details>"
        + f'<script type="application/json" id="{anchor}-config">'
        + json_for_script(finding.config)
        + "</script>"
    )
    if finding.snippets:
        parts.append("<h3>Config snippets</h3>" + _snippets(finding.snippets))
    parts.append("<h3>Context</h3>" + _kv_table(finding.context, "item", "No context recorded."))
    parts.append("</section>")
    return "\n".join(parts)


def _toc(findings: list[Finding]) -> str:
    items = []
    for index, finding in enumerate(findings, 1):
        extra = [_time(finding.created)]
        lowest = _lowest_cosine(finding)
        if lowest is not None:
            extra.append(
                f'lowest cosine <span class="swatch {cosine_class(lowest)}">'
                f"{format_metric('cosine', lowest)}</span>"
            )
        items.append(
            f'<li><a href="#finding-{index}">{_esc(finding.title)}</a> '
            f'<span class="muted">&middot; {" &middot; ".join(extra)}</span></li>'
        )
    return (
        '<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>\n'
        + "\n".join(items)
        + '\n<li><a href="#versions">Package versions</a></li></ol></nav>'
    )


def _versions_section(findings: list[Finding]) -> str:
    heading = '<section id="versions" class="finding"><h2>Package versions</h2>'
    if not findings:
        return (
            heading
            + '<p class="muted">At generation time.</p>'
            + _kv_table(package_versions(), "package", "No versions known.")
            + "</section>"
        )
    distinct: list[dict[str, str]] = []
    for finding in findings:
        if finding.versions not in distinct:
            distinct.append(finding.versions)
    if len(distinct) == 1:
        note = "Recorded with every finding." if len(findings) > 1 else "Recorded with the finding."
        return (
            heading
            + f'<p class="muted">{note}</p>'
            + _kv_table(distinct[0], "package", "No versions recorded.")
            + "</section>"
        )
    packages = list(dict.fromkeys(name for f in findings for name in f.versions))
    head = "".join(f'<th scope="col">Finding {i}</th>' for i in range(1, len(findings) + 1))
    rows = []
    for package in packages:
        values = [f.versions.get(package, "—") for f in findings]
        differs = ' class="differs"' if len(set(values)) > 1 else ""
        cells = "".join(f'<td class="value">{_esc(value)}</td>' for value in values)
        rows.append(f'<tr{differs}><th scope="row">{_esc(package)}</th>{cells}</tr>')
    return (
        heading + '<p class="muted">The findings were recorded with different versions; '
        "differing rows are highlighted.</p>"
        + '<div class="table-wrap"><table class="kv">'
        + f'<thead><tr><th scope="col">package</th>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table></div></section>"
    )


def render_html(
    findings: Iterable[Finding],
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
    (N counts from 1; see :func:`json_for_script`).

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
    version = nv12_widgets_version()
    count = len(items)
    summary = f"{count} finding{'' if count == 1 else 's'}"
    body = [
        f"<header><h1>{_esc(title)}</h1>"
        f'<p class="subtitle">{summary} &middot; generated {_time(moment)} (UTC) by '
        f"nv12_widgets {_esc(version)}</p></header>"
    ]
    if count > 1:
        body.append(_toc(items))
    if not items:
        body.append(
            '<section class="empty"><h2>Nothing recorded</h2>'
            "<p>No findings have been recorded yet. Record an observation in the dashboard, "
            "then export the report again.</p></section>"
        )
    body.extend(_finding_section(i, count, f) for i, f in enumerate(items, 1))
    body.append(_versions_section(items))
    body.append(
        f"<footer>Generated by nv12_widgets {_esc(version)} on {_time(moment)}. "
        "Self-contained file: images are embedded as lossless PNG and nothing is loaded "
        "from the network.</footer>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="nv12_widgets {_esc(version)}">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
