"""``nv12-widgets lab``: JupyterLab opened on the starter notebook, in a working folder.

The tracked notebooks are never opened: they are copied once into an ignored working
folder (``./nv12-work`` by default; a copy already there, maybe edited by you, is never
overwritten), JupyterLab is started there with ``LabApp.default_url`` set to the starter
notebook (jupyter_server 2.21 prints the default URL as the one to open, so the printed
link leads straight to it; ``ServerApp.default_url`` is overridden by LabApp's own
``/lab``), and :data:`~nv12_widgets.report.OUTPUT_DIR_ENV` points
every kernel's exports at ``<working folder>/exports``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from nv12_widgets.core import InputError
from nv12_widgets.report import OUTPUT_DIR_ENV
from nv12_widgets.report.outputs import OUTPUT_DIRNAME

__all__ = [
    "STARTER_NOTEBOOK",
    "WORK_DIRNAME",
    "bundled_notebooks",
    "lab_command",
    "prepare_workdir",
]

WORK_DIRNAME = "nv12-work"
"""The working folder's default name (listed in ``.gitignore``)."""

STARTER_NOTEBOOK = "01_quickstart.ipynb"
"""The notebook the printed URL opens."""


def bundled_notebooks() -> Path:
    """The package's ``notebooks/`` folder (next to the package in a source checkout)."""
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    if not (folder / STARTER_NOTEBOOK).is_file():
        raise InputError(
            f"the starter notebooks are not at {folder}; install nv12_widgets from a source "
            "checkout (pip install -e .) to get them"
        )
    return folder


def prepare_workdir(workdir: str | os.PathLike[str], source: Path | None = None) -> list[Path]:
    """Copy the starter notebooks into ``workdir`` (created if needed) and create its
    ``exports`` folder; notebooks already there are left as they are.

    Parameters
    ----------
    workdir : path
        The working folder.
    source : Path, optional
        Folder of ``*.ipynb`` to copy (default: :func:`bundled_notebooks`).

    Returns
    -------
    list of Path
        The notebooks copied now (empty when all were there already).

    Examples
    --------
    >>> import tempfile
    >>> work = Path(tempfile.mkdtemp()) / "nv12-work"
    >>> [p.name for p in prepare_workdir(work)][:1]
    ['01_quickstart.ipynb']
    >>> prepare_workdir(work)  # a second time: your edited copies are kept
    []
    """
    work = Path(workdir).expanduser()
    src = bundled_notebooks() if source is None else Path(source)
    if work.exists() and not work.is_dir():
        raise InputError(f"{work} exists and is not a folder; pass another --dir")
    (work / OUTPUT_DIRNAME).mkdir(parents=True, exist_ok=True)
    copied = []
    for nb in sorted(src.glob("*.ipynb")):
        target = work / nb.name
        if not target.exists():
            shutil.copyfile(nb, target)
            copied.append(target)
    return copied


def lab_command(
    workdir: str | os.PathLike[str],
    port: int | None = None,
    open_browser: bool = True,
    notebook: str = STARTER_NOTEBOOK,
) -> tuple[list[str], dict[str, str]]:
    """The ``jupyter lab`` argv and environment :func:`main` execs.

    ``--allow-root``: fresh Debian machines and containers often run as root, where
    JupyterLab otherwise refuses to start.

    Examples
    --------
    >>> argv, env = lab_command("/tmp/w", port=8888)
    >>> "--LabApp.default_url=/lab/tree/01_quickstart.ipynb" in argv
    True
    >>> env["NV12_OUTPUT_DIR"].endswith("exports")
    True
    """
    work = Path(workdir).expanduser().absolute()
    argv = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--allow-root",
        f"--ServerApp.root_dir={work}",
        f"--LabApp.default_url=/lab/tree/{quote(notebook)}",
    ]
    if port is not None:
        argv.append(f"--port={int(port)}")
    if not open_browser:
        argv.append("--no-browser")
    env = dict(os.environ)
    env[OUTPUT_DIR_ENV] = str(work / OUTPUT_DIRNAME)
    return argv, env


def main(workdir: str, port: int | None, open_browser: bool, argv: Sequence[str] = ()) -> int:
    """Prepare ``workdir`` and replace this process by JupyterLab (never returns on
    success)."""
    copied = prepare_workdir(workdir)
    if copied:
        print(f"nv12-widgets: copied {len(copied)} starter notebook(s) to {workdir}/", flush=True)
    cmd, env = lab_command(workdir, port, open_browser)
    cmd += list(argv)
    print(f"nv12-widgets: exports go to {env[OUTPUT_DIR_ENV]}", flush=True)
    os.execve(cmd[0], cmd, env)
    return 0  # pragma: no cover - execve does not return
