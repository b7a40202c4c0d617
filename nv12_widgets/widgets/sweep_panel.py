"""The Sweep panel: cosine vs noise amplitude and preprocessing variants ranked, in the
background with progress and cancel."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as W

from ._common import ChartView
from .background import BackgroundJob
from .panel import Panel, PanelRecord


class SweepPanel(Panel, W.VBox):
    """Cosine vs noise amplitude, and preprocessing variants ranked, with progress and cancel.

    ``run_sweep(progress, cancel)`` (given by the dashboard) runs the model-layer sweep
    and returns a result with ``.plot()`` and ``.summary()``; ``progress(done, total)``
    is called as work items finish; ``cancel`` is a ``threading.Event``.
    """

    name, area = "sweep", "below"

    @classmethod
    def create(cls, dashboard) -> SweepPanel:
        return cls(dashboard.run_sweep, dashboard.reporter(cls.name))

    def record(self) -> PanelRecord:
        """The chart shown (none before the first sweep)."""
        return PanelRecord(charts={"Sweep": self.chart_png} if self.chart_png else {})

    def __init__(self, run_sweep: Callable, on_error: Callable):
        self._run_sweep, self._on_error = run_sweep, on_error
        self.job = BackgroundJob(self._work, "Run sweep", "line-chart", "Sweep")
        self.start, self.cancel, self.progress = self.job.start, self.job.cancel, self.job.progress
        self.start.add_class("nv12-sweep")
        self.info = W.HTML("")
        self.chart = ChartView("Cosine vs noise and variants", "nv12-sweep-chart")
        self.result = None
        self.chart_png: bytes | None = None
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Sweep</span> <span class='nv12-caption'>"
                       "noise amplitudes x seeds, and the NV12 cosine of common preprocessing "
                       "variants</span>"),
                self.job.controls,
                self.info,
                self.chart,
            ]
        )  # fmt: skip

    def run(self, background: bool = False) -> None:
        """Run the sweep; in a thread when ``background`` (the button), so Cancel works."""
        if not self.job.busy:
            self.info.value = "running..."
        self.job.run(background)

    def _work(self, progress, cancel) -> None:
        try:
            result = self._run_sweep(progress, cancel)
            self.result = result
            fig = result.plot()
            self.chart_png = self.chart.show(fig)
            import matplotlib.pyplot as plt

            plt.close(fig)
            state = "cancelled: partial result" if getattr(result, "cancelled", False) else "done"
            self.info.value = f"{state}. {html.escape(getattr(result, 'headline', lambda: '')())}"
        except Exception as exc:  # noqa: BLE001
            self.info.value = ""
            self._on_error("The sweep", exc)

    def wait(self, timeout: float | None = None) -> None:
        self.job.wait(timeout)
