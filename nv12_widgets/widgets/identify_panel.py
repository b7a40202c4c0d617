"""A panel that loads a board dump next to the image and names the pipeline behind it.

No maths here: the dump is read with :func:`nv12_widgets.model.workflows.identify.load_dump` and
explained by :func:`nv12_widgets.model.workflows.identify.identify_pipeline`; the panel only
collects the inputs and renders the result as an HTML table.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as W
import numpy as np

from nv12_widgets.core import RAW_EXTENSIONS, InputError
from nv12_widgets.model.workflows.identify import Identification, identify_pipeline, load_dump
from nv12_widgets.views import identify_view, render

from .panel import Panel

__all__ = ["IdentifyPanel", "identification_html"]


def identification_html(result: Identification) -> str:
    """The result as HTML: the verdict, then one table row per explanation
    (:func:`nv12_widgets.views.identify_view`, the shared macros)."""
    return render("identify_result", identify_view(result))


class IdentifyPanel(Panel, W.VBox):
    """Load what the board produced (tensor dump or NV12 frame) and identify its pipeline.

    Parameters
    ----------
    image : numpy.ndarray or callable or None
        The source (H, W, 3) uint8 RGB image, or a function returning the current one
        (the dashboard passes its image panel's getter). ``set_image`` changes it.
    top : int
        Runners-up shown.

    Attributes
    ----------
    path, upload, width, height, button, result, error
        The widgets; ``last`` is the last :class:`Identification` (or None).
    """

    name, area = "identify", "controls"

    @classmethod
    def create(cls, dashboard) -> IdentifyPanel:
        """In a dashboard: against its current RGB image, folded in an accordion."""
        panel = cls(dashboard.identify_source)
        panel.add_class("nv12-identify")
        panel.box = W.Accordion([panel], titles=("Identify a board dump",))
        return panel

    @property
    def widget(self) -> W.Widget:
        """The accordion holding the panel in a dashboard, else the panel."""
        return self if self.box is None else self.box

    def __init__(
        self, image: np.ndarray | Callable[[], np.ndarray] | None = None, *, top: int = 5
    ) -> None:
        self._image = image
        self.top = top
        self.box: W.Accordion | None = None
        self.last: Identification | None = None
        self.path = W.Text(
            placeholder="board dump: .npy, .bin + .json sidecar, .nv12 ...",
            description="dump path",
            layout=W.Layout(width="420px"),
        )
        self.upload = W.FileUpload(accept=",".join((".npy", *RAW_EXTENSIONS)), multiple=False)
        self.width = W.IntText(value=0, description="raw width", layout=W.Layout(width="160px"))
        self.height = W.IntText(value=0, description="raw height", layout=W.Layout(width="160px"))
        self.button = W.Button(description="Identify", button_style="primary", icon="search")
        self.result = W.HTML("")
        self.error = W.HTML("")
        self.button.on_click(lambda _: self.run())
        super().__init__(
            [
                W.HTML("<b>Which pipeline made this dump?</b>"),
                W.HBox([self.path, self.upload]),
                W.HBox([self.width, self.height, self.button]),
                self.error,
                self.result,
            ]
        )

    def set_image(self, image: np.ndarray | Callable[[], np.ndarray]) -> None:
        """Set the source image (array or getter)."""
        self._image = image

    def _current_image(self) -> np.ndarray:
        image = self._image() if callable(self._image) else self._image
        if image is None:
            raise InputError("no source image: load the image the dump was made from first.")
        return image

    def _dump(self):
        size = {}
        if self.width.value or self.height.value:
            size = {"width": self.width.value or None, "height": self.height.value or None}
        files = self.upload.value
        if files:
            item = files[0] if isinstance(files, list | tuple) else next(iter(files.values()))
            return load_dump(bytes(item["content"]), name=item.get("name"), **size)
        if not self.path.value.strip():
            raise InputError("give the dump's path or upload it.")
        return load_dump(self.path.value.strip(), **size)

    def run(self) -> Identification | None:
        """Identify now (the button's action); errors are shown in the panel."""
        self.error.value = ""
        try:
            result = identify_pipeline(self._current_image(), self._dump(), top=self.top)
        except InputError as exc:
            self.error.value = f'<div class="nv12-error-box">{html.escape(str(exc))}</div>'
            self.result.value = ""
            return None
        self.last = result
        self.result.value = identification_html(result)
        return result
