"""The Similarity panel: metrics per output, the verdict, the configuration check and
the pictures of the first output."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as W

from nv12_widgets.core import image_like_output, output_heatmaps, sequence_steps
from nv12_widgets.core.vocabulary import (
    DASHBOARD_KEYS,
    LEGEND,
    column_name,
    format_metric,
    legend_items,
    metric_level,
    metric_spec,
)

from ._common import ImageView
from .panel import Panel


# ------------------------------------------------------------------------- similarity
def metrics_table_html(metrics: dict[str, dict]) -> str:
    """Per-output metrics as a colour-coded HTML table, with a legend.

    Columns are :data:`nv12_widgets.core.vocabulary.DASHBOARD_KEYS` that have a value
    for some output; headers, tooltips, number formats and colours come from the core's
    vocabulary (the report and the CLI use the same names).
    """
    keys = [k for k in DASHBOARD_KEYS if any(m.get(k) is not None for m in metrics.values())]
    head = (
        f"<tr><th>{html.escape(column_name('name'))}</th>"
        + "".join(
            f"<th title='{html.escape(metric_spec(k).meaning, quote=True)}'>"
            f"{html.escape(metric_spec(k).header)}</th>"
            for k in keys
        )
        + "</tr>"
    )
    body = []
    for name, m in metrics.items():
        cells = []
        for k in keys:
            cls = metric_level(k, m.get(k))
            if isinstance(m.get(k), dict | str):  # text (e.g. the task summary): may wrap
                cls = f"{cls} nv12-text" if cls else "nv12-text"
            attr = f" class='{cls}'" if cls else ""
            cells.append(f"<td{attr}>{html.escape(format_metric(k, m.get(k)))}</td>")
        body.append(f"<tr><td>{html.escape(name)}</td>{''.join(cells)}</tr>")
    legend = "".join(
        f"<span class='{level} nv12-swatch'>{html.escape(text)}</span> "
        for level, text in legend_items()
    )
    return (
        f"<table>{head}{''.join(body)}</table>"
        f"<div class='nv12-legend' title='{html.escape(LEGEND, quote=True)}'>{legend}"
        "<span class='nv12-caption'>(hover a header for its meaning)</span></div>"
    )


def lint_html(findings: Sequence) -> str:
    """The configuration linter's findings (``Comparison.lint``) as HTML: one line per
    finding with its severity, code, message and the fields involved; '' for none."""
    if not findings:
        return ""
    items = []
    for f in findings:
        fields = ", ".join(f.fields)
        items.append(
            f"<li class='nv12-lint-{html.escape(f.severity)}' data-code='{html.escape(f.code)}'>"
            f"<b>{html.escape(f.severity)}</b> <code>{html.escape(f.code)}</code>: "
            f"{html.escape(f.message)}"
            + (
                f" <span class='nv12-caption'>(fields: {html.escape(fields)})</span>"
                if fields
                else ""
            )
            + "</li>"
        )
    errors = sum(f.severity == "error" for f in findings)
    head = (
        f"Configuration check: {errors} error{'s' if errors != 1 else ''}, "
        f"{len(findings) - errors} other finding{'s' if len(findings) - errors != 1 else ''}"
    )
    level = "nv12-lint-errors" if errors else "nv12-lint-warnings"
    return (
        f"<div class='nv12-lint {level}'><b>{html.escape(head)}</b><ul>{''.join(items)}</ul></div>"
    )


def sequence_html(name: str, steps: dict) -> str:
    """A :func:`~nv12_widgets.core.sequence_steps` result as HTML: the per-step argmax
    of the reference and the NV12 path, listing the steps where they differ."""
    n_diff = int(steps["differ"].size)
    head = (
        f"<b>{html.escape(name)}</b>: sequence output, {steps['steps']} steps x "
        f"{steps['classes']} classes; per-step argmax differs at {n_diff} of "
        f"{steps['steps']} steps"
    )
    if not n_diff:
        return f"<div>{head}: the NV12 path picks the reference's class at every step.</div>"
    rows = "".join(
        f"<tr><td>{r['step']}</td><td>{r['reference']}</td><td>{r['reference_score']:.4g}</td>"
        f"<td>{r['test']}</td><td>{r['test_score']:.4g}</td></tr>"
        for r in steps["rows"]
    )
    more = (
        f"<div class='nv12-caption'>{steps['truncated']} more differing steps not listed</div>"
        if steps["truncated"]
        else ""
    )
    return (
        f"<div>{head}.</div><div class='nv12-metrics'><table><tr><th>step</th>"
        "<th>reference class</th><th>score</th><th>NV12 class</th><th>score</th></tr>"
        f"{rows}</table></div>{more}"
    )


class SimilarityPanel(Panel, W.VBox):
    """Cosine and friends per output, the verdict, the configuration linter's findings
    (a warning area above the table), and per-output pictures: heatmaps of image-like
    outputs, the per-step argmax of sequence outputs."""

    name, area = "similarity", "results"

    def __init__(self):
        self.warnings = W.HTML("")
        self.warnings.add_class("nv12-warnings")
        self.warnings.layout.display = "none"
        self.sequence = W.HTML("")
        self.sequence.add_class("nv12-sequence")
        self.sequence.layout.display = "none"
        self.table = W.HTML("")
        self.table.add_class("nv12-cosine")
        self.table.add_class("nv12-metrics")
        self.verdict = W.HTML("")
        self.verdict.add_class("nv12-verdict")
        self.ref_map = ImageView("Output: reference", target=200)
        self.nv12_map = ImageView("Output: NV12 path", target=200)
        self.diff_map = ImageView("|reference - NV12|", target=200)
        self.maps = W.HBox([self.ref_map, self.nv12_map, self.diff_map])
        self.maps.layout.display = "none"
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Similarity</span>"),
                self.warnings,
                self.table,
                self.verdict,
                self.maps,
                self.sequence,
            ]
        )

    def prepare(self, state) -> dict:
        """The panel contract: the metrics always, the pictures when more than the noise
        changed."""
        prepared = {"metrics": self.prepare_metrics(state.comparison)}
        if state.changed:
            prepared["outputs"] = self.prepare_outputs(state.comparison)
        return prepared

    def draw(self, prepared: dict) -> None:
        """Draw what :meth:`prepare` computed (assignments only)."""
        if "outputs" in prepared:
            self.draw_outputs(prepared["outputs"])
        self.draw_metrics(prepared["metrics"])

    def show_metrics(self, cmp) -> None:
        self.draw_metrics(self.prepare_metrics(cmp))

    def prepare_metrics(self, cmp) -> tuple[str, str, str]:
        """The metrics table, the verdict and the lint findings as HTML, without
        drawing them."""
        table = metrics_table_html(cmp.to_dict())
        v = cmp.verdict()
        verdict = f"<b>{html.escape(v.title)}</b><br>{html.escape(v.text)}"
        return table, verdict, lint_html(cmp.lint)

    def draw_metrics(self, prepared: tuple[str, str, str]) -> None:
        self.table.value, self.verdict.value, warnings = prepared
        self.warnings.value = warnings
        self.warnings.layout.display = None if warnings else "none"

    def show_outputs(self, cmp) -> None:
        self.draw_outputs(self.prepare_outputs(cmp))

    def prepare_outputs(self, cmp) -> list | str | None:
        """The pictures of the first output: heatmap views of an image-like output, the
        per-step argmax table (HTML) of a sequence output, None otherwise."""
        name = next(iter(cmp.outputs_reference))
        metrics = cmp.metrics.get(name)
        if metrics is not None and metrics.kind == "sequence":
            return sequence_html(
                name, sequence_steps(cmp.outputs_reference[name], cmp.outputs_nv12[name])
            )
        ref = image_like_output(cmp.outputs_reference[name])
        if ref is None:
            return None
        dev = image_like_output(cmp.outputs_nv12[name])
        ref_rgb, dev_rgb, diff_rgb, scale = output_heatmaps(ref, dev)
        return [
            (
                self.ref_map,
                self.ref_map.prepare(ref_rgb, f"{name}, {scale['lo']:.3g}..{scale['hi']:.3g}"),
            ),
            (self.nv12_map, self.nv12_map.prepare(dev_rgb, "same colour scale")),
            (self.diff_map, self.diff_map.prepare(diff_rgb, f"0..{scale['diff_max']:.3g}")),
        ]

    def draw_outputs(self, prepared: list | str | None) -> None:
        if isinstance(prepared, str):  # a sequence output: its per-step table
            self.sequence.value = prepared
            self.sequence.layout.display = None
            self.maps.layout.display = "none"
            return
        self.sequence.layout.display = "none"
        if prepared is None:
            self.maps.layout.display = "none"
            return
        for view, data in prepared:
            view.draw(data)
        self.maps.layout.display = None
