"""Shared pieces of the browser tests: Debian's chromium driven by Playwright, and a
helper that starts a Jupyter-family server (JupyterLab or Voila) on a free localhost
port with a random token.

Recipe: ``../shared/E2E.md``. Never ``playwright install``: we launch the system
``chromium`` and skip, with the reason, where it is absent.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts"

#: Flags that keep chromium from hanging on a closed network (E2E.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--disable-default-apps",
]

#: Bounded waits (ms). The first run loads onnxruntime and the model on 2 busy cores.
PAGE_TIMEOUT_MS = 60_000
KERNEL_TIMEOUT_MS = 90_000
DASHBOARD_TIMEOUT_MS = 120_000
UPDATE_TIMEOUT_MS = 30_000
SERVER_START_S = 60.0

# The kernel only needs 1 thread; avoid oversubscribing the 2 CI cores.
_QUIET_ENV = {
    "PYTHONUNBUFFERED": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def _skip_reason() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright Python package is not importable ({exc}); pip install -e '.[dev]'"
    if shutil.which("chromium") is None:
        if os.environ.get("CI", "").lower() == "true":
            return (
                "CI=true but Debian's chromium is not on PATH: .ci/run should have installed it "
                "(apt-get install chromium); check its log"
            )
        return "Debian's chromium is not on PATH (apt-get install chromium); never `playwright install`"
    return None


# ----------------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def browser_available() -> None:
    """Skip (with the reason) where chromium or playwright is missing; server fixtures
    ask for this first so that nothing is started for a test that will be skipped."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(browser_available):
    """One headless chromium for the whole session (only one sync_playwright per process)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


# ------------------------------------------------------------------------------ server
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running server process: its URL, token, working dir and log."""

    name: str
    url: str
    token: str
    root: Path
    log_path: Path
    proc: subprocess.Popen
    _log_file: object = field(repr=False, default=None)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate the server, then anything it left in its own session (kernels)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        # start_new_session=True: the group id is the server's pid, so only our processes
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()


def jupyter_env(base: Path) -> dict[str, str]:
    """Environment isolated from the user's Jupyter config, with the news toast off."""
    config, runtime = base / "jupyter-config", base / "jupyter-runtime"
    settings = config / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    runtime.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True})
    )
    env = dict(os.environ)
    env.update(_QUIET_ENV)
    env["JUPYTER_CONFIG_DIR"] = str(config)
    env["JUPYTER_RUNTIME_DIR"] = str(runtime)
    env["JUPYTER_DATA_DIR"] = str(base / "jupyter-data")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(base / "lab-workspaces")
    return env


def start_server(name: str, args: list[str], base: Path, root: Path, probe: str) -> Server:
    """Start ``python -m <args>`` with a free port and a token; wait for any HTTP answer.

    ``args`` may contain ``{port}`` and ``{token}``; ``probe`` is the path polled
    (any HTTP status, even 403, means the server is up).
    """
    port, token = free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", *(a.format(port=port, token=token) for a in args)]
    log_path = base / f"{name}.log"
    log_file = open(log_path, "w")  # noqa: SIM115 - closed by Server.stop
    proc = subprocess.Popen(
        argv,
        cwd=root,
        env=jupyter_env(base),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(name, f"http://127.0.0.1:{port}", token, root, log_path, proc, log_file)
    deadline = time.monotonic() + SERVER_START_S
    probe_url = f"{server.url}{probe}{'&' if '?' in probe else '?'}token={token}"
    while True:
        if proc.poll() is not None:
            server.stop()
            pytest.fail(
                f"{name} exited with code {proc.returncode} before answering.\n"
                f"command: {' '.join(argv)}\n--- log tail ---\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(probe_url, timeout=5):
                break
        except urllib.error.HTTPError:
            break  # an HTTP answer of any kind: the server is up
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            pytest.fail(
                f"{name} did not answer {probe} within {SERVER_START_S:.0f} s.\n"
                f"--- log tail ---\n{server.log_tail()}"
            )
        time.sleep(0.3)
    return server


def copy_notebooks(dest: Path) -> Path:
    """A scratch copy of notebooks/ (Lab marks opened notebooks dirty; exports land here)."""
    shutil.copytree(NOTEBOOKS, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


# ------------------------------------------------------------------------ the lab server
@pytest.fixture(scope="session")
def lab_server(browser_available, tmp_path_factory):
    """One JupyterLab for the whole session, on a scratch copy of notebooks/."""
    base = tmp_path_factory.mktemp("lab")
    root = copy_notebooks(base / "notebooks")
    server = start_server(
        "jupyterlab",
        [
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            "--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.token={token}",
            f"--ServerApp.root_dir={root}",
            # window.jupyterapp: the layout tests switch theme and open the file browser
            "--LabApp.expose_app_in_browser=True",
        ],
        base,
        root,
        probe="/api/status",
    )
    try:
        yield server
    finally:
        server.stop()


# ------------------------------------------------------------------------- diagnostics
@contextlib.contextmanager
def diagnose(page, server: Server, test_name: str) -> Iterator[None]:
    """On failure: save a screenshot and the server log under test-artifacts/, and
    re-raise as an AssertionError carrying the server log tail."""
    try:
        yield
    except Exception as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"{test_name}.png"
        saved = [str(shot)]
        try:
            page.screenshot(path=str(shot), full_page=True, timeout=15_000)
        except Exception as shot_exc:  # noqa: BLE001 - diagnostics must not mask the failure
            saved = [f"(screenshot failed: {shot_exc})"]
        with contextlib.suppress(OSError):
            log_copy = ARTIFACTS / f"{test_name}.{server.name}.log"
            shutil.copyfile(server.log_path, log_copy)
            saved.append(str(log_copy))
        raise AssertionError(
            f"{type(exc).__name__}: {exc}\n"
            f"artifacts: {', '.join(saved)}\n"
            f"--- {server.name} log tail ---\n{server.log_tail()}"
        ) from exc


# ------------------------------------------------------------------- the dashboard's UI
def wait_for_dashboard(page) -> None:
    """Wait until the kernel has drawn the metrics table and the planes."""
    from playwright.sync_api import expect

    expect(page.locator(".nv12-cosine table")).to_be_visible(timeout=DASHBOARD_TIMEOUT_MS)
    expect(page.locator(".nv12-y-plane img")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)


def nudge_noise(page, presses: int = 3) -> tuple[str, str]:
    """Move the noise slider with the keyboard; wait for the metrics to change.

    Returns the readout (before, after). ArrowLeft when the slider starts at its max.
    """
    from playwright.sync_api import expect

    cosine = page.locator(".nv12-cosine")
    readout = page.locator(".nv12-noise .widget-readout")
    before_text = cosine.inner_text()
    before = readout.inner_text().strip()
    key = "ArrowLeft" if float(before) >= 2.0 - 1e-9 else "ArrowRight"
    handle = page.locator(".nv12-noise .noUi-handle")
    handle.focus()
    for _ in range(presses):
        handle.press(key)
    expect(readout).not_to_have_text(before, timeout=UPDATE_TIMEOUT_MS)
    expect(cosine).not_to_have_text(before_text, timeout=UPDATE_TIMEOUT_MS)
    return before, readout.inner_text().strip()


def wait_images_rendered(page, selector: str, timeout: float = UPDATE_TIMEOUT_MS) -> list[int]:
    """Wait until every displayed <img> matching ``selector`` (at least one) has decoded;
    return their naturalWidth (a broken or empty image stays at 0 and times out here)."""
    shown = "[...document.querySelectorAll(sel)].filter(i => i.getClientRects().length > 0)"
    page.wait_for_function(
        f"sel => {{ const imgs = {shown};"
        " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }",
        arg=selector,
        timeout=timeout,
    )
    return page.evaluate(f"sel => {shown}.map(i => i.naturalWidth)", selector)


# ---------------------------------------------------------- the starter notebook, run once
NOTEBOOK = "01_quickstart.ipynb"
KERNEL_IDLE = "Python 3 (ipykernel) | Idle"
LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"


@pytest.fixture(scope="module")
def lab_page(lab_server, browser):
    """The starter notebook run once in JupyterLab; the theme is reset to light after."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    with diagnose(page, lab_server, "test_layout_setup"):
        page.goto(f"{lab_server.url}/lab/tree/{NOTEBOOK}?reset&token={lab_server.token}")
        expect(page.get_by_role("button", name=KERNEL_IDLE)).to_be_visible(
            timeout=KERNEL_TIMEOUT_MS
        )
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        wait_for_dashboard(page)
        expect(page.locator(".nv12-readout")).to_contain_text(
            "pixel (row", timeout=DASHBOARD_TIMEOUT_MS
        )
    try:
        yield page
    finally:
        set_theme(page, LIGHT)
        context.close()


def set_theme(page, theme: str) -> None:
    """Switch JupyterLab's theme and wait until the page uses it."""
    page.evaluate(
        "t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme
    )
    page.wait_for_function(
        "t => document.body.dataset.jpThemeName === t", arg=theme, timeout=UPDATE_TIMEOUT_MS
    )


def set_screen(page, width: int, height: int, theme: str, browser_open: bool) -> None:
    """Viewport size, theme, and the file browser open (a laptop's usual view) or not."""
    page.set_viewport_size({"width": width, "height": height})
    set_theme(page, theme)
    if browser_open:
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
        page.wait_for_function(
            "() => !window.jupyterapp.shell.leftCollapsed", timeout=UPDATE_TIMEOUT_MS
        )
    else:
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        page.wait_for_function(
            "() => window.jupyterapp.shell.leftCollapsed", timeout=UPDATE_TIMEOUT_MS
        )
    page.wait_for_timeout(400)  # the notebook re-lays out after the panel moved
