"""The "Drift by cause" panel: per-node drift of each cause of difference for the current
comparison (:func:`nv12_widgets.model.workflows.drift.drift_by_cause`), computed in the background
with progress and cancel, shown as the plot along the critical path, the summary and the
top amplifiers; recorded into the findings with
:func:`~nv12_widgets.model.workflows.drift.drift_fields`."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from nv12_widgets.model.workflows.drift import chart_png, drift_by_cause, drift_fields

from ._common import ImageView
from .background import BackgroundJob
from .panel import Panel, PanelRecord

__all__ = ["DriftPanel"]

#: Nodes listed per cause in the top-amplifiers table.
TOP = 5


class DriftPanel(Panel, W.VBox):
    """Drift by cause for the dashboard's current comparison.

    ``model`` is the dashboard's model; ``record_entry(**fields)`` records a finding
    (the findings panel's); ``on_error(what, exc)`` shows an error. The result is kept
    with the comparison it was computed for: when the dashboard changes, the panel says
    the result is for the previous state until the button is pressed again.
    """

    name, area = "drift", "below"

    @classmethod
    def create(cls, dashboard) -> DriftPanel:
        return cls(
            dashboard.model,
            lambda **fields: dashboard.findings_panel.record_entry(**fields),
            dashboard.report_error,
            extra_feeds=getattr(dashboard, "extra_feeds", None),
        )

    def __init__(
        self, model: Any, record_entry: Callable, on_error: Callable, extra_feeds: Any = None
    ):
        self._model, self._record_entry, self._on_error = model, record_entry, on_error
        self._extra_feeds = dict(extra_feeds or {})  # the model's non-image inputs
        self.job = BackgroundJob(self._work, "Drift by cause", "sitemap", "Causes")
        self.start, self.cancel, self.progress = self.job.start, self.job.cancel, self.job.progress
        self.start.add_class("nv12-drift")
        self.info = W.HTML("")
        self.info.add_class("nv12-drift-info")
        self.summary = W.HTML("")
        self.summary.add_class("nv12-drift-summary")
        self.amplifiers = W.HTML("")
        self.amplifiers.add_class("nv12-metrics")
        self.amplifiers.add_class("nv12-drift-amplifiers")
        self.chart = ImageView("Drift along the critical path", "nv12-drift-chart", target=640)
        self.chart.layout.display = "none"
        self.record_button = W.Button(
            description="Record into findings",
            icon="bookmark",
            disabled=True,
            layout=W.Layout(width="auto"),  # its label is wider than a default button
        )
        self.record_button.add_class("nv12-drift-record")
        self.record_button.on_click(lambda _: self.record_finding())
        self.comparison = None
        self.image_name = ""
        self.result = None
        self.result_comparison = None
        self.result_image = ""
        self.chart_png: bytes | None = None
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Drift by cause</span> <span class='nv12-caption'>"
                       "per node, how far each cause of difference (format, conversion, noise) "
                       "moves the model's activations, and which nodes amplify it</span>"),
                W.HBox([self.job.controls, self.record_button]),
                self.info,
                self.summary,
                self.chart,
                self.amplifiers,
            ]
        )  # fmt: skip

    # ------------------------------------------------------------------ the contract
    def prepare(self, state) -> tuple[Any, str]:
        """Nothing to compute on a change: the drift is computed on demand (the button)."""
        return state.comparison, state.image_name

    def draw(self, prepared: tuple[Any, str]) -> None:
        self.comparison, self.image_name = prepared
        if self.result is not None and self.result_comparison is not self.comparison:
            self.info.value = (
                "<span class='nv12-caption'>The result below is for a previous state "
                f"({html.escape(self.result_image)}); press <b>Drift by cause</b> to "
                "recompute.</span>"
            )

    def record(self) -> PanelRecord:
        """The drift chart, and the summary, once computed (with the state it is for)."""
        if self.result is None:
            return PanelRecord()
        current = self.result_comparison is self.comparison
        return PanelRecord(
            context={
                "drift by cause": self.result.summary()
                + ("" if current else f" (computed for a previous state: {self.result_image})")
            },
            charts={"Drift by cause": self.chart_png} if self.chart_png else {},
        )

    # ------------------------------------------------------------------- the job
    def run(self, background: bool = False) -> None:
        """Compute the drift of the current comparison; in a thread when ``background``
        (the button), so Cancel works."""
        if self.comparison is None:
            self._on_error("Drift by cause", ValueError("no comparison yet: load an image."))
            return
        if not self.job.busy:
            self.info.value = "running..."
        self.job.run(background)

    def wait(self, timeout: float | None = None) -> None:
        self.job.wait(timeout)

    def _work(self, progress, cancel) -> None:
        comparison, image_name = self.comparison, self.image_name
        try:
            result = drift_by_cause(
                self._model,
                comparison,
                input_name=comparison.image_input if self._extra_feeds else None,
                extra_feeds=self._extra_feeds or None,
                progress=progress,
                cancel=cancel,
            )
            png = chart_png(result)
        except Exception as exc:  # noqa: BLE001
            self.info.value = ""
            self._on_error("Drift by cause", exc)
            return
        self.result, self.result_comparison, self.result_image = result, comparison, image_name
        self.chart_png = png
        self.chart.image.value = png
        self.chart.layout.display = None
        self.summary.value = f"<pre>{html.escape(result.summary())}</pre>"
        self.amplifiers.value = _amplifier_table(result)
        self.record_button.disabled = False
        state = "cancelled: the causes measured so far" if result.cancelled else "done"
        self.info.value = (
            f"{state} ({', '.join(map(html.escape, result.causes))}) on {html.escape(image_name)}."
        )

    def record_finding(self) -> None:
        """Record the result as its own finding (:func:`drift_fields`)."""
        if self.result is None:
            return
        try:
            fields = drift_fields(
                self.result, model_name=self._model.name, image_name=self.result_image
            )
        except Exception as exc:  # noqa: BLE001
            self._on_error("Recording the drift", exc)
            return
        self._record_entry(**fields)


def _amplifier_table(result) -> str:
    """The top amplifiers of each cause as an escaped HTML table."""
    rows = []
    for name, cause in result.causes.items():
        for r in cause.ranked(TOP):
            rows.append(
                f"<tr><td>{html.escape(name)}</td><td class='nv12-text'>{html.escape(r.node)}</td>"
                f"<td>{html.escape(r.op_type)}</td><td>{r.index}</td>"
                f"<td>x{r.amplification:.3g}</td><td>{r.drift:.3e}</td></tr>"
            )
    if not rows:
        return "<i>No node amplifies any cause (no difference on these paths).</i>"
    head = (
        "<tr><th>cause</th><th>node</th><th>op</th><th>#</th><th>amplification</th>"
        "<th>drift</th></tr>"
    )
    return f"<b>Top amplifiers</b><table>{head}{''.join(rows)}</table>"
