"""A panel that writes the probe frames and reads back what the board made of them.

No maths here: the frames are written by :func:`nv12_widgets.model.workflows.probe.probe_make`,
the board's outputs read by :func:`~nv12_widgets.model.workflows.probe.load_probe_output` and
solved by :func:`~nv12_widgets.model.workflows.probe.probe_read`; the panel collects the inputs
and shows the reading's own summary and snippets (escaped).
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as W

from nv12_widgets.core import InputError
from nv12_widgets.model.workflows.probe import (
    ProbeReading,
    load_probe_output,
    probe_make,
    probe_read,
)

__all__ = ["ProbePanel"]


class ProbePanel(W.VBox):
    """Probe frames: write them (model size), then read the board's outputs.

    Parameters
    ----------
    folder : str or pathlib.Path
        Where "Write probe frames" writes (the export folder's ``probe`` in the dashboard).

    Attributes
    ----------
    height, width, write_button, written
        Writing the frames at the model size.
    path, upload, read_button, summary, snippet, snippet_text, error
        Reading: a folder of outputs named after the frames, or uploaded files.
    last : ProbeReading or None
    """

    def __init__(self, folder: str | Path = "probe") -> None:
        self.folder = Path(folder)
        self.last: ProbeReading | None = None
        self.height = W.IntText(value=320, description="model H", layout=W.Layout(width="150px"))
        self.width = W.IntText(value=320, description="model W", layout=W.Layout(width="150px"))
        self.write_button = W.Button(description="Write probe frames", icon="download")
        self.written = W.HTML("")
        self.path = W.Text(
            placeholder="folder of the board's outputs (probe_<design>_<W>x<H>.png / .npy / .nv12)",
            description="outputs",
            layout=W.Layout(width="520px"),
        )
        self.upload = W.FileUpload(accept=".png,.bmp,.npy,.nv12,.yuv", multiple=True)
        self.read_button = W.Button(description="Read the board", button_style="primary", icon="search")  # fmt: skip
        self.summary = W.HTML("")
        self.snippet = W.Dropdown(options=[], description="snippet")
        self.snippet_text = W.HTML("")
        self.error = W.HTML("")
        self.write_button.on_click(lambda _: self.write())
        self.read_button.on_click(lambda _: self.read())
        self.snippet.observe(lambda _: self._show_snippet(), names="value")
        super().__init__(
            [
                W.HTML("<b>Probe frames: which conversion does the board apply?</b>"),
                W.HBox([self.height, self.width, self.write_button]),
                self.written,
                W.HBox([self.path, self.upload, self.read_button]),
                self.error,
                self.summary,
                self.snippet,
                self.snippet_text,
            ]
        )

    def _fail(self, exc: Exception) -> None:
        self.error.value = f'<div class="nv12-error-box">{html.escape(str(exc))}</div>'

    def write(self) -> list | None:
        """Write the probe frames at the model size (the button's action)."""
        self.error.value = ""
        try:
            rows = probe_make(
                self.folder, model_size=(self.height.value, self.width.value), sizes=(), overwrite=True
            )  # fmt: skip
        except InputError as exc:
            self._fail(exc)
            return None
        names = ", ".join(html.escape(r["nv12"].name) for r in rows)
        self.written.value = f"<div>wrote to {html.escape(str(self.folder))}: {names} (+ .json, .png)</div>"  # fmt: skip
        return rows

    def _outputs(self):
        files = self.upload.value
        if files:
            items = files if isinstance(files, list | tuple) else list(files.values())
            return {f["name"]: load_probe_output(bytes(f["content"]), f["name"]) for f in items}
        if not self.path.value.strip():
            raise InputError("give the folder of the board's outputs, or upload them.")
        return self.path.value.strip()

    def read(self) -> ProbeReading | None:
        """Solve the board's conversion (the button's action); errors shown in the panel."""
        self.error.value = ""
        try:
            reading = probe_read(self._outputs())
        except InputError as exc:
            self._fail(exc)
            self.summary.value = ""
            return None
        self.last = reading
        cls = "good" if reading.exact else "fair"
        self.summary.value = f'<pre class="nv12-verdict {cls}">{html.escape(reading.summary())}</pre>'  # fmt: skip
        self.snippet.options = list(reading.snippets)
        self._show_snippet()
        return reading

    def _show_snippet(self) -> None:
        if self.last is None or self.snippet.value not in self.last.snippets:
            self.snippet_text.value = ""
            return
        self.snippet_text.value = f"<pre>{html.escape(self.last.snippets[self.snippet.value])}</pre>"  # fmt: skip
