"""NV12Debugger: the whole dashboard in one line of a notebook."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as W
import numpy as np

from nv12_widgets.core import NV12, InputError, load_source
from nv12_widgets.core.io import read_file
from nv12_widgets.model import Model, PreprocessConfig, demo_config, demo_image_paths, demo_model
from nv12_widgets.model.devicepath.session import is_dynamic
from nv12_widgets.model.judge.finding_fields import finding_fields
from nv12_widgets.model.workflows.compare import Comparator

from ._common import STYLE, ErrorArea, FieldErrors, no_null_tooltips
from .panel import AREAS, DashboardState, Panel
from .registry import PANELS

_NOISE_FIELDS = ("noise_amplitude", "noise_kind", "noise_seed")

#: Shown under a dashboard's output only when the dashboard itself is not (its CSS hides
#: it next to a live one): a notebook reopened after its kernel stopped shows "Error
#: displaying widget: model not found" in the widget's place, with no other hint.
KERNEL_HINT = (
    "<style>.jp-OutputArea:has(.nv12-dashboard) .nv12-kernel-hint, "
    ".output_area:has(.nv12-dashboard) .nv12-kernel-hint {display: none;}</style>"
    "<div class='nv12-kernel-hint'>The NV12 debugger is not running here. If the line above "
    "says <i>Error displaying widget: model not found</i>, the Python kernel that drew the "
    "dashboard has stopped (or this notebook was reopened): run the cell again, or "
    "<b>Run &gt; Run All Cells</b>.</div>"
)


class NV12Debugger(W.VBox):
    """Live NV12 debugging dashboard.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto, optional
        The float model. Default: the bundled PaddleOCR text detector.
    image : numpy.ndarray, NV12 or path, optional
        (H, W, 3) uint8 RGB, an NV12 frame, an image file or a raw frame file
        (``.nv12 .nv21 .i420 .yuv .raw`` with ``WxH`` in the name or a JSON sidecar).
        Default: the first bundled photo.
    config : PreprocessConfig, dict or path, optional
        The model's training preprocessing: a :class:`PreprocessConfig`, a dict of its
        fields (``{"train_format": "bgr", "mean": [0.5]}``, read by
        :meth:`PreprocessConfig.from_dict`), or a JSON file as ``nv12-widgets report
        --config`` takes (:meth:`PreprocessConfig.from_json`). Default: the demo model's
        (:func:`~nv12_widgets.model.demo_config`) with the demo model, else
        ``model.starting_config()`` (``PreprocessConfig()``, gray for a one-channel
        input, divisor 1 for uint8 codes).
    samples : sequence of paths, optional
        Images offered in the sample list (default: the bundled photos).
    panels : sequence of panel classes, optional
        The panels to build (default :data:`nv12_widgets.widgets.registry.PANELS`, which
        must stay included: the dashboard reaches its built-in panels by name). Each one
        is reachable as ``dashboard.<name>`` and in ``dashboard.panels``.
    output_kinds, interpreters : optional
        How the outputs read (the Task panel's "reads as" dropdowns start there; see
        :meth:`~nv12_widgets.model.Comparator.compare`).
    extra_feeds : mapping, optional
        Values of the model's non-image inputs (a PaddleDetection export's
        ``scale_factor``, say), given to every run: the comparison, the sweep and the
        drift by cause.

    Attributes
    ----------
    comparison : Comparison or None
        What the dashboard currently shows (the last good state).
    findings : nv12_widgets.report.Findings
        Everything recorded, also exportable from plain Python.
    identify : IdentifyPanel
        "Identify a board dump" (an accordion next to the image panel): which pipeline
        made a board's NV12 frame or input tensor, against the current RGB image.
    similarity : SimilarityPanel
        The metrics table, the verdict and, above them, the configuration check's
        findings (``comparison.lint``, the ``nv12-warnings`` area, hidden when empty).
    """

    def __init__(
        self,
        model=None,
        image: np.ndarray | str | Path | None = None,
        config: PreprocessConfig | None = None,
        *,
        samples: Sequence[str | Path] | None = None,
        panels: Sequence[type] | None = None,
        output_kinds: Mapping[str, str] | None = None,
        interpreters: Any = None,
        extra_feeds: Mapping[str, Any] | None = None,
    ):
        config = as_config(config)
        if model is None:
            model, config = demo_model(), config or demo_config()
        self.model = model if isinstance(model, Model) else Model(model)
        self.comparator = Comparator(self.model, extra_feeds=extra_feeds)
        self.extra_feeds = self.comparator.extra_feeds  # checked, as arrays
        self.output_kinds, self.interpreters = output_kinds, interpreters  # the task panel's
        # no config: where the model says to start (gray for a one-channel input)
        config = config or self.model.starting_config()
        self.comparison = None
        self.image: np.ndarray | NV12 | None = None  # RGB, or the raw frame itself
        self.frame: NV12 | None = None  # the raw frame loaded, when the source is one
        self.image_name = ""
        self.image_notes: list[str] = []
        self.last_update_ms = float("nan")
        self._shown_key = None
        self._ready = False
        # One update at a time; changes made while one runs are served by the next run
        # (latest wins): _requested counts changes, _served the changes a run has seen.
        self._lock = threading.RLock()
        self._count_lock = threading.Lock()
        self._requested = 0
        self._served = 0

        self.errors = ErrorArea()
        self.sample_paths = list(samples if samples is not None else demo_image_paths())
        self.initial_config = config
        self._orientation = None  # the demo pages' classifier, loaded when first needed
        # the panels (nv12_widgets.widgets.registry.PANELS), each reachable by its name
        self.panels: dict[str, Panel] = {}
        #: an error line at the top of each panel below the controls (far from the main
        #: error area): what a panel reports shows there too (:meth:`reporter`)
        self.panel_errors: dict[str, ErrorArea] = {}
        for cls in PANELS if panels is None else panels:
            if cls.area == "below":
                self.panel_errors[cls.name] = ErrorArea("nv12-panel-error", hide_empty=True)
            panel = cls.create(self)
            self.panels[cls.name] = panel
            setattr(self, cls.name, panel)
        self.findings = self.findings_panel.findings
        self.identify_box = self.identify.widget
        self.status = W.HTML("")
        self.status.add_class("nv12-status")
        info = self.model.image
        header = W.HTML(
            f"<span class='nv12-title'>NV12 debugger</span> &mdash; model "
            f"<code>{html.escape(self.model.name)}</code>, image input "
            f"<code title='{html.escape(info.dims_tooltip(), quote=True)}'>"
            f"{html.escape(info.describe())}</code>"
        )
        areas = {area: [p.widget for p in self.panels.values() if p.area == area] for area in AREAS}
        # controls on the left, what they change on the right: no scrolling between them
        left = W.VBox(areas["controls"])
        left.add_class("nv12-controls")
        right = W.VBox([*areas["results"], self.status])
        right.add_class("nv12-results")
        top = W.HBox([left, right])  # side by side when they fit, else stacked (CSS)
        top.add_class("nv12-top")
        below = [
            w
            for p in self.panels.values()
            if p.area == "below"
            for w in (self.panel_errors[p.name], p.widget)
        ]
        super().__init__([STYLE, header, self.errors, top, *below])
        self.add_class("nv12-dashboard")
        no_null_tooltips(self)
        self._ready = True
        if image is None:
            # the coffee photo has text on the cup: the demo detector has something to find
            names = list(self.image_panel.samples)
            if "coffee.png" in names:
                self.image_panel.sample.value = "coffee.png"
            if self.image is None:
                self.image_panel.load_sample()
        elif isinstance(image, np.ndarray | NV12):
            self.set_image(image, "image")
        else:
            try:
                source, notes = load_source(image)
            except Exception as exc:  # noqa: BLE001
                # nothing loaded: say so, and name no sample as if it were shown
                self.report_error(f"Loading the image {str(image)!r}", exc)
                self.image_panel.clear_selection()
            else:
                self.set_image(source, Path(image).name, notes)

    def _ipython_display_(self) -> None:
        """Display the dashboard and, after it, :data:`KERNEL_HINT`: a note that stays
        hidden while the dashboard is live and explains a reopened notebook's
        "Error displaying widget: model not found" (the widget's kernel has stopped)."""
        from IPython.display import HTML, display

        display(self._repr_mimebundle_(), raw=True)
        display(HTML(KERNEL_HINT))

    # ------------------------------------------------------------------ state changes
    def report_error(self, what: str, exc: BaseException) -> None:
        """Show an error in the dashboard's error area; the views keep their last state."""
        self.errors.report(what, exc)

    def reporter(self, name: str):
        """The error callback for panel ``name``: the dashboard's error area and, for a
        panel below the controls, the error line at the top of that panel (where the
        user is looking), until the next successful update."""
        local = self.panel_errors.get(name)
        if local is None:
            return self.report_error

        def report(what: str, exc: BaseException) -> None:
            self.report_error(what, exc)
            local.report(what, exc)

        return report

    def set_image(
        self, rgb: np.ndarray | NV12, name: str = "image", notes: Sequence[str] = ()
    ) -> bool:
        """Show a new (H, W, 3) uint8 RGB image or NV12 frame (as if loaded in the image
        panel).

        Returns False when the image is rejected (the error is shown; the dashboard,
        image panel included, keeps showing the previous image).
        """
        with self._lock:
            if self.image_loaded(rgb, name, list(notes)) is False:
                return False
            self.image_panel.show(rgb, name, notes)
            self.image_panel.mark_yours(rgb, name)
            return True

    def image_loaded(self, source: np.ndarray | NV12, name: str, notes: list[str]) -> bool:
        """The image panel's callback: compare ``source``; False (and the previous image
        kept) when it is rejected."""
        frame = source if isinstance(source, NV12) else None
        if frame is not None:
            # A raw camera frame is compared as such: its planes are the device's input
            # (an NV12 frame is immutable: nothing to copy).
            src, hw = frame, (frame.height, frame.width)
        else:
            # The dashboard's own read-only copy: nothing can change it behind our back,
            # and the comparator hashes it once instead of on every slider move.
            src = np.array(source, copy=True)
            src.flags.writeable = False
            hw = src.shape[:2]
        with self._lock:
            previous = self.image, self.frame, self.image_name, self.image_notes
            self.image, self.frame, self.image_name, self.image_notes = src, frame, name, notes
            self._offer_sizes(hw)
            if not self._ready:
                return True
            if not self.refresh(force=True):
                self.image, self.frame, self.image_name, self.image_notes = previous
                return False
            return True

    def identify_source(self) -> np.ndarray | None:
        """The Identify panel's source image: the current RGB image as loaded (None
        for a raw frame: a dump is explained against the RGB it was made from)."""
        if self.image is None or isinstance(self.image, NV12):
            return None
        return self.image

    def _offer_sizes(self, image_hw: tuple[int, int]) -> None:
        """Fill the size control: presets for this image, the default size when the user
        has not chosen one (fixed dimensions kept, dynamic ones from the image)."""
        info = self.model.image if self.model.image_input is not None else None
        if info is None or info.spatial is None:
            return
        fixed = not any(is_dynamic(d) for d in info.spatial)
        note = (
            "the model's input size is fixed"
            if fixed
            else f"{info.describe()}: fixed dimensions kept, dynamic ones from the image's "
            "aspect ratio rounded to multiples of 32 (height x width)"
        )
        options = self.model.size_options(image_hw)  # sizes the model runs at first
        self.preprocess.set_size_choices(options, options[0][1], note, fixed=fixed)

    def settings_changed(self) -> None:
        """Observer of every control: rebuild the config and update what depends on it.

        Safe to call from several threads: updates run one at a time, and a change that
        arrives while one runs is served by a run that starts after it, so the dashboard
        always ends up showing the latest values of its controls (runs made redundant by
        a later one are skipped).
        """
        if not self._ready:
            return
        with self._count_lock:
            self._requested += 1
            mine = self._requested
        with self._lock:
            if self._served >= mine:
                return  # a run that started after this change has shown it already
            with self._count_lock:
                start = self._requested
            self.refresh()
            self._served = max(self._served, start)

    def field_errors(self) -> dict[str, str]:
        """Every panel's rejected fields, ``{label: message}`` (the panel contract's
        ``errors``; a label is prefixed with its panel's name when several panels could
        use it)."""
        rejected = {}
        for panel in self.panels.values():
            for field, message in panel.errors.items():
                label = panel.field_label(field)
                rejected[label if panel is self.preprocess else f"{panel.name}: {label}"] = message
        return rejected

    def current_config(self) -> PreprocessConfig:
        """The config the controls describe (ValueError with a clear message if invalid)."""
        return self.preprocess.config(**self.noise.fields())

    def refresh(self, force: bool = False) -> bool:
        """Recompute and redraw; returns False (and shows the error) when it failed.

        Everything a change needs is computed first (comparison, planes, heatmaps,
        snippets, metrics); only when all of it succeeded is anything drawn, so a failure
        leaves every panel showing the last good state.
        """
        with self._lock:
            return self._refresh(force)

    def _refresh(self, force: bool) -> bool:
        if self.image is None:
            return False
        t0 = time.perf_counter()
        try:
            config = self.current_config()
        except FieldErrors:  # each field is marked in its panel; all are listed below
            config = None
        rejected = self.field_errors()
        if rejected or config is None:
            self.report_error("Reading the settings", FieldErrors(rejected))
            self._stale()
            return False
        try:
            options = self.compare_options()
            cmp = self.comparator.compare(self.image, config, **options)
            _ = cmp.evidence.metrics  # judged here: what fails to judge is an update error
        except Exception as exc:  # noqa: BLE001 - shown, never lost
            self.report_error("Updating", exc)
            self._stale()
            return False
        try:
            key = (id(self.image), config.replace(**_display_noise()), repr(options))
            state = DashboardState(
                cmp, config, self.image_name, changed=force or key != self._shown_key
            )
            prepared = [(panel, panel.prepare(state)) for panel in self.panels.values()]
        except Exception as exc:  # noqa: BLE001
            self.report_error("Drawing", exc)
            return False
        # All computed: draw it all (assignments only).
        for panel, data in prepared:
            panel.draw(data)
        self._shown_key = key
        self.comparison = cmp
        self.errors.clear()
        for local in self.panel_errors.values():
            local.clear()
        self.last_update_ms = (time.perf_counter() - t0) * 1e3
        self.status.value = (
            f"<span class='nv12-caption'>updated in {self.last_update_ms:.0f} ms "
            f"({cmp.inferences} inference{'s' if cmp.inferences != 1 else ''}); model input "
            f"{cmp.size[0]} x {cmp.size[1]} (height x width) {cmp.layout}</span>"
        )
        return True

    @property
    def snippets(self) -> dict[str, str]:
        """The vendor snippets shown in the Preprocessing panel, as text."""
        return self.preprocess.snippet_texts

    def _stale(self) -> None:
        """Say, next to the numbers, that they are those of the last good settings."""
        if self.comparison is not None:
            self.status.value = (
                "<span class='nv12-stale'>Not updated: the numbers above are those of the "
                "last good settings (see the error above and the marked fields).</span>"
            )

    # --------------------------------------------------------------------- findings
    def snapshot(self) -> dict:
        """The current state as ``Findings.record`` keyword arguments (without the note):
        the comparison's fields plus what every panel records."""
        cmp = self.comparison
        if cmp is None:
            raise ValueError("nothing to record yet: load an image first.")
        charts, context = {}, {}
        for panel in self.panels.values():
            record = panel.record()
            charts.update(record.charts)
            context.update(record.context)
        fields = finding_fields(
            cmp,
            image_name=self.image_name,
            image_size=(
                (self.frame.height, self.frame.width)
                if self.frame is not None
                else self.image.shape[:2]
            ),
            loading_notes=self.image_notes,
            charts=charts,
            context=context,
        )
        fields.pop("note")  # the Findings panel adds the user's note
        return fields

    def record(self, note: str = "", title: str = "") -> None:
        """Record the current state as a finding (what the Record button does)."""
        self.findings_panel.note.value = note
        self.findings_panel.title.value = title
        self.findings_panel.record_finding()

    def compare_options(self) -> dict:
        """The Task panel's selection (``output_kinds`` / ``interpreters``) as the
        keywords of ``compare``, ``sweep`` and ``evaluate`` ({} without the panel)."""
        return self.tasks.compare_options() if "tasks" in self.panels else {}

    # ------------------------------------------------------------------------ sweep
    def run_sweep(self, progress, cancel):
        """The Sweep panel's run: noise amplitudes and common variants of the current
        config on the current image, read with the Task panel's selection."""
        from nv12_widgets.model.workflows.sweep import common_variants, sweep

        config = self.current_config()
        return sweep(
            self.model,
            [self.image],
            config,
            variants=common_variants(config),
            progress=progress,
            cancel=cancel,
            extra_feeds=self.extra_feeds or None,
            **self.compare_options(),
        )

    # ---------------------------------------------------------------------- dataset
    def run_dataset(self, folder: str, labels, demo: bool, progress, cancel, **options):
        """The Dataset panel's run: the demo pages with the orientation classifier and
        its config (unless the dashboard's model is that classifier), any other folder
        with the dashboard's model and current config; ``options``: more ``evaluate``
        keywords (results file, board outputs). The dashboard's model is read with the
        Task panel's selection. Returns (result, model name)."""
        from nv12_widgets.model.workflows.dataset import evaluate

        model, config = self.model, self.current_config()
        options = {**self.compare_options(), **options}
        if demo:
            if self._orientation is None:
                self._orientation = demo_model("orientation")
            if self._orientation.digest != self.model.digest:
                model, config = self._orientation, demo_config("orientation")
                options.pop("output_kinds", None)  # names the dashboard model's outputs
                options.pop("interpreters", None)
            elif self.extra_feeds:  # the dashboard's own model: its side inputs too
                options["extra_feeds"] = self.extra_feeds
        elif self.extra_feeds:
            options["extra_feeds"] = self.extra_feeds
        result = evaluate(
            model, folder, config, labels=labels, progress=progress, cancel=cancel, **options
        )
        return result, model.name


def as_config(config) -> PreprocessConfig | None:
    """A :class:`PreprocessConfig` from what ``NV12Debugger(config=...)`` accepts: a
    config, a dict of fields, a JSON file path (the CLI's ``--config``), or None.

    Examples
    --------
    >>> as_config({"train_format": "bgr", "mean": [0.5]}).mean
    (0.5,)
    >>> as_config(None) is None
    True
    """
    if config is None or isinstance(config, PreprocessConfig):
        return config
    if isinstance(config, Mapping):
        return PreprocessConfig.from_dict(config)
    if isinstance(config, str | Path):
        path = Path(config).expanduser()
        if not path.is_file():
            raise InputError(
                f"config: no JSON file at {str(path)!r}; give a PreprocessConfig, a dict of "
                "its fields or the path of a JSON file written by PreprocessConfig.to_json()."
            )
        return PreprocessConfig.from_json(read_file(path, kind="json", what="config file"))
    raise InputError(
        f"config must be a PreprocessConfig, a dict or a JSON file path, got "
        f"{type(config).__name__}."
    )


def _display_noise() -> dict:
    """Noise fields set to fixed values: what the planes do not depend on."""
    return {"noise_amplitude": 0.0, "noise_kind": "uniform", "noise_seed": 0}
