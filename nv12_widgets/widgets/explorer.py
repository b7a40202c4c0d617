"""Google's Model Explorer embedded in the notebook, offline, with the drift overlays.

:func:`open_model_explorer` writes the node data of a
:class:`~nv12_widgets.model.DriftByCause` (or takes node-data JSON files already written),
starts Model Explorer's own server (``python -m model_explorer``, the
``ai-edge-model-explorer`` package, with the ``model_explorer_onnx`` adapter extension) as
a subprocess on a free ``127.0.0.1`` port, waits until it answers its ``/check_health``
route, and returns an ``<iframe>`` of the URL the server prints: that URL carries Model
Explorer's own config (``?data=`` with ``models``, ``nodeData`` and ``nodeDataTargets``,
``model_explorer/config.py`` ``ModelExplorerConfig.to_url_param_value`` in
ai-edge-model-explorer 0.1.34), so the graph opens with every overlay loaded in its
"node data providers" panel. The web app is bundled in the wheel: nothing is fetched from
the network.

The server is stopped by :meth:`ModelExplorerServer.stop` (the frame's ``.server``), by
:func:`stop_all`, or at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from IPython.display import IFrame

from nv12_widgets.core import InputError

__all__ = [
    "ExplorerFrame",
    "ModelExplorerServer",
    "open_model_explorer",
    "stop_all",
]

#: The pip extra that installs Model Explorer and its ONNX adapter.
INSTALL_HINT = "pip install 'nv12_widgets[explorer]' (ai-edge-model-explorer, model-explorer-onnx)"

#: The line Model Explorer's server prints before the URL (model_explorer/server.py).
_URL_RE = re.compile(r"(http://[^\s]+)")

_RUNNING: list[ModelExplorerServer] = []
_LOCK = threading.Lock()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _check_installed() -> None:
    missing = [m for m in ("model_explorer", "model_explorer_onnx") if not _has_module(m)]
    if missing:
        raise InputError(
            f"Model Explorer is not installed (missing module {', '.join(missing)}): {INSTALL_HINT}."
        )


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@dataclass
class ModelExplorerServer:
    """A running Model Explorer server (a subprocess of this kernel).

    ``url`` is the page with the model and the node data preselected; ``node_data_paths``
    the overlay files it loads; ``log_path`` the server's output.
    """

    url: str
    port: int
    model_path: Path
    node_data_paths: list[Path]
    log_path: Path
    proc: subprocess.Popen = field(repr=False)

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def config(self) -> dict[str, Any]:
        """The config encoded in the URL's ``data=`` parameter (models, node data)."""
        query = urllib.parse.urlsplit(self.url).query
        data = urllib.parse.parse_qs(query).get("data", ["{}"])[0]
        return json.loads(data)

    def iframe(self, width: str | int = "100%", height: int = 640) -> ExplorerFrame:
        """An ``<iframe>`` of :attr:`url` for the notebook."""
        return ExplorerFrame(self, width=width, height=height)

    def stop(self) -> None:
        """Terminate the server (and anything it started in its own session)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # start_new_session: our group only
        with _LOCK:
            if self in _RUNNING:
                _RUNNING.remove(self)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no log: {exc})"


class ExplorerFrame(IFrame):
    """The notebook's view of a :class:`ModelExplorerServer`: an ``<iframe>`` with the
    server at ``.server`` (``frame.server.stop()`` ends it)."""

    def __init__(self, server: ModelExplorerServer, width: str | int = "100%", height: int = 640):
        super().__init__(server.url, width=width, height=height)
        self.server = server

    def _repr_html_(self) -> str:
        # the class lets a page (and the browser test) find the frame
        return super()._repr_html_().replace("<iframe", '<iframe class="nv12-model-explorer"', 1)

    def stop(self) -> None:
        self.server.stop()


def stop_all() -> None:
    """Stop every Model Explorer server this process started (also run at exit)."""
    with _LOCK:
        servers = list(_RUNNING)
    for server in servers:
        server.stop()


atexit.register(stop_all)


def _node_data_files(drift_or_paths: Any, folder: Path | None) -> list[Path]:
    if hasattr(drift_or_paths, "save_model_explorer"):
        if folder is None:
            from nv12_widgets.report import output_dir

            folder = Path(tempfile.mkdtemp(prefix="model-explorer-", dir=output_dir()))
        return [Path(p) for p in drift_or_paths.save_model_explorer(folder)]
    if isinstance(drift_or_paths, str | os.PathLike):
        drift_or_paths = [drift_or_paths]
    if not isinstance(drift_or_paths, Sequence) or not drift_or_paths:
        raise InputError(
            "pass a DriftByCause (drift_by_cause(...)) or a list of node-data JSON paths, got "
            f"{type(drift_or_paths).__name__}."
        )
    paths = [Path(p).expanduser().absolute() for p in drift_or_paths]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise InputError(f"node-data files not found: {missing}.")
    for p in paths:
        try:
            json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{p} is not a node-data JSON file: {exc}.") from exc
    return paths


def _wait_until_up(server: ModelExplorerServer, timeout: float) -> str:
    """Poll the log for the URL and ``/check_health`` for the answer; the URL."""
    deadline = time.monotonic() + timeout
    url = ""
    while True:
        if server.proc.poll() is not None:
            raise InputError(
                f"Model Explorer exited with code {server.proc.returncode} before answering:\n"
                f"{server.log_tail()}"
            )
        if not url:
            with contextlib.suppress(OSError):
                text = server.log_path.read_text(errors="replace")
                if "Starting Model Explorer server at:" in text:
                    tail = text.split("Starting Model Explorer server at:", 1)[1]
                    found = _URL_RE.search(tail)
                    url = found.group(1) if found else ""
        if url:
            try:
                health = f"http://127.0.0.1:{server.port}/check_health"
                with urllib.request.urlopen(health, timeout=3) as r:
                    if r.read().decode(errors="replace").strip() == "model_explorer_ok":
                        return url
            except (urllib.error.URLError, OSError):
                pass
        if time.monotonic() > deadline:
            raise InputError(
                f"Model Explorer did not answer within {timeout:.0f} s:\n{server.log_tail()}"
            )
        time.sleep(0.25)


def start_model_explorer(
    model_path: Any,
    drift_or_node_data_paths: Any,
    *,
    port: int | None = None,
    folder: Any = None,
    timeout: float = 60.0,
) -> ModelExplorerServer:
    """Start Model Explorer on ``model_path`` with the node data; return the server.

    See :func:`open_model_explorer` (which wraps the result in an iframe).
    """
    _check_installed()
    model = Path(model_path).expanduser().absolute()
    if not model.is_file():
        raise InputError(f"model file not found: {model}.")
    if not (isinstance(timeout, int | float) and timeout > 0):
        raise InputError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    paths = _node_data_files(drift_or_node_data_paths, Path(folder) if folder else None)
    port = _free_port() if port is None else int(port)
    fd, log_name = tempfile.mkstemp(prefix="model-explorer-", suffix=".log")
    os.close(fd)
    log_path = Path(log_name)
    argv = [
        sys.executable,
        "-m",
        "model_explorer",
        str(model),
        "--node_data_paths=" + ",".join(str(p) for p in paths),
        "--host=127.0.0.1",
        f"--port={port}",
        "--no_open_in_browser",
        "--skip_health_check",
        "--extensions=model_explorer_onnx",
    ]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    server = ModelExplorerServer("", port, model, paths, log_path, proc)
    with _LOCK:
        _RUNNING.append(server)
    try:
        server.url = _wait_until_up(server, float(timeout))
    except BaseException:
        server.stop()
        raise
    return server


def open_model_explorer(
    model_path: Any,
    drift_or_node_data_paths: Any,
    *,
    port: int | None = None,
    folder: Any = None,
    height: int = 640,
    timeout: float = 60.0,
) -> ExplorerFrame:
    """Model Explorer on ``model_path`` with the drift overlays, embedded in the notebook.

    Parameters
    ----------
    model_path : path
        The ONNX model (the one the drift was measured on).
    drift_or_node_data_paths : DriftByCause or list of paths
        A :func:`~nv12_widgets.model.drift_by_cause` result (its overlays are written into
        ``folder``, default a new folder under the export folder
        :func:`nv12_widgets.report.output_dir`) or node-data JSON files already written
        (``nv12-widgets layers`` writes them).
    port : int, optional
        The port (default: a free one on 127.0.0.1).
    height : int
        The iframe's height in pixels.
    timeout : float
        Seconds to wait for the server to answer.

    Returns
    -------
    ExplorerFrame
        An ``IPython.display.IFrame`` of the page; ``.server`` is the running server
        (``.stop()``).

    Examples
    --------
    >>> frame = open_model_explorer("det.onnx", drift_by_cause(m, cmp))   # doctest: +SKIP
    >>> frame                                  # shows the graph with the overlays  # doctest: +SKIP
    >>> frame.stop()                                                        # doctest: +SKIP
    """
    server = start_model_explorer(
        model_path, drift_or_node_data_paths, port=port, folder=folder, timeout=timeout
    )
    return server.iframe(height=height)
