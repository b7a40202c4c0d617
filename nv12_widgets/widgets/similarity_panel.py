"""The Similarity panel: metrics per output, the verdict, the configuration check and
the pictures of the first output."""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence

import ipywidgets as W

from nv12_widgets.core import image_like_output, output_heatmaps, sequence_steps
from nv12_widgets.core.vocabulary import LEGEND, legend_items
from nv12_widgets.views import lint_summary, lint_view, metrics_view, render, verdict_view

from ._common import ImageView
from .panel import Panel


# ------------------------------------------------------------------------- similarity
def metrics_table_html(metrics: dict[str, dict]) -> str:
    """Per-output metrics as a colour-coded HTML table, with a legend: the main table of
    :func:`nv12_widgets.views.metrics_view` (the report's, with the same macro), i.e.
    :data:`~nv12_widgets.core.vocabulary.DASHBOARD_KEYS` that have a value for some
    output; headers, tooltips, number formats and colours from the core's vocabulary."""
    table = metrics_view(metrics, secondary=False)["primary"]
    return (render("metrics_table", table) if table else "") + _legend_html()


@functools.cache
def _legend_html() -> str:
    """The colour legend under the table (the same on every update)."""
    return render("legend", legend_items(), "(hover a header for its meaning)", LEGEND)


def lint_html(findings: Sequence) -> str:
    """The configuration linter's findings (``Comparison.lint``) as HTML: one line per
    finding with its severity, code, message and the fields involved; '' for none. The
    report lists them with the same macro."""
    if not findings:
        return ""
    items = lint_view(findings)
    return render("lint_box", items, lint_summary(items))


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


#: What the table says before the first comparison (e.g. the image given did not load).
NO_COMPARISON = (
    "<span class='nv12-caption'>No comparison yet: load an image in the Image panel "
    "(a sample, an upload or a path).</span>"
)


class SimilarityPanel(Panel, W.VBox):
    """Cosine and friends per output, the verdict, the configuration linter's findings
    (a warning area above the table), and per-output pictures: heatmaps of image-like
    outputs, the per-step argmax of sequence outputs."""

    name, area = "similarity", "results"

    def __init__(self):
        self._lint_shown: tuple = (None, "")
        self.warnings = W.HTML("")
        self.warnings.add_class("nv12-warnings")
        self.warnings.layout.display = "none"
        self.sequence = W.HTML("")
        self.sequence.add_class("nv12-sequence")
        self.sequence.layout.display = "none"
        self.table = W.HTML(NO_COMPARISON)
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
        view = verdict_view(cmp.verdict())  # the report renders the recorded one the same way
        verdict = render("verdict", view) if view is not None else ""
        if self._lint_shown[0] is not cmp.lint:  # the findings are cached per image/config
            self._lint_shown = (cmp.lint, lint_html(cmp.lint))
        return table, verdict, self._lint_shown[1]

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
