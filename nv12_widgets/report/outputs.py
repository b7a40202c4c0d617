"""Where the dashboard and the notebooks write what they export: one folder, never
among the tracked notebooks.

``nv12-widgets lab`` sets :data:`OUTPUT_DIR_ENV` for the Jupyter server it starts (the
kernels inherit it), so every notebook and dashboard of that session exports to
``<working folder>/exports``; without it, ``./exports`` of the kernel's working
directory (the notebook's folder in Jupyter). Both are listed in ``.gitignore``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["OUTPUT_DIR_ENV", "OUTPUT_DIRNAME", "output_dir"]

OUTPUT_DIR_ENV = "NV12_OUTPUT_DIR"
"""Environment variable naming the export folder (set by ``nv12-widgets lab``)."""

OUTPUT_DIRNAME = "exports"
"""The export folder's name when :data:`OUTPUT_DIR_ENV` is not set (relative to the cwd)."""


def output_dir(create: bool = True) -> Path:
    """The folder exports go to: ``$NV12_OUTPUT_DIR``, else ``./exports``.

    Parameters
    ----------
    create : bool
        Create the folder (and its parents) when missing.

    Returns
    -------
    pathlib.Path
        Absolute path of the folder.

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ[OUTPUT_DIR_ENV] = tempfile.mkdtemp()
    >>> output_dir().is_dir()
    True
    >>> del os.environ[OUTPUT_DIR_ENV]
    """
    text = os.environ.get(OUTPUT_DIR_ENV, "").strip()
    path = (Path(text).expanduser() if text else Path(OUTPUT_DIRNAME)).absolute()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
