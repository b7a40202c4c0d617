"""Dataset panel: evaluate a folder of images in the background, see where the loss comes from.

Every number shown comes from :class:`~nv12_widgets.model.workflows.dataset.DatasetResult`
(through :func:`nv12_widgets.model.judge.finding_fields.dataset_fields`, the same entry a recorded
finding carries, so the panel and the report agree); the chart is
:meth:`DatasetResult.plot`. The panel only formats and draws.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as W

from nv12_widgets.model.judge.finding_fields import DATASET_CONTEXT_KEY, dataset_fields
from nv12_widgets.model.workflows.demo import demo_pages_folder
from nv12_widgets.model.workflows.imagesets import distinct_names
from nv12_widgets.report import figure_to_png
from nv12_widgets.views import dataset_view, render

from ._common import ImageView
from .background import BackgroundJob

#: Rows of the worst-images table (and choices of the selector).
WORST = 10
#: Labels choices: (shown, value passed to ``evaluate(labels=...)``).
LABEL_CHOICES = (("none", None), ("folder (ImageFolder: class = sub-folder)", "folder"))


class DatasetPanel(W.VBox):
    """Run ``evaluate`` on a folder with progress and Cancel; summary, chart, worst images.

    Parameters
    ----------
    run_evaluate : callable
        ``run_evaluate(folder, labels, demo, progress, cancel, **options) -> (DatasetResult,
        str)`` (given by the dashboard): evaluates the folder with the right model and
        config and says which model it used. ``demo`` is True for the bundled demo pages;
        ``options`` are ``evaluate`` keywords: ``results_path`` (the Results field: resume
        from it) and ``board_dir`` (the Board outputs field), given only when filled in.
    load_image : callable
        ``load_image(path)``: load one image into the dashboard.
    on_error : callable
        ``on_error(what, exc)``: the dashboard's error area.

    Attributes
    ----------
    result : DatasetResult or None
        The last good result (kept when a later run fails).
    fields : dict or None
        ``dataset_fields(result)``: what ``Record finding`` records.
    chart_png : bytes or None
    """

    def __init__(self, run_evaluate: Callable, load_image: Callable, on_error: Callable):
        self._run_evaluate, self._load_image, self._on_error = run_evaluate, load_image, on_error
        self.folder = W.Text(placeholder="a folder of images (searched recursively)",
                             description="Folder")  # fmt: skip
        self.folder.add_class("nv12-dataset-folder")
        self.demo = W.Button(description="Use the demo pages", icon="book",
                             tooltip="evaluate the labelled orientation pages (generated "
                             "once into a cache folder, never the export folder) with the "
                             "orientation classifier")  # fmt: skip
        self.demo.layout.width = "auto"  # the label decides (no overflow at 1366 px)
        self.labels = W.Dropdown(options=LABEL_CHOICES, value=None, description="Labels")
        self.results = W.Text(placeholder="optional .jsonl: kept per image, a re-run resumes",
                              description="Results")  # fmt: skip
        self.results.add_class("nv12-dataset-results")
        self.board = W.Text(placeholder="optional: board output dumps, one per image by name",
                            description="Board")  # fmt: skip
        self.board.add_class("nv12-dataset-board")
        self.job = BackgroundJob(self._work, "Evaluate", "table", "Images")
        self.job.start.add_class("nv12-dataset-run")
        self.info = W.HTML("")
        self.summary = W.HTML("")
        self.summary.add_class("nv12-dataset-summary")
        self.chart = ImageView("Loss decomposition (95% bootstrap CI)", target=640)
        self.chart.layout.display = "none"
        self.worst = W.Dropdown(options=[], description="Image")
        self.load = W.Button(description="Load in the dashboard", icon="upload", disabled=True)
        self.load.layout.width = "auto"  # ipywidgets' default 148 px cut the label
        self.worst_box = W.HBox([self.worst, self.load])
        self.worst_box.layout.display = "none"
        self.result = None
        self.fields: dict[str, Any] | None = None
        self.chart_png: bytes | None = None
        self.model_used = ""
        self._demo_folder: Path | None = None
        self._lock = threading.Lock()
        self.demo.on_click(lambda _: self.use_demo(background=True))
        self.load.on_click(lambda _: self.load_selected())
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Dataset</span> <span class='nv12-caption'>"
                       "the loss over a folder of images, decomposed into its causes, with "
                       "95% bootstrap intervals</span>"),
                W.HBox([self.folder, self.labels, self.demo]),
                W.HBox([self.results, self.board]),
                self.job.controls,
                self.info,
                self.summary,
                self.chart,
                self.worst_box,
            ]
        )  # fmt: skip

    # ---------------------------------------------------------------- running
    def use_demo(self, background: bool = False) -> None:
        """Evaluate the labelled orientation pages (with the orientation classifier: the
        dashboard decides, see ``run_evaluate``). The pages are generated once into the
        package's cache folder (``workflows.demo.demo_pages_folder``), not into the export
        folder."""
        try:
            folder = demo_pages_folder()
        except Exception as exc:  # noqa: BLE001
            self._on_error("Making the demo pages", exc)
            return
        self._demo_folder = Path(folder).absolute()
        self.folder.value = str(folder)
        self.labels.value = "folder"
        self.run(background)

    def run(self, background: bool = False) -> None:
        """Evaluate the folder; in a thread when ``background`` (the buttons), so Cancel
        works. Errors go to the dashboard's error area; the panel keeps its last state."""
        if not self.job.busy:
            self.info.value = "running..."
        self.job.run(background)

    def wait(self, timeout: float | None = None) -> None:
        self.job.wait(timeout)

    def _is_demo(self, folder: str) -> bool:
        return self._demo_folder is not None and Path(folder).absolute() == self._demo_folder

    def _options(self) -> dict[str, Any]:
        """``evaluate`` keywords of the optional fields that are filled in."""
        options = {}
        if self.results.value.strip():
            options["results_path"] = str(Path(self.results.value.strip()).expanduser())
        if self.board.value.strip():
            options["board_dir"] = str(Path(self.board.value.strip()).expanduser())
        return options

    def _work(self, progress, cancel) -> None:
        folder = self.folder.value.strip()
        self.info.value = "<span class='nv12-caption'>running...</span>"

        def report(done: int, total: int) -> None:
            progress(done, total)
            self.info.value = f"<span class='nv12-caption'>running: {done} of {total}...</span>"

        try:
            if not folder:
                raise ValueError("type a folder of images first, or click 'Use the demo pages'.")
            path = Path(folder).expanduser()
            result, model_name = self._run_evaluate(
                str(path), self.labels.value, self._is_demo(folder), report, cancel,
                **self._options(),
            )  # fmt: skip
            prepared = self._prepare(result, str(path), model_name)
        except Exception as exc:  # noqa: BLE001 - shown, the panel keeps its last state
            self.info.value = self._state_line() if self.result is not None else ""
            self._on_error("Evaluating the dataset", exc)
            return
        self._draw(prepared)

    # ---------------------------------------------------------------- drawing
    def _prepare(self, result, source: str, model_name: str) -> dict[str, Any]:
        """Everything shown, computed before anything is drawn."""
        fields = dataset_fields(result, source=source, worst=WORST)
        entry = fields[DATASET_CONTEXT_KEY]
        chart = None
        if result.ok:
            fig = result.plot()
            chart = figure_to_png(fig)
        names = dict(zip(result.paths, distinct_names(result.paths), strict=True))
        worst = [
            (f"{names[w['path']]}: 1-cos {w['loss']:.2e} ({w['verdict']})", w["path"])
            for w in entry["worst"]
        ]
        return {
            "result": result,
            "fields": fields,
            "chart": chart,
            "summary": summary_html(entry, names),
            "worst": worst,
            "model": model_name,
        }

    def _draw(self, p: dict[str, Any]) -> None:
        with self._lock:
            self.result, self.fields, self.model_used = p["result"], p["fields"], p["model"]
            self.chart_png = p["chart"]
            self.summary.value = p["summary"]
            if p["chart"] is not None:
                self.chart.image.value = p["chart"]
                self.chart.layout.display = None
            else:
                self.chart.layout.display = "none"
            self.worst.options = p["worst"]
            self.load.disabled = not p["worst"]
            self.worst_box.layout.display = None if p["worst"] else "none"
            self.info.value = self._state_line()

    def _state_line(self) -> str:
        r = self.result
        state = "cancelled: partial result" if r.cancelled else "done"
        resumed = ""
        if r.results_path is not None:
            resumed = (
                f"; {r.skipped} resumed from <code>{html.escape(r.results_path.name)}</code>, "
                f"{r.computed} computed"
            )
        return (
            f"<span class='nv12-caption'>{state}: {len(r.ok)} of {r.total} image(s) "
            f"evaluated with <code>{html.escape(self.model_used)}</code>"
            f"{f', {len(r.errors)} unreadable' if r.errors else ''}{resumed}.</span>"
        )

    # ---------------------------------------------------------------- worst images
    def load_selected(self) -> None:
        """Load the selected worst image into the dashboard."""
        path = self.worst.value
        if not path:
            self._on_error("Loading the image", ValueError("evaluate a folder first."))
            return
        self._load_image(path)

    def record_fields(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        """(context entries, charts) a finding should carry: empty when nothing is shown."""
        if self.fields is None:
            return {}, {}
        charts = {"Dataset: loss decomposition": self.chart_png} if self.chart_png else {}
        return dict(self.fields), charts


def summary_html(entry: dict[str, Any], names: dict[str, str] | None = None) -> str:
    """The dataset entry of :func:`~nv12_widgets.model.judge.finding_fields.dataset_fields`
    as HTML: its view model (:func:`nv12_widgets.views.dataset_view`) rendered by the
    macro the report's "Dataset" section uses (``dataset_summary``): decomposition,
    verdicts, agreement, accuracy, ground truth, the board ladder, worst images,
    errors, configuration check. ``names``: path -> the name shown (default: the path)."""
    view = dataset_view(entry, names)
    if view is None:
        raise ValueError("the dataset entry is not in the shape dataset_fields writes.")
    return render("dataset_summary", view)
