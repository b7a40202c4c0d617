"""The Findings panel: a note, Record, the list of findings, Export to one offline HTML file."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import ipywidgets as W

from nv12_widgets.report import Finding, Findings, next_free_path, output_dir

from .panel import Panel

#: The export's file name, numbered (``nv12_report-1.html``...) when it exists.
DEFAULT_REPORT_NAME = "nv12_report.html"
#: Notes longer than this are shown folded in the findings list (click to expand).
NOTE_PREVIEW_CHARS = 80


class FindingsPanel(Panel, W.VBox):
    """Record snapshots of the dashboard and export them as one offline HTML file.

    A relative file name is written into the export folder
    (:func:`nv12_widgets.report.output_dir`, named in the panel); an absolute one where
    it says.

    ``snapshot()`` (given by the dashboard) returns the keyword arguments of
    :meth:`nv12_widgets.report.Findings.record` for the current state.
    """

    name, area = "findings_panel", "below"

    @classmethod
    def create(cls, dashboard) -> FindingsPanel:
        return cls(dashboard.snapshot, dashboard.reporter(cls.name))

    def __init__(
        self, snapshot: Callable[[], dict], on_error: Callable, findings: Findings | None = None
    ):
        self.findings = findings if findings is not None else Findings()
        self._snapshot, self._on_error = snapshot, on_error
        self.note = W.Textarea(
            placeholder="What did you see? e.g. 'studio swing decoded as full: cosine drops to 0.99'",
            layout=W.Layout(width="60%", height="60px"),
        )
        self.title = W.Text(placeholder="title (optional)", description="Title")
        self.record_button = W.Button(
            description="Record finding", icon="bookmark", button_style="primary"
        )
        self.record_button.add_class("nv12-record")
        self.listing = W.HTML("<i>No findings recorded yet.</i>")
        self.listing.add_class("nv12-findings")
        # the first free name from the start: an export of an earlier session is never in
        # the way, and never overwritten silently
        self.filename = W.Text(value=self.free_name(), description="File")
        self.filename.layout.width = "340px"  # room for a numbered name
        self.filename.add_class("nv12-export-name")
        self.folder = W.HTML(
            "<span class='nv12-caption'>exports go to <code>"
            f"{html.escape(str(output_dir(create=False)))}</code></span>"
        )
        self.folder.add_class("nv12-export-folder")
        self.overwrite = W.Checkbox(value=False, description="overwrite", indent=False)
        self.export = W.Button(description="Export HTML", icon="download")
        self.export.add_class("nv12-export")
        self.status = W.HTML("")
        self.status.add_class("nv12-export-status")
        self.last_export: Path | None = None
        self.record_button.on_click(lambda _: self.record_finding())
        self.export.on_click(lambda _: self.export_html())
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Findings</span>"),
                W.HBox([self.note, W.VBox([self.title, self.record_button])]),
                self.listing,
                W.HBox([self.filename, self.overwrite, self.export]),
                self.folder,
                self.status,
            ]
        )

    @staticmethod
    def free_name(name: str = DEFAULT_REPORT_NAME) -> str:
        """``name``, or the first free ``stem-N.html``, in the export folder."""
        return next_free_path(output_dir(create=False) / name).name

    def record_finding(self) -> None:
        try:
            fields = self._snapshot()
            title = (
                self.title.value.strip()
                or fields.pop("title", None)
                or f"Finding {len(self.findings) + 1}"
            )
            fields.pop("title", None)
            finding = self.findings.record(title=title, note=self.note.value, **fields)
        except Exception as exc:  # noqa: BLE001
            self._on_error("Recording the finding", exc)
            return
        self.note.value = ""
        self.title.value = ""
        self._list()
        self.status.value = f"Recorded <b>{html.escape(finding.title)}</b>."

    def record_entry(self, **fields) -> Finding | None:
        """Record a finding from ready-made fields (another panel's entry, e.g. the drift
        panel's :func:`~nv12_widgets.model.workflows.drift.drift_fields`), with the note typed
        here; list it. None (and the error shown) when the fields do not validate."""
        try:
            finding = self.findings.record(note=self.note.value, **fields)
        except Exception as exc:  # noqa: BLE001
            self._on_error("Recording the finding", exc)
            return None
        self.note.value = ""
        self._list()
        self.status.value = f"Recorded <b>{html.escape(finding.title)}</b>."
        return finding

    def _list(self) -> None:
        items = "".join(_finding_item(f) for f in self.findings)
        self.listing.value = f"<ol>{items}</ol>" if items else "<i>No findings recorded yet.</i>"

    def export_html(self) -> Path | None:
        name = self.filename.value.strip()
        if not name:
            self._on_error("Exporting", ValueError("type a file name ending in .html first."))
            return None
        path = Path(name).expanduser()
        if path.suffix.lower() not in (".html", ".htm"):
            path = path.with_suffix(".html")
        try:
            if not path.is_absolute():
                path = output_dir() / path
            written = self.findings.export_html(path, overwrite=self.overwrite.value)
        except FileExistsError:  # numbered on: report-1.html is followed by report-2.html
            free = next_free_path(path.with_name(re.sub(r"-\d+$", "", path.stem) + path.suffix))
            self.filename.value = free.name if not Path(name).is_absolute() else str(free)
            self.status.value = (
                f"<b>{html.escape(str(path))}</b> already exists and was left untouched. "
                f"The name is now <b>{html.escape(str(free))}</b>: click Export again, or tick "
                "'overwrite' to replace the old file."
            )
            return None
        except Exception as exc:  # noqa: BLE001
            self._on_error("Exporting", exc)
            return None
        self.last_export = written
        self.status.value = (
            f"Exported {len(self.findings)} finding(s) to <b>{html.escape(str(written))}</b> "
            "(one self-contained file, opens offline)."
        )
        return written


def _finding_item(f) -> str:
    """One finding as a list item: title and time; the note in full, folded when long
    (a <details> the reader opens with a click)."""
    head = (
        f"<b>{html.escape(f.title)}</b> <span class='nv12-caption'>{f.created:%H:%M:%S} UTC</span>"
    )
    note = f.note or ""
    if len(note) <= NOTE_PREVIEW_CHARS and "\n" not in note:
        return f"<li>{head}{': ' + html.escape(note) if note else ''}</li>"
    preview = html.escape(note.splitlines()[0][:NOTE_PREVIEW_CHARS].rstrip()) + "&hellip;"
    return (
        f"<li><details class='nv12-note'><summary>{head}: {preview}</summary>"
        f"<div class='nv12-note-text'>{html.escape(note)}</div></details></li>"
    )
