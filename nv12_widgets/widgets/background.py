"""One background job driven by a start button, a Cancel button and a progress bar
(shared by the Sweep, Dataset and Drift panels)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import ipywidgets as W

__all__ = ["BackgroundJob"]


class BackgroundJob:
    """A start button, a Cancel button and a progress bar driving one job at a time.

    ``work(progress, cancel)`` does the job: ``progress(done, total)`` moves the bar,
    ``cancel`` is a ``threading.Event`` set by the Cancel button; it handles its own
    errors. :meth:`run` runs it in a thread (the buttons) or in the caller's thread
    (scripts, tests); the buttons are re-enabled when it ends, however it ends. Shared by
    the sweep and dataset panels.
    """

    def __init__(self, work: Callable, label: str, icon: str, bar: str):
        self._work = work
        self.start = W.Button(description=label, icon=icon)
        self.cancel = W.Button(description="Cancel", icon="stop", disabled=True)
        self.progress = W.IntProgress(value=0, min=0, max=1, description=bar)
        self.cancel_event = threading.Event()
        self._thread: threading.Thread | None = None
        self.controls = W.HBox([self.start, self.cancel, self.progress])
        self.start.on_click(lambda _: self.run(background=True))
        self.cancel.on_click(lambda _: self.cancel_event.set())

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def report(self, done: int, total: int) -> None:
        """The ``progress`` callback: ``done`` of ``total`` items finished."""
        self.progress.max = max(1, total)
        self.progress.value = done

    def run(self, background: bool = False) -> bool:
        """Start the job (False when one is running already)."""
        if self.busy:
            return False
        self.cancel_event.clear()
        self.progress.value = 0
        self.start.disabled, self.cancel.disabled = True, False
        if background:
            self._thread = threading.Thread(target=self._body, daemon=True)
            self._thread.start()
        else:
            self._body()
        return True

    def _body(self) -> None:
        try:
            self._work(self.report, self.cancel_event)
        finally:
            self.start.disabled, self.cancel.disabled = False, True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background run to end."""
        if self._thread is not None:
            self._thread.join(timeout)
